"""A machine's status: its values, and the history of every change (who, when, from, to, why)."""

from django.conf import settings
from django.db import models

from imaging_ops.audit.mixin import RegulatedModel


class EquipmentStatus(models.TextChoices):
    AWAITING_ACCEPTANCE = "awaiting_acceptance", "Awaiting acceptance"
    IN_SERVICE = "in_service", "In service"
    OUT_OF_SERVICE = "out_of_service", "Out of service"
    RETIRED = "retired", "Retired"
    DISPOSED = "disposed", "Disposed"


class StatusChangeKind(models.TextChoices):
    CHANGE = "change", "Status change"
    ADOPTION = "adoption", "Adopted in service"


class EquipmentStatusChange(RegulatedModel):
    """One change of a machine's status: who, when, from what, to what, and why."""

    scope_path = "equipment__site"

    equipment = models.ForeignKey(
        "equipment.Equipment", on_delete=models.PROTECT, related_name="status_changes"
    )
    kind = models.CharField(
        max_length=20, choices=StatusChangeKind.choices, default=StatusChangeKind.CHANGE
    )
    from_status = models.CharField(max_length=30, choices=EquipmentStatus.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=EquipmentStatus.choices)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="status_changes"
    )
    changed_at = models.DateTimeField()
    # A return to service names the records that satisfied the gate, as they were then: each
    # {"record": id, "procedure": code, "performed_at": ISO time, "because": why it was needed}.
    satisfied_by = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["equipment", "-changed_at"], name="status_change_history"),
            # The newest changes at a person's sites (their home page), without a sort.
            models.Index(fields=["-changed_at", "-id"], name="status_change_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.equipment.asset_tag}: {self.from_status or '—'} → {self.to_status}"
