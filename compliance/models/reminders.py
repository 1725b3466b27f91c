"""The reminder outbox: one `ReminderNotice` per (subject, due date, stage), claimed by the sweep
with its unique insert and for delivery with a conditional update and a lease; one
`ReminderDelivery` per notice and person, written with the in-app notification (so that is
written once) and marked when the email went.

Notices are operational rows, not regulated records: they say who was told what and when.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from equipment.models import ProcedureKind
from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.models import Site


class SubjectKind(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    SITE_IDENTIFIER = "site_identifier", "Licence or accreditation"
    WORK_ORDER = "work_order", "Work order"
    MISSED_DAYS = "missed_days", "Missed daily work"
    TRAINING = "training", "Training record"


class NoticeState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled (work recorded)"


class ReminderNotice(models.Model):
    scope_path = "site"

    subject_kind = models.CharField(max_length=20, choices=SubjectKind.choices)
    subject_id = models.PositiveBigIntegerField()
    due_on = models.DateField()
    stage = models.CharField(max_length=20)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    stage_at = models.DateTimeField(help_text="When the stage fell.")
    claimed_at = models.DateTimeField()
    # The sweep that inserted the row: how a sweep knows which of its inserts won.
    sweep = models.CharField(max_length=32, editable=False)
    state = models.CharField(max_length=10, choices=NoticeState.choices, default="pending")
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id", "due_on", "stage"],
                name="one_notice_per_subject_due_stage",
                violation_error_message="That reminder stage was already claimed.",
            )
        ]
        indexes = [
            models.Index(fields=["state", "lease_until"], name="notice_state_lease"),
            models.Index(fields=["site", "-claimed_at"], name="notice_site_time"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.stage})"


class ReminderDelivery(models.Model):
    """One notice to one person: the in-app notification written with the row, the email sent
    now or in the person's next morning digest."""

    notice = models.ForeignKey(ReminderNotice, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notified_at = models.DateTimeField()
    email_due_at = models.DateTimeField(db_index=True)
    email_lease_until = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notice", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "user"],
                name="one_delivery_per_notice_person",
                violation_error_message="That person was already told of this reminder.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice} to {self.user}"


class DeliveryMode(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately, one email per reminder"
    DIGEST = "digest", "One email each morning (at my home site's opening time)"


class ReminderPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    mode = models.CharField(max_length=10, choices=DeliveryMode.choices, default="immediate")
    lead_stages = models.BooleanField(
        default=True,
        help_text="“Due in N days” reminders. Due, overdue and escalated reminders always come.",
    )

    def __str__(self) -> str:
        return f"Reminder preference of {self.user}"


class LeadTime(RegulatedModel):
    """How many days ahead a site's procedures of one kind are announced (0: no lead stage);
    audited, as a site's settings are."""

    scope_path = "site"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    procedure_kind = models.CharField(max_length=30, choices=ProcedureKind.choices)
    days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(365)]
    )

    class Meta:
        ordering = ["site", "procedure_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "procedure_kind"],
                name="one_lead_time_per_site_kind",
                violation_error_message="This site already has a lead time for that kind.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure_kind}: {self.days} days"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's secret calendar address; regenerating the secret ends the old address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    secret = models.CharField(max_length=64, unique=True, default=new_secret)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
