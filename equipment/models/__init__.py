"""Models of equipment: the registry (rooms, equipment), status history, acceptance notes,
procedures with their checks, schedules with their references and missed days, and the
service records that satisfy them."""

from equipment.models.acceptance import AcceptanceNote, AcceptanceNoteVersion, AcceptanceOutcome
from equipment.models.events import EquipmentEvent
from equipment.models.procedures import (
    Check,
    CheckKind,
    Procedure,
    ProcedureKind,
    ProcedureVersion,
    RequiringEvent,
)
from equipment.models.records import (
    Measurement,
    RecordAttachment,
    ReviewReason,
    ServiceRecord,
    ServiceRecordVersion,
)
from equipment.models.registry import Category, Equipment, Location, MaintenanceStrategy
from equipment.models.schedules import (
    MissedOccurrence,
    Reference,
    ReferenceChange,
    Schedule,
)
from equipment.models.status import EquipmentStatus, EquipmentStatusChange, StatusChangeKind

__all__ = [
    "AcceptanceNote",
    "AcceptanceNoteVersion",
    "AcceptanceOutcome",
    "Category",
    "Check",
    "CheckKind",
    "Equipment",
    "EquipmentEvent",
    "EquipmentStatus",
    "EquipmentStatusChange",
    "Location",
    "MaintenanceStrategy",
    "Measurement",
    "MissedOccurrence",
    "Procedure",
    "ProcedureKind",
    "ProcedureVersion",
    "RecordAttachment",
    "Reference",
    "ReferenceChange",
    "RequiringEvent",
    "ReviewReason",
    "Schedule",
    "ServiceRecord",
    "ServiceRecordVersion",
    "StatusChangeKind",
]
