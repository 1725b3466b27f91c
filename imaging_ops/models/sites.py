"""Sites and their regulatory identifiers and closure dates.

A site's time is its own: its today, the bounds of its days and its clinical days are read
through the `Site` methods below, never recomputed from its time zone elsewhere.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from imaging_ops.audit.mixin import RegulatedModel, RegulatedQuerySet
from imaging_ops.text import no_bidi_controls
from imaging_ops.vocabulary import IdentifierKind, QualificationGate

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def default_clinical_days() -> list[int]:
    return [0, 1, 2, 3, 4]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone, e.g. America/New_York.")


def is_weekday_number(value) -> bool:
    """A weekday as stored in `Site.clinical_days`: 0 (Monday) to 6 (Sunday)."""
    return isinstance(value, int) and 0 <= value < len(WEEKDAYS)


def validate_clinical_days(value) -> None:
    if not isinstance(value, list) or not all(is_weekday_number(d) for d in value):
        raise ValidationError("Clinical days are weekday numbers from 0 (Monday) to 6 (Sunday).")


CLOSES_AFTER_OPENING = "Closing time must be after opening time."


def validate_opening_hours(opens_at: datetime.time | None, closes_at: datetime.time | None):
    """A site closes after it opens, on the same day; a missing time is the form's to report."""
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise ValidationError({"closes_at": CLOSES_AFTER_OPENING})


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
    qualification_gate = models.CharField(
        max_length=10,
        choices=QualificationGate.choices,
        default=QualificationGate.BLOCK,
        help_text="When a signer's required training for the modality is not current.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local(self, moment: datetime.datetime) -> datetime.datetime:
        """An aware moment as the site's clocks show it."""
        return timezone.localtime(moment, self.zone)

    def today(self, now: datetime.datetime) -> datetime.date:
        """The date at the site at `now`: access expiry, closures and due days count in it."""
        return self.local(now).date()

    def day_bounds(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        """The first moment of `day` at the site and the first of the next day, in UTC
        (half-open: a moment is on `day` when start <= moment < end).

        A day with a daylight-saving change lasts 23 or 25 hours; where the clocks skip
        midnight, the day starts at the moment they jump.
        """
        return self._day_start(day), self._day_start(day + datetime.timedelta(days=1))

    def _day_start(self, day: datetime.date) -> datetime.datetime:
        # fold=0 reads a skipped midnight with the offset before the change, which is the
        # instant of the jump. In UTC, so that end - start counts the hours the day really has.
        midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=self.zone)
        return midnight.astimezone(datetime.UTC)

    def is_clinical_day(self, day: datetime.date) -> bool:
        """Whether `day` is one of the site's clinical weekdays (closure dates are checked
        apart, as SiteClosure rows in force)."""
        return day.weekday() in self.clinical_days

    @property
    def clinical_days_display(self) -> str:
        """The clinical days as the pages show them, e.g. "Mon, Tue, Wed, Thu, Fri"."""
        return ", ".join(WEEKDAYS[d] for d in sorted(self.clinical_days))

    def clean(self):
        validate_opening_hours(self.opens_at, self.closes_at)


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
