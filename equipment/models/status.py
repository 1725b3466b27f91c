"""A machine's status: its values, and the history of every change (who, when, from, to, why)."""

from django.conf import settings
from django.db import models, transaction

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
    """One change of a machine's status: who, when, from what, to what, and why; and until
    when it stood (`ended_at`, the machine's next change, kept as each change is written)."""

    scope_path = "equipment__site"
    audit_exempt_fields = frozenset({"ended_at"})

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
    # Derived: when the machine next changed status (the first later change), None while this
    # one stands. Downtime in a period is read from it without a subquery per change.
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["equipment", "-changed_at"], name="status_change_history"),
            # The newest changes at a person's sites (their home page), without a sort.
            models.Index(fields=["-changed_at", "-id"], name="status_change_newest"),
            # The spans of a status that reach into a period (the dashboard's downtime).
            models.Index(fields=["to_status", "ended_at"], name="status_change_spans"),
        ]

    def save(self, *args, **kwargs):
        """A new change ends the one before it (the latest earlier change of the machine) and
        itself ends at the first later change, if one was recorded before it."""
        if not self._state.adding:
            return super().save(*args, **kwargs)
        history = EquipmentStatusChange.objects.filter(equipment_id=self.equipment_id)
        with transaction.atomic():
            self.ended_at = (
                history.filter(changed_at__gt=self.changed_at)
                .order_by("changed_at")
                .values_list("changed_at", flat=True)
                .first()
            )
            super().save(*args, **kwargs)
            history.filter(changed_at__lt=self.changed_at).filter(
                models.Q(ended_at__isnull=True) | models.Q(ended_at__gt=self.changed_at)
            ).update(ended_at=self.changed_at)

    def __str__(self) -> str:
        return f"{self.equipment.asset_tag}: {self.from_status or '—'} → {self.to_status}"
