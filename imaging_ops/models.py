"""Sites, people and their per-site authority, API tokens and the worker heartbeat."""

import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from .vocabulary import IdentifierKind, Role

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def default_clinical_days() -> list[int]:
    return [0, 1, 2, 3, 4]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone, e.g. America/New_York.")


def validate_clinical_days(value) -> None:
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ValidationError("Clinical days are weekday numbers from 0 (Monday) to 6 (Sunday).")


class Site(models.Model):
    """A hospital or imaging centre; authority, time zone and schedules are per site."""

    scope_path = "pk"

    code = models.SlugField(
        max_length=20, unique=True, help_text="Short code printed on labels, e.g. MAIN."
    )
    name = models.CharField(max_length=200)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    clinical_days = models.JSONField(
        default=default_clinical_days, validators=[validate_clinical_days]
    )
    opens_at = models.TimeField(default="07:00")
    closes_at = models.TimeField(default="19:00")
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


class SiteClosure(models.Model):
    """A date the site is closed: daily schedules skip it."""

    scope_path = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "date"],
                name="one_closure_per_site_day",
                violation_error_message="This site already has a closure on that date.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.site.code} closed {self.date}"


class SiteIdentifier(models.Model):
    """A regulatory identifier of a site: licence, registration, certificate or accreditation."""

    scope_path = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="identifiers")
    kind = models.CharField(max_length=20, choices=IdentifierKind.choices)
    number = models.CharField(max_length=100)
    issuer = models.CharField(max_length=200)
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


class ImagingOpsUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person. Usernames are never reused: people are deactivated, never deleted."""

    full_name = models.CharField(max_length=200, blank=True)
    credentials = models.CharField(
        max_length=100, blank=True, help_text="As printed after the name, e.g. RT(R)(M) or DABR."
    )
    employee_id = models.CharField(max_length=50, blank=True)
    home_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="home_users"
    )
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ImagingOpsUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="username_unique_ignoring_case",
                violation_error_message="That username is taken.",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.full_name or self.get_full_name() or self.username
        return f"{name}, {self.credentials}" if self.credentials else name

    def delete(self, *args, **kwargs):
        raise ValidationError("People are deactivated, never deleted, so usernames stay unique.")


class SiteMembership(models.Model):
    """One role of one person at one site. A person may hold several roles at a site."""

    scope_path = "site"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_trainee = models.BooleanField(default=False)
    expires_on = models.DateField(
        null=True, blank=True, help_text="Last day of access (required for inspectors)."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "site", "role"],
                name="one_membership_per_role",
                violation_error_message="This person already holds that role at this site.",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.INSPECTOR) | models.Q(expires_on__isnull=False),
                name="inspector_access_expires",
                violation_error_message="An inspector's access needs an expiry date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.get_role_display()} at {self.site.code}"


class ApiToken(models.Model):
    """An expiring API token. Only a hash is stored; the key is shown once, when issued."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"API token of {self.user.username}, expires {self.expires_at:%Y-%m-%d %H:%M} UTC"


class Heartbeat(models.Model):
    """When a periodic task last ran in a worker; /health/ reads it."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at.isoformat()}"
