"""Models of equipment: the registry (rooms, equipment), status history, acceptance notes,
procedures with their checks, schedules with their references and missed days, and the
service records that satisfy them, and the work orders that repair them."""

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
from equipment.models.rollups import CompletionMonth
from equipment.models.schedules import (
    MissedOccurrence,
    Reference,
    ReferenceChange,
    Schedule,
)
from equipment.models.status import EquipmentStatus, EquipmentStatusChange, StatusChangeKind
from equipment.models.work_orders import (
    CLOSED_STATES,
    OPEN_STATES,
    LineKind,
    WorkOrder,
    WorkOrderAttachment,
    WorkOrderCompletion,
    WorkOrderLine,
    WorkOrderPriority,
    WorkOrderState,
)

__all__ = [
    "CLOSED_STATES",
    "OPEN_STATES",
    "AcceptanceNote",
    "AcceptanceNoteVersion",
    "AcceptanceOutcome",
    "Category",
    "Check",
    "CheckKind",
    "CompletionMonth",
    "Equipment",
    "EquipmentEvent",
    "EquipmentStatus",
    "EquipmentStatusChange",
    "LineKind",
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
    "WorkOrder",
    "WorkOrderAttachment",
    "WorkOrderCompletion",
    "WorkOrderLine",
    "WorkOrderPriority",
    "WorkOrderState",
]
