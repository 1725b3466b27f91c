"""Sites and their regulatory identifiers and closure dates."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from imaging_ops.audit.mixin import RegulatedModel, RegulatedQuerySet
from imaging_ops.text import no_bidi_controls
from imaging_ops.vocabulary import IdentifierKind

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def default_clinical_days() -> list[int]:
    return [0, 1, 2, 3, 4]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone, e.g. America/New_York.")


def validate_clinical_days(value) -> None:
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ValidationError("Clinical days are weekday numbers from 0 (Monday) to 6 (Sunday).")


class Site(RegulatedModel):
    """A hospital or imaging centre; authority, time zone and schedules are per site."""

    scope_path = "pk"

    code = models.SlugField(
        max_length=20, unique=True, help_text="Short code printed on labels, e.g. MAIN."
    )
    name = models.CharField(validators=[no_bidi_controls], max_length=200)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    clinical_days = models.JSONField(
        default=default_clinical_days, validators=[validate_clinical_days]
    )
    opens_at = models.TimeField(default=datetime.time(7, 0))
    closes_at = models.TimeField(default=datetime.time(19, 0))
    address = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def clinical_days_display(self) -> str:
        return ", ".join(WEEKDAYS[d] for d in sorted(self.clinical_days))

    def clean(self):
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": "Closing time must be after opening time."})


class SiteClosureQuerySet(RegulatedQuerySet):
    def in_force(self):
        """The closures that stand: daily schedules skip these days."""
        return self.filter(cancelled_at__isnull=True)


class SiteClosure(RegulatedModel):
    """A date the site is closed: daily schedules skip it. Cancelled with a reason, never
    deleted, so what the schedule knew on any day stays on record."""

    scope_path = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    cancel_reason = models.CharField(max_length=200, blank=True, editable=False)

    objects = SiteClosureQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "date"],
                condition=models.Q(cancelled_at__isnull=True),
                name="one_closure_per_site_day",
                violation_error_message="This site already has a closure on that date.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.site.code} closed {self.date}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class SiteIdentifier(RegulatedModel):
    """A regulatory identifier of a site: licence, registration, certificate or accreditation."""

    scope_path = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="identifiers")
    kind = models.CharField(max_length=20, choices=IdentifierKind.choices)
    number = models.CharField(validators=[no_bidi_controls], max_length=100)
    issuer = models.CharField(validators=[no_bidi_controls], max_length=200)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["site", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kind", "number"],
                name="unique_site_identifier",
                violation_error_message="This site already has that identifier.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
