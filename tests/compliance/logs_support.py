"""What the equipment-log tests share: a CT with a daily QC schedule, records made through the
record service, and the snapshot read as the log's page reads it."""

from datetime import date, timedelta

from compliance.selectors.logs import Period, equipment_log_snapshot, loggable_equipment
from equipment.services.records import amend_service_record, create_service_record
from tests.equipment.conftest import NOW
from tests.equipment.records.conftest import sign, values_for

PERIOD = Period(start=date(2026, 2, 1), end=date(2026, 3, 31))


def record(schedule, actor, *, days_ago=0, content=None, **values):
    at = NOW - timedelta(days=days_ago, minutes=10)
    return create_service_record(
        **(content or {}),
        actor=actor,
        schedule=schedule,
        performed_at=at,
        now=NOW,
        signature=sign(username=actor.username),
        values=values_for(schedule, **values),
    )


def amend(record_, actor, *, reason, **values):
    return amend_service_record(
        actor=actor,
        record=record_,
        reason=reason,
        now=NOW,
        performed_at=record_.performed_at,
        values=values_for(record_.schedule, **values),
        signature=sign(username=actor.username),
    )


def snapshot(equipment, period=PERIOD, now=NOW):
    equipment = loggable_equipment().get(pk=equipment.pk)
    return equipment_log_snapshot(equipment=equipment, period=period, now=now)
