"""Models of equipment: the registry (rooms, equipment), status history, acceptance notes,
procedures with their checks, and schedules with their references and missed days."""

from equipment.models.acceptance import AcceptanceNote, AcceptanceNoteVersion, AcceptanceOutcome
from equipment.models.procedures import (
    Check,
    CheckKind,
    Procedure,
    ProcedureKind,
    ProcedureVersion,
    RequiringEvent,
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
    "EquipmentStatus",
    "EquipmentStatusChange",
    "Location",
    "MaintenanceStrategy",
    "MissedOccurrence",
    "Procedure",
    "ProcedureKind",
    "ProcedureVersion",
    "Reference",
    "ReferenceChange",
    "RequiringEvent",
    "Schedule",
    "StatusChangeKind",
]
