"""Models of equipment: the registry (rooms, equipment), status history and acceptance notes."""

from equipment.models.acceptance import AcceptanceNote, AcceptanceNoteVersion, AcceptanceOutcome
from equipment.models.registry import Category, Equipment, Location, MaintenanceStrategy
from equipment.models.status import EquipmentStatus, EquipmentStatusChange, StatusChangeKind

__all__ = [
    "AcceptanceNote",
    "AcceptanceNoteVersion",
    "AcceptanceOutcome",
    "Category",
    "Equipment",
    "EquipmentStatus",
    "EquipmentStatusChange",
    "Location",
    "MaintenanceStrategy",
    "StatusChangeKind",
]
