"""People, their per-site roles, API tokens and the worker heartbeat."""

from datetime import date, datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from imaging_ops.audit.mixin import RegulatedModel, RegulatedQuerySet
from imaging_ops.models.sites import Site
from imaging_ops.text import no_bidi_controls
from imaging_ops.vocabulary import Role


class UserQuerySet(RegulatedQuerySet):
    def locked(self, now: datetime):
        """The people whose account is locked at `now` (the rows `User.is_locked` is true of)."""
        return self.filter(locked_until__gt=now)

    def not_locked(self, now: datetime):
        """The people who may sign in as far as locks go: never locked, or the lock has ended."""
        return self.filter(models.Q(locked_until__isnull=True) | models.Q(locked_until__lte=now))


class ImagingOpsUserManager(UserManager.from_queryset(UserQuerySet)):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(RegulatedModel, AbstractUser):
    """A person. Usernames are never reused: people are deactivated, never deleted."""

    audit_exempt_fields = frozenset({"last_login", "locked_until"})
    audit_redacted_fields = frozenset({"password"})

    full_name = models.CharField(validators=[no_bidi_controls], max_length=200, blank=True)
    credentials = models.CharField(
        validators=[no_bidi_controls],
        max_length=100,
        blank=True,
        help_text="As printed after the name, e.g. RT(R)(M) or DABR.",
    )
    employee_id = models.CharField(validators=[no_bidi_controls], max_length=50, blank=True)
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
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="email_unique_ignoring_case",
                violation_error_message="Another account already uses that email address.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def audit_site_id(self) -> int | None:
        """Events about a person belong to their home site, so its managers can find them."""
        return self.home_site_id

    @property
    def display_name(self) -> str:
        name = self.full_name or self.get_full_name() or self.username
        return f"{name}, {self.credentials}" if self.credentials else name

    def is_locked(self, now: datetime) -> bool:
        """Whether the account is locked at `now`: the lock ends at `locked_until`, exactly."""
        return self.locked_until is not None and self.locked_until > now


class SiteMembershipQuerySet(RegulatedQuerySet):
    def held(self):
        """Active roles of active people, whatever their expiry."""
        return self.filter(is_active=True, user__is_active=True)

    def in_force(self, today: date):
        """The roles that stand on `today` (a date at their site): held, and their last day
        not passed. Roles at sites in other time zones each need their own site's today."""
        return self.held().filter(
            models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=today)
        )

    def standing_managers(self):
        """Manager roles with a manager's full authority: trainee managers vouch for no one.
        With `in_force(today)`, the managers a site has on that day."""
        return self.filter(role=Role.MANAGER, is_trainee=False)


class SiteMembership(RegulatedModel):
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

    objects = SiteMembershipQuerySet.as_manager()

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

    def has_expired(self, today: date) -> bool:
        """Whether the role's last day has passed on `today` (a date at its site)."""
        return self.expires_on is not None and self.expires_on < today

    def in_force_at(self, now: datetime) -> bool:
        """Whether this row grants its role at `now`: active, and its last day, counted in
        its site's time zone, not passed (as `in_force` filters; the account is checked
        apart, by `account_may_act`)."""
        return self.is_active and not self.has_expired(self.site.today(now))

    def stands_as_manager(self, today: date) -> bool:
        """Whether the row gives a manager's full authority on `today` (as
        `standing_managers().in_force(today)` filters, the account checked apart)."""
        return (
            self.role == Role.MANAGER
            and not self.is_trainee
            and self.is_active
            and not self.has_expired(today)
        )


class ApiToken(models.Model):
    """An expiring API token. Only a hash is stored; the key is shown once, when issued."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    password_fingerprint = models.CharField(
        max_length=128,
        blank=True,
        help_text="The session auth hash of the password it was issued under.",
    )
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
