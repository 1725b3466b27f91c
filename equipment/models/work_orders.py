"""Work orders: the record of a repair, from the fault reported to the repair verified.

A regulated record (every create and field change is audited through the audit mixin). The
work order is the stable identity that the equipment page, the status gate and the lists read;
it moves only through `equipment.services.work_orders.transition_work_order` along one table.
Its completion — what was done, the root cause, the parts and labour, the service reports — is
a `WorkOrderCompletion`, a signed record version (imaging_ops.records.versioning): signed
"performed" by whoever did the work, or, for a field engineer, countersigned "reviewed" by a
physicist or manager; verification adds "corrective action verified". A completion reopened
and completed again is a new version; the earlier one and its signatures stay.

Parts and labour lines and the attachments belong to the work order while it is open; each
completion copies them into its signed content, so what was signed cannot change unseen.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.models import Meaning
from imaging_ops.records.versioning import RecordVersion
from imaging_ops.text import no_bidi_controls


class WorkOrderState(models.TextChoices):
    REPORTED = "reported", "Reported"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_PARTS = "awaiting_parts", "Awaiting parts"
    AWAITING_VENDOR = "awaiting_vendor", "Awaiting vendor"
    COMPLETED = "completed", "Completed"
    VERIFIED = "verified", "Verified"
    CANCELLED = "cancelled", "Cancelled"


CLOSED_STATES = frozenset({WorkOrderState.VERIFIED, WorkOrderState.CANCELLED})
OPEN_STATES = frozenset(set(WorkOrderState.values) - CLOSED_STATES)


class WorkOrderPriority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


class WorkOrder(RegulatedModel):
    """One repair of one piece of equipment, and where it stands."""

    scope_path = "equipment__site"
    # Moved by the services in the transaction of each transition, for lists and the gate.
    audit_exempt_fields = frozenset({"updated_at"})

    equipment = models.ForeignKey(
        "equipment.Equipment", on_delete=models.PROTECT, related_name="work_orders"
    )
    problem = models.TextField(validators=[no_bidi_controls])
    priority = models.CharField(
        max_length=10, choices=WorkOrderPriority.choices, default=WorkOrderPriority.NORMAL
    )
    state = models.CharField(
        max_length=20, choices=WorkOrderState.choices, default=WorkOrderState.REPORTED
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_work_orders"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_work_orders",
    )
    due_on = models.DateField(null=True, blank=True)
    vendor = models.CharField(validators=[no_bidi_controls], max_length=200, blank=True)
    vendor_reference = models.CharField(validators=[no_bidi_controls], max_length=100, blank=True)
    source_record = models.ForeignKey(
        "equipment.ServiceRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        help_text="The service record whose failed check opened this work order.",
    )
    source_procedure = models.ForeignKey(
        "equipment.Procedure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        help_text="The procedure whose failure opened it: later failures join it while open.",
    )
    stop_use = models.BooleanField(
        default=False, help_text="Holds the equipment out of service until verified."
    )
    major_repair = models.BooleanField(default=False)
    opened_enclosure = models.BooleanField(
        default=False, help_text="The repair opened the enclosure (electrical safety follows)."
    )
    resolution = models.TextField(validators=[no_bidi_controls], blank=True)
    root_cause = models.TextField(validators=[no_bidi_controls], blank=True)
    cancel_reason = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="Verified or cancelled: downtime is counted until then."
    )
    updated_at = models.DateTimeField()
    current_version = models.OneToOneField(
        "equipment.WorkOrderCompletion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["equipment", "state"], name="work_order_equipment_state"),
            models.Index(fields=["-opened_at", "-id"], name="work_order_time"),
            models.Index(fields=["state", "-opened_at"], name="work_order_state_time"),
            # Mean time to repair: the repairs verified in a period.
            models.Index(fields=["state", "closed_at"], name="work_order_state_closed"),
        ]

    def __str__(self) -> str:
        return f"Work order {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # The signature service reads these of the record a version belongs to: a work order is
    # cancelled with a reason, never voided, and is never a radiation record.
    @property
    def is_voided(self) -> bool:
        return False

    def is_radiation_record(self) -> bool:
        return False


class LineKind(models.TextChoices):
    PART = "part", "Part"
    LABOUR = "labour", "Labour"


class WorkOrderLine(RegulatedModel):
    """A part used or labour spent on the repair, with its cost."""

    scope_path = "work_order__equipment__site"

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    description = models.CharField(validators=[no_bidi_controls], max_length=200)
    quantity = models.DecimalField(max_digits=10, decimal_places=2)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["work_order", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_cost).quantize(Decimal("0.01"))

    def content(self) -> dict:
        return {
            "kind": self.kind,
            "description": self.description,
            "quantity": str(self.quantity),
            "unit_cost": str(self.unit_cost),
            "total": str(self.total),
        }


class WorkOrderAttachment(RegulatedModel):
    """A service report (or photo, or certificate) attached to a work order."""

    scope_path = "work_order__equipment__site"

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="work-orders/%Y/%m/")
    name = models.CharField(validators=[no_bidi_controls], max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["work_order", "pk"]

    def __str__(self) -> str:
        return self.name

    def content(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "size": self.size}


class WorkOrderCompletion(RecordVersion):
    """What a completion of the repair says, signed: by the performer, or, for a field
    engineer (external), countersigned "reviewed" by a physicist or manager."""

    scope_path = "work_order__equipment__site"
    record_field = "work_order"
    signature_meanings = (
        Meaning.PERFORMED,
        Meaning.REVIEWED,
        Meaning.CORRECTIVE_ACTION_VERIFIED,
    )

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="versions")
    resolution = models.TextField()
    root_cause = models.TextField()
    major_repair = models.BooleanField(default=False)
    opened_enclosure = models.BooleanField(default=False)
    completed_at = models.DateTimeField()
    external_name = models.CharField(validators=[no_bidi_controls], max_length=200, blank=True)
    external_organisation = models.CharField(
        validators=[no_bidi_controls], max_length=200, blank=True
    )
    lines = models.JSONField(default=list, blank=True, help_text="The lines, as completed.")
    attachments = models.JSONField(
        default=list, blank=True, help_text="The attachments' names and SHA-256, as completed."
    )

    class Meta:
        ordering = ["work_order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "number"],
                name="one_work_order_completion_per_number",
                violation_error_message="This work order already has that completion.",
            )
        ]

    @property
    def is_external(self) -> bool:
        return bool(self.external_name)

    def record_content(self) -> dict:
        return {
            "equipment_id": self.work_order.equipment_id,
            "problem": self.work_order.problem,
            "resolution": self.resolution,
            "root_cause": self.root_cause,
            "major_repair": self.major_repair,
            "opened_enclosure": self.opened_enclosure,
            "completed_at": self.completed_at,
            "external": [self.external_name, self.external_organisation],
            "lines": self.lines,
            "attachments": self.attachments,
        }
