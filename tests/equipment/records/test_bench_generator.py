"""The benchmark's maintenance data against the services it stands in for: a measurement's
stored form and signed content as the record service writes them, and creation events with
the changes the audit mixin records. (A full build also checks itself: schedules against
`move_clock`, signatures as the API reads them, and its rules as SQL.)"""

import json
from datetime import timedelta

import pytest

from bench.generator.maintenance import Option, _check_fields, created_changes
from equipment.models import Check, Measurement, Schedule
from imaging_ops.audit.trail import canonical_text
from imaging_ops.models import AuditEvent
from tests.equipment.conftest import NOW
from tests.equipment.records.test_record_service import record

pytestmark = pytest.mark.django_db

SPEC = {
    "key": "noise-sd",
    "name": "Noise (SD, centre ROI)",
    "unit": "HU",
    "action_low": "3.0",
    "tolerance_low": "3.6",
    "tolerance_high": "5.0",
    "action_high": "5.6",
}


@pytest.mark.parametrize(
    ("typed", "result", "crossed"),
    [
        ("4.30", "pass", ""),
        ("5.20", "tolerance", "tolerance_high"),
        ("2.9", "action", "action_low"),
    ],
)
def test_a_drawn_value_is_judged_and_stored_as_the_record_service_stores_it(
    daily, typed, result, crossed
):
    version = daily.procedure.current_version
    check = Check.objects.create(version=version, **_check_fields(SPEC, position=9))
    option = Option(check, typed)
    assert (option.result, option.event["crossed"]) == (result, crossed)
    value_text, number, reference, band, stored_result, stored_crossed, limit = (
        option.copy_tail.split("\t")
    )
    assert (value_text, stored_result, stored_crossed) == (typed, result, crossed)
    # The measurement as it reads back from the database: its content is what is signed.
    measurement = Measurement(
        procedure_check=check,
        position=9,
        value_text=value_text,
        value_number=None if number == r"\N" else number,
        reference=None,
        band=json.loads(band),
        result=stored_result,
        crossed=stored_crossed,
        limit=None if limit == r"\N" else limit,
    )
    assert reference == r"\N"
    measurement.full_clean(exclude=["version"])
    # (Decimals read back with their eight places, as the text written for COPY has them.)
    assert (
        canonical_text(measurement.content())
        == f"{option.content_head}{check.pk}{option.content_tail}"
    )


def test_creation_events_carry_the_changes_the_audit_mixin_records(tech, daily):
    made = record(daily, tech, performed_at=NOW - timedelta(minutes=30))
    schedule_event = AuditEvent.objects.get(
        object_type="equipment.schedule", object_id=str(daily.pk), action="create"
    )
    values = {
        f.attname: getattr(daily, f.attname)
        for f in Schedule._meta.concrete_fields
        if f.attname in schedule_event.changes
    }
    assert created_changes(Schedule, values) == schedule_event.changes
    record_event = AuditEvent.objects.get(
        object_type="equipment.servicerecord", object_id=str(made.pk), action="create"
    )
    given = {"equipment_id": made.equipment_id, "schedule_id": daily.pk}
    given["procedure_id"] = made.procedure_id
    assert created_changes(type(made), given) == record_event.changes
