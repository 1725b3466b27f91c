"""The compliance app's models: the reminder outbox, its deliveries, people's preferences and
calendar feeds, the sites' lead times, and the regulatory logs it has issued."""

from compliance.models.logs import PACK_KINDS, LogFile, LogKind, LogState, RegulatoryLog
from compliance.models.reminders import (
    CalendarFeed,
    DeliveryMode,
    LeadTime,
    NoticeState,
    ReminderDelivery,
    ReminderNotice,
    ReminderPreference,
    SubjectKind,
)

__all__ = [
    "PACK_KINDS",
    "CalendarFeed",
    "DeliveryMode",
    "LeadTime",
    "LogFile",
    "LogKind",
    "LogState",
    "NoticeState",
    "RegulatoryLog",
    "ReminderDelivery",
    "ReminderNotice",
    "ReminderPreference",
    "SubjectKind",
]
