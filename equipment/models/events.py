"""Events in a machine's life that require procedures before it is used again: installation,
relocation, major repair, a repair that opened the enclosure, a software change.

Each event is recorded by an explicit action (or by the work order that completed the repair)
and is a regulated row: who recorded it, when it happened, why. The return-to-service gate asks,
for each procedure whose version names the event's kind in `required_after`, for a passing,
signed record dated after the latest such event.
"""

from django.conf import settings
from django.db import models

from equipment.models.procedures import RequiringEvent
from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.text import no_bidi_controls


class EquipmentEvent(RegulatedModel):
    """One event on one machine; the procedures that name its kind are required after it."""

    scope_path = "equipment__site"

    equipment = models.ForeignKey(
        "equipment.Equipment", on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=30, choices=RequiringEvent.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(editable=False)
    note = models.TextField(validators=[no_bidi_controls], blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="equipment_events"
    )
    # The work order whose completion recorded the event (a plain id until work orders exist
    # beside it; the work-order app links it).
    source_work_order_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["equipment", "-occurred_at"], name="event_history")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.equipment_id} at {self.occurred_at:%Y-%m-%d}"
