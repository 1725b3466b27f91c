"""Schedules: a procedure's lineage on one piece of equipment, and the clock it keeps.

The stored columns `window_opens`, `next_due`, `overdue_at`, `hard_limit_at`, `last_done`,
`next_reminder_at` and `reminder_stage` are derived: moved by the schedule services in the same
transaction as the change that moves them, indexed for the sweeps and lists, and exempt from
field-level audit.
"""

from django.conf import settings
from django.db import models

from equipment.models.procedures import Procedure
from equipment.models.registry import Equipment
from equipment.scheduling import Anchor, DueTime, Interval, Preset, Recurrence
from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.models import Site
from imaging_ops.vocabulary import Role

DERIVED_COLUMNS = frozenset(
    {
        "window_opens",
        "next_due",
        "overdue_at",
        "hard_limit_at",
        "last_done",
        "baseline_done",
        "next_reminder_at",
        "reminder_stage",
        "site",
    }
)


class Schedule(RegulatedModel):
    """A procedure lineage (never one version) on one piece of equipment, with its assignee."""

    audit_exempt_fields = DERIVED_COLUMNS
    scope_path = "site"

    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="schedules")
    # The equipment's site (fixed once the equipment exists), kept on the row so that a site's
    # schedules are found by one index, not through a join to every piece of equipment.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", editable=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="schedules")
    anchor = models.CharField(max_length=20, choices=Anchor.choices)
    interval_months = models.PositiveSmallIntegerField(default=0)
    interval_weeks = models.PositiveSmallIntegerField(default=0)
    interval_days = models.PositiveSmallIntegerField(default=0)
    preset = models.CharField(max_length=20, choices=Preset.choices, blank=True)
    weekday = models.PositiveSmallIntegerField(null=True, blank=True)
    starts_on = models.DateField(help_text="The first day of the series (a fixed anchor's start).")
    early_days = models.PositiveSmallIntegerField(default=0)
    grace_days = models.PositiveSmallIntegerField(default=0)
    hard_limit_months = models.PositiveSmallIntegerField(null=True, blank=True)
    hard_limit_days = models.PositiveSmallIntegerField(null=True, blank=True)
    due_time = models.CharField(max_length=10, choices=DueTime.choices, default=DueTime.OPENING)
    due_clock = models.TimeField(
        null=True, blank=True, help_text="A clock time in place of the site's opening or closing."
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_schedules",
    )
    assignee_role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    paused = models.BooleanField(default=False)
    # The current occurrence's timeline (equipment.scheduling.Timeline), stored so that a list
    # filters and sorts by status in the database.
    window_opens = models.DateTimeField(editable=False)
    next_due = models.DateTimeField(db_index=True, editable=False)
    overdue_at = models.DateTimeField(db_index=True, editable=False)
    hard_limit_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_done = models.DateTimeField(null=True, blank=True, editable=False)
    # The completion known before any record here (from the set-up or a CSV import of history):
    # what `last_done` falls back to when every record is voided.
    baseline_done = models.DateTimeField(null=True, blank=True, editable=False)
    next_reminder_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    reminder_stage = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["next_due", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["equipment", "procedure"],
                name="one_schedule_per_equipment_procedure",
                violation_error_message="This equipment already has a schedule for that procedure.",
            ),
            models.CheckConstraint(
                condition=models.Q(assignee__isnull=True) | models.Q(assignee_role=""),
                name="schedule_assignee_person_or_role",
                violation_error_message="Assign the schedule to a person or to a role, not both.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} on {self.equipment.asset_tag}"

    def save(self, *args, **kwargs):
        if self.site_id is None and self.equipment_id is not None:
            self.site_id = self.equipment.site_id
        super().save(*args, **kwargs)

    # The schedule's fields as the pure scheduling rules take them.

    @property
    def recurrence(self) -> Recurrence:
        if self.preset:
            return Recurrence(preset=self.preset, weekday=self.weekday)
        interval = Interval(self.interval_months, self.interval_weeks, self.interval_days)
        return Recurrence(interval=interval)

    @property
    def early(self) -> Interval:
        return Interval(days=self.early_days)

    @property
    def grace(self) -> Interval:
        return Interval(days=self.grace_days)

    @property
    def hard_limit(self) -> Interval | None:
        if self.hard_limit_months is None and self.hard_limit_days is None:
            return None
        return Interval(months=self.hard_limit_months or 0, days=self.hard_limit_days or 0)

    @property
    def due_at(self):
        return self.due_clock or self.due_time


class Reference(RegulatedModel):
    """The baseline of one check on one schedule, by the check's key (it outlives versions).
    Every change has a reason and a ReferenceChange row."""

    scope_path = "schedule__site"

    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, related_name="references")
    check_key = models.SlugField(max_length=50)
    value = models.DecimalField(max_digits=20, decimal_places=8)
    set_at = models.DateTimeField(editable=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, editable=False, related_name="+"
    )
    reason = models.TextField()

    class Meta:
        ordering = ["schedule", "check_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "check_key"],
                name="one_reference_per_schedule_check",
                violation_error_message="This schedule already has a reference for that check.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.check_key} reference {self.value}"


class ReferenceChange(RegulatedModel):
    """One setting of a reference: the value before and after, by whom, and why."""

    scope_path = "reference__schedule__site"

    reference = models.ForeignKey(Reference, on_delete=models.PROTECT, related_name="history")
    previous_value = models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True)
    value = models.DecimalField(max_digits=20, decimal_places=8)
    reason = models.TextField()
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["reference", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reference.check_key}: {self.previous_value} → {self.value}"


class MissedOccurrence(RegulatedModel):
    """A clinical day a daily schedule owed work and got no record; staff annotate why."""

    scope_path = "schedule__site"

    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, related_name="missed")
    day = models.DateField()
    annotation = models.CharField(max_length=300, blank=True)
    annotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    annotated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["schedule", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "day"],
                name="one_missed_occurrence_per_schedule_day",
                violation_error_message="That day is already recorded as missed for this schedule.",
            )
        ]
        # "My work" and the missed-days list show the newest unexplained days first.
        indexes = [
            models.Index(
                models.F("day").desc(),
                condition=models.Q(annotation=""),
                name="missed_unexplained_newest",
            )
        ]

    def __str__(self) -> str:
        return f"Missed {self.day:%Y-%m-%d}"
