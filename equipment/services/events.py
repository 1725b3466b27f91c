"""Recording a machine's events (installation, relocation, major repair, a repair that opened
the enclosure, a software change): each is a regulated row, audited on creation, after which
the procedures that name its kind are required before the machine returns to service.

Anyone who may take the machine out of service records one: an event only adds to what the
return-to-service gate asks, never takes from it. The work-order part calls
`record_equipment_event` when a major repair (or a repair that opened the enclosure) is
completed, with the work order's id.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from equipment.models import Equipment, EquipmentEvent, EquipmentStatus, RequiringEvent
from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.errors import FieldErrors
from imaging_ops.text import no_bidi_controls

FUTURE_ALLOWANCE = timedelta(minutes=5)


def validate_event(*, kind, occurred_at, note: str, now: datetime) -> None:
    """Every field error of an event at once."""
    errors = FieldErrors()
    if kind not in RequiringEvent.values:
        names = ", ".join(label.lower() for label in RequiringEvent.labels)
        errors.add("kind", f"Choose what happened: {names}.")
    if not isinstance(occurred_at, datetime) or timezone.is_naive(occurred_at):
        errors.add("occurred_at", "Give the date and time it happened, with its time zone.")
    elif occurred_at > now + FUTURE_ALLOWANCE:
        errors.add("occurred_at", "An event is recorded once it has happened, not ahead.")
    if not isinstance(note, str):
        errors.add("note", "Give the note as text.")
    else:
        try:
            no_bidi_controls(note)
        except ValidationError as exc:
            for message in exc.messages:
                errors.add("note", message)
    errors.raise_any()


def record_equipment_event(
    equipment: Equipment,
    *,
    kind: str,
    actor,
    occurred_at: datetime,
    note: str = "",
    source_work_order_id: int | None = None,
    now: datetime | None = None,
) -> EquipmentEvent:
    """Record that something happened to the machine at `occurred_at`, inside a regulated
    transaction (the caller's, when it has one: a work order's completion). The procedures that
    name `kind` are required, passing and signed after it, before the machine's next return to
    service."""
    require(actor, Action.TAKE_OUT_OF_SERVICE, equipment.site_id)
    now = now or timezone.now()
    note = note.strip() if isinstance(note, str) else note
    validate_event(kind=kind, occurred_at=occurred_at, note=note, now=now)
    if equipment.status == EquipmentStatus.DISPOSED:
        raise ValidationError({"kind": "Disposed equipment has no further events."})
    with regulated_transaction(actor=actor):
        return EquipmentEvent.objects.create(
            equipment=equipment,
            kind=kind,
            occurred_at=occurred_at,
            recorded_at=now,
            note=note,
            actor=actor,
            source_work_order_id=source_work_order_id,
        )
