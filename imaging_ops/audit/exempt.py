"""Models that are not regulated records, each with the reason. A test fails for any model of
imaging_ops, training, equipment or compliance that is neither regulated nor listed here."""

AUDIT_EXEMPT: dict[str, str] = {
    "imaging_ops.auditevent": "the audit trail itself: append-only, chained, guarded by a trigger",
    "imaging_ops.auditchainhead": "the chain's head, moved only by the audit writer",
    "imaging_ops.apitoken": "a credential, stored as a hash; its use is audited as the user's",
    "imaging_ops.heartbeat": "operational liveness of the worker, not a record",
    "imaging_ops.notification": "a message to a person about records, not a record itself",
    "imaging_ops.authfailure": "lockout counter; every failure is also an audit event",
    "compliance.remindernotice": "the reminder outbox: who was told what and when, not a record",
    "compliance.reminderdelivery": "one reminder to one person, with the in-app notification",
    "compliance.reminderpreference": "a person's own choice of how reminders reach them",
    "equipment.completionmonth": "monthly counts derived from service records, rebuilt from them",
    "compliance.calendarfeed": "a person's secret calendar address, a credential to read a feed",
}
