"""How equipment's models read in the audit trail: by asset tag and name, with their pages;
procedures by code and version, schedules by procedure and asset tag.

Registered from EquipmentConfig.ready; the core names them through imaging_ops.audit.names and
never imports this app.
"""

from django.urls import reverse

from equipment.forms.acceptance import AcceptanceNoteForm
from equipment.forms.registry import EquipmentForm, LocationForm
from equipment.models import (
    AcceptanceNote,
    AcceptanceNoteVersion,
    Check,
    Equipment,
    EquipmentEvent,
    EquipmentStatusChange,
    Location,
    Measurement,
    MissedOccurrence,
    Procedure,
    ProcedureVersion,
    RecordAttachment,
    Reference,
    ReferenceChange,
    Schedule,
    ServiceRecord,
    ServiceRecordVersion,
    WorkOrder,
    WorkOrderAttachment,
    WorkOrderCompletion,
    WorkOrderLine,
)
from imaging_ops.access.permissions import Action, can
from imaging_ops.audit.names import register


def _equipment_page(equipment_id: int, site_id: int, viewer, anchor: str = "") -> str | None:
    if not can(viewer, Action.VIEW_RECORDS, site_id):
        return None
    return reverse("equipment:detail", kwargs={"pk": equipment_id}) + anchor


def _equipment_link(equipment, event, viewer) -> str | None:
    return _equipment_page(equipment.pk, equipment.site_id, viewer)


def _location_link(location, event, viewer) -> str | None:
    if not can(viewer, Action.VIEW_RECORDS, location.site_id):
        return None
    return reverse("equipment:location_detail", kwargs={"pk": location.pk})


def _status_change_link(change, event, viewer) -> str | None:
    equipment = change.equipment
    return _equipment_page(equipment.pk, equipment.site_id, viewer, "#status-history")


def _status_change_name(change) -> str:
    """ "MAIN-CT1: In service → Out of service"."""
    before = change.get_from_status_display() or "—"
    return f"{change.equipment.asset_tag}: {before} → {change.get_to_status_display()}"


def _note_page(note_id: int, site_id: int, viewer) -> str | None:
    if not can(viewer, Action.VIEW_RECORDS, site_id):
        return None
    return reverse("equipment:acceptance_detail", kwargs={"pk": note_id})


def _note_link(note, event, viewer) -> str | None:
    return _note_page(note.pk, note.equipment.site_id, viewer)


def _version_link(version, event, viewer) -> str | None:
    return _note_page(version.note_id, version.note.equipment.site_id, viewer)


def _procedure_name(procedure) -> str:
    """ "CT-DAILY (library)" or "CT-DAILY at ALPHA"."""
    where = "library" if procedure.site_id is None else f"at {procedure.site.code}"
    return f"Procedure {procedure.code} ({where})"


def _schedule_name(schedule) -> str:
    """ "CT-DAILY on MAIN-CT1"."""
    return f"Schedule {schedule.procedure.code} on {schedule.equipment.asset_tag}"


def _schedule_link(schedule, event, viewer) -> str | None:
    equipment = schedule.equipment
    return _equipment_page(equipment.pk, equipment.site_id, viewer, "#schedules")


def _procedure_registrations() -> None:
    register(Procedure, related=("site",), name=_procedure_name, as_value=lambda p: p.code)
    register(
        ProcedureVersion,
        related=("procedure",),
        name=lambda v: f"Procedure {v.procedure.code}, version {v.number}",
        as_value=lambda v: f"version {v.number}",
    )
    register(
        Check,
        related=("version__procedure",),
        name=lambda c: (
            f"Check “{c.name}” of {c.version.procedure.code}, version {c.version.number}"
        ),
    )
    register(
        Schedule,
        related=("procedure", "equipment"),
        name=_schedule_name,
        link=_schedule_link,
    )
    register(
        Reference,
        related=("schedule__procedure", "schedule__equipment"),
        name=lambda r: f"Reference for {r.check_key}, {_schedule_name(r.schedule)}",
    )
    register(
        ReferenceChange,
        related=("reference__schedule__procedure", "reference__schedule__equipment"),
        name=lambda c: (
            f"Reference change for {c.reference.check_key}, {_schedule_name(c.reference.schedule)}"
        ),
    )
    register(
        MissedOccurrence,
        related=("schedule__procedure", "schedule__equipment"),
        name=lambda m: f"Missed {m.day:%Y-%m-%d}, {_schedule_name(m.schedule)}",
    )


def _record_name(record) -> str:
    """ "Record CT-DAILY on MAIN-CT1, 2026-03-04"."""
    return f"Record {record.procedure.code} on {record.equipment.asset_tag}"


def _record_link(record, event, viewer) -> str | None:
    equipment = record.equipment
    return _equipment_page(equipment.pk, equipment.site_id, viewer, "#records")


def _record_registrations() -> None:
    register(
        ServiceRecord, related=("procedure", "equipment"), name=_record_name, link=_record_link
    )
    register(
        ServiceRecordVersion,
        related=("record__procedure", "record__equipment"),
        name=lambda v: f"{_record_name(v.record)}, version {v.number}",
        as_value=lambda v: f"version {v.number}",
    )
    register(
        Measurement,
        related=("procedure_check", "version__record__procedure", "version__record__equipment"),
        name=lambda m: f"Value of “{m.procedure_check.name}”, {_record_name(m.version.record)}",
    )
    register(
        RecordAttachment,
        related=("version__record__procedure", "version__record__equipment"),
        name=lambda a: f"Attachment “{a.name}”, {_record_name(a.version.record)}",
    )


def register_audit_names() -> None:
    _procedure_registrations()
    _record_registrations()
    register_work_order_names()
    register(Equipment, name=str, link=_equipment_link, forms=(EquipmentForm,))
    register(Location, name=str, link=_location_link, forms=(LocationForm,))
    register(
        EquipmentStatusChange,
        related=("equipment",),
        name=_status_change_name,
        link=_status_change_link,
    )
    register(
        EquipmentEvent,
        related=("equipment",),
        name=lambda e: f"{e.get_kind_display()} of {e.equipment.asset_tag}",
        link=lambda e, event, viewer: _equipment_page(
            e.equipment_id, e.equipment.site_id, viewer, "#events"
        ),
    )
    register(
        AcceptanceNote,
        related=("equipment",),
        name=lambda note: f"Acceptance note for {note.equipment.asset_tag}",
        link=_note_link,
    )
    register(
        AcceptanceNoteVersion,
        related=("note__equipment",),
        name=lambda v: f"Acceptance note for {v.note.equipment.asset_tag}, version {v.number}",
        as_value=lambda v: f"version {v.number}",
        link=_version_link,
        forms=(AcceptanceNoteForm,),
    )


def _work_order_link(work_order, event, viewer) -> str | None:
    if not can(viewer, Action.VIEW_RECORDS, work_order.equipment.site_id):
        return None
    return reverse("equipment:work_order_detail", kwargs={"pk": work_order.pk})


def register_work_order_names() -> None:
    """Work orders by number and asset tag; their lines, reports and completions by theirs."""
    register(
        WorkOrder,
        related=("equipment",),
        name=lambda w: f"Work order {w.pk} on {w.equipment.asset_tag}",
        as_value=lambda w: f"work order {w.pk}",
        link=_work_order_link,
    )
    register(
        WorkOrderLine,
        related=("work_order__equipment",),
        name=lambda line: f"Work order {line.work_order_id}: {line.description}",
    )
    register(
        WorkOrderAttachment,
        related=("work_order__equipment",),
        name=lambda a: f"Work order {a.work_order_id}: {a.name}",
    )
    register(
        WorkOrderCompletion,
        related=("work_order__equipment",),
        name=lambda v: f"Work order {v.work_order_id}, completion {v.number}",
        as_value=lambda v: f"completion {v.number}",
    )
