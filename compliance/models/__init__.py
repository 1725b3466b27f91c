"""The compliance app's models: the reminder outbox, its deliveries, people's preferences and
calendar feeds, and the sites' lead times."""

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
    "CalendarFeed",
    "DeliveryMode",
    "LeadTime",
    "NoticeState",
    "ReminderDelivery",
    "ReminderNotice",
    "ReminderPreference",
    "SubjectKind",
]
