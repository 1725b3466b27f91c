"""A failed check's consequences: an action-level CT QC value takes the CT out of service and
opens a stop-use work order, in the record's transaction; correct-within-days opens (or joins)
a work order due in that many days; the gate refuses service while a work order is open or
completed but unverified; nothing is reversed when the record is voided."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from equipment.models import (
    EquipmentEvent,
    EquipmentStatus,
    ProcedureKind,
    WorkOrder,
    WorkOrderState,
)
from equipment.services.procedures import create_procedure
from equipment.services.records import create_service_record, void_service_record
from equipment.services.schedules import create_schedule
from equipment.services.status import change_equipment_status, return_to_service_blockers
from equipment.services.work_orders import transition_work_order
from tests import factories
from tests.equipment.conftest import NOW

pytestmark = pytest.mark.django_db

W = WorkOrderState
MA_STOP = {
    "key": "ma",
    "name": "Tube current",
    "kind": "numeric",
    "unit": "mA",
    "action_low": "90",
    "tolerance_low": "95",
    "tolerance_high": "105",
    "action_high": "110",
    "stop_use": True,
}
NOISE_CORRECT = {
    "key": "noise",
    "name": "Noise",
    "kind": "numeric",
    "action_high": "8",
    "correct_within_days": 7,
}
UNIFORMITY_CORRECT = {
    "key": "uniformity",
    "name": "Uniformity",
    "kind": "numeric",
    "action_high": "5",
    "correct_within_days": 30,
}


def sign(user):
    return {"password": factories.PASSWORD, "username": user.username, "acknowledge_policy": True}


@pytest.fixture
def ct_in_service(manager, ct):
    factories.signed_acceptance(actor=manager, equipment=ct)
    change_equipment_status(
        equipment=ct, to=EquipmentStatus.IN_SERVICE, reason="Accepted", actor=manager
    )
    return ct


@pytest.fixture
def qc(manager, site_a, ct_in_service):
    procedure = create_procedure(
        actor=manager,
        site=site_a,
        code="CT-DAILY",
        kind=ProcedureKind.QC,
        now=NOW,
        name="CT daily QC",
        modalities=["CT"],
        default_anchor="from_completion",
        default_interval_days=1,
        checks=[MA_STOP, NOISE_CORRECT, UNIFORMITY_CORRECT],
    )
    return create_schedule(
        actor=manager,
        equipment=ct_in_service,
        procedure=procedure,
        now=NOW,
        last_done=NOW - timedelta(days=1),
    )


def record(schedule, actor, *, ma="100", noise="5", uniformity="1", signed=True, now=NOW):
    checks = {c.key: c.pk for c in schedule.procedure.current_version.checks.all()}
    values = {checks["ma"]: ma, checks["noise"]: noise, checks["uniformity"]: uniformity}
    return create_service_record(
        actor=actor,
        schedule=schedule,
        performed_at=now - timedelta(minutes=5),
        now=now,
        values=values,
        confirm_action=True,
        comments="Repeated: same value.",
        signature=sign(actor) if signed else None,
    )


def test_an_action_level_ct_qc_value_takes_the_ct_out_of_service_and_opens_a_work_order(tech, qc):
    made = record(qc, tech, ma="120")
    ct = qc.equipment
    ct.refresh_from_db()
    assert ct.status == EquipmentStatus.OUT_OF_SERVICE
    change = ct.status_changes.first()
    assert change.actor == tech and "failed at action level" in change.reason
    work_order = WorkOrder.objects.get()
    assert work_order.source_record == made and work_order.stop_use
    assert work_order.state == W.REPORTED and work_order.equipment == ct
    assert "Tube current: 120 mA" in work_order.problem
    assert f"work order {work_order.pk}" in change.reason


def test_return_to_service_is_refused_while_the_work_order_is_open_then_completed_unverified(
    tech, physicist, qc
):
    """Issue 11's first test: an action-level CT QC value takes the CT out of service and
    opens a work order; the return is refused while the work order is open, then completed but
    unverified, then until a passing QC is signed after the repair."""
    record(qc, tech, ma="120")
    ct = qc.equipment
    work_order = WorkOrder.objects.get()

    def refusal() -> list[str]:
        with pytest.raises(ValidationError) as refused:
            change_equipment_status(equipment=ct, to="in_service", reason="Fixed", actor=tech)
        return refused.value.message_dict["status"]

    sentences = refusal()
    assert any(
        f"Work order {work_order.pk}" in s and "holds ALPHA-CT1 out of service" in s
        for s in sentences
    )
    assert any("CT-DAILY" in s for s in sentences)  # the failed QC, every reason at once

    transition_work_order(work_order=work_order, to=W.IN_PROGRESS, actor=physicist, now=NOW)
    transition_work_order(
        work_order=work_order,
        to=W.COMPLETED,
        actor=physicist,
        now=NOW,
        completion={"resolution": "Replaced the tube", "root_cause": "Worn tube"},
        signature=sign(physicist),
    )
    assert any(
        f"Work order {work_order.pk}" in s and "completed but not verified" in s for s in refusal()
    )

    transition_work_order(
        work_order=work_order, to=W.VERIFIED, actor=physicist, now=NOW, signature=sign(physicist)
    )
    # Verified, but the QC that failed has not passed since: still refused, for that alone.
    [sentence] = refusal()
    assert "CT-DAILY" in sentence and f"Work order {work_order.pk}" not in sentence

    record(qc, tech, now=NOW + timedelta(hours=2))  # a passing QC after the repair
    assert return_to_service_blockers(ct) == []
    change_equipment_status(equipment=ct, to="in_service", reason="Repaired", actor=tech)
    ct.refresh_from_db()
    assert ct.status == EquipmentStatus.IN_SERVICE


def test_correct_within_days_opens_a_work_order_due_then_and_a_later_failure_joins_it(tech, qc):
    first = record(qc, tech, noise="9")
    work_order = WorkOrder.objects.get()
    assert not work_order.stop_use and work_order.source_record == first
    assert work_order.due_on == qc.equipment.site.today(NOW) + timedelta(days=7)
    qc.equipment.refresh_from_db()
    assert qc.equipment.status == EquipmentStatus.IN_SERVICE  # correct within days: still in use

    later = NOW + timedelta(hours=1)
    record(qc, tech, uniformity="6", now=later)
    joined = WorkOrder.objects.get()  # joined, not a second one
    assert joined.pk == work_order.pk
    assert joined.due_on == work_order.due_on  # 30 days is later than the 7 already due

    record(qc, tech, ma="120", now=later + timedelta(hours=1))
    joined.refresh_from_db()
    assert WorkOrder.objects.count() == 1 and joined.stop_use  # the stop-use failure joins too
    qc.equipment.refresh_from_db()
    assert qc.equipment.status == EquipmentStatus.OUT_OF_SERVICE


def test_both_behaviours_apply_to_one_work_order(tech, qc):
    record(qc, tech, ma="120", noise="9")
    work_order = WorkOrder.objects.get()
    assert work_order.stop_use
    assert work_order.due_on == qc.equipment.site.today(NOW) + timedelta(days=7)


def test_a_cancelled_work_order_is_not_joined(tech, manager, qc):
    record(qc, tech, noise="9")
    first = WorkOrder.objects.get()
    transition_work_order(
        work_order=first, to=W.CANCELLED, actor=manager, now=NOW, reason="Phantom misplaced"
    )
    record(qc, tech, noise="9", now=NOW + timedelta(hours=1))
    assert WorkOrder.objects.count() == 2


def test_an_unsigned_record_has_no_consequence_until_it_is_signed(tech, qc):
    record(qc, tech, ma="120", signed=False)
    assert not WorkOrder.objects.exists()
    qc.equipment.refresh_from_db()
    assert qc.equipment.status == EquipmentStatus.IN_SERVICE


def test_a_passing_or_tolerance_record_opens_nothing(tech, qc):
    record(qc, tech, ma="107")
    assert not WorkOrder.objects.exists()


def test_voiding_the_record_reverses_nothing(tech, manager, qc):
    made = record(qc, tech, ma="120")
    void_service_record(actor=manager, record=made, reason="Wrong phantom", now=NOW)
    qc.equipment.refresh_from_db()
    assert qc.equipment.status == EquipmentStatus.OUT_OF_SERVICE
    assert WorkOrder.objects.get().state == W.REPORTED


def test_a_trainees_failing_record_still_stops_the_machine(person, site_a, qc):
    from imaging_ops.vocabulary import Role

    trainee = person(Role.TECHNICIAN, site_a, username="trina", is_trainee=True)
    record(qc, trainee, ma="120")
    qc.equipment.refresh_from_db()
    assert qc.equipment.status == EquipmentStatus.OUT_OF_SERVICE
    assert WorkOrder.objects.get().stop_use


def test_a_failure_after_the_repair_was_completed_opens_a_new_work_order(tech, physicist, qc):
    record(qc, tech, noise="9")
    first = WorkOrder.objects.get()
    transition_work_order(work_order=first, to=W.IN_PROGRESS, actor=physicist, now=NOW)
    transition_work_order(
        work_order=first,
        to=W.COMPLETED,
        actor=physicist,
        now=NOW,
        completion={"resolution": "Recalibrated", "root_cause": "Drift"},
        signature=sign(physicist),
    )
    record(qc, tech, noise="9", now=NOW + timedelta(hours=1))
    assert WorkOrder.objects.count() == 2
    first.refresh_from_db()
    assert first.state == W.COMPLETED


def test_a_completed_major_repair_that_opened_the_enclosure_is_recorded_as_two_events(
    tech, physicist, qc
):
    record(qc, tech, ma="120")
    work_order = WorkOrder.objects.get()
    transition_work_order(work_order=work_order, to=W.IN_PROGRESS, actor=physicist, now=NOW)
    transition_work_order(
        work_order=work_order,
        to=W.COMPLETED,
        actor=physicist,
        now=NOW,
        completion={
            "resolution": "Replaced the tube",
            "root_cause": "Worn tube",
            "major_repair": True,
            "opened_enclosure": True,
        },
        signature=sign(physicist),
    )
    events = EquipmentEvent.objects.filter(equipment=qc.equipment)
    assert sorted(events.values_list("kind", "source_work_order_id")) == [
        ("enclosure_opened", work_order.pk),
        ("major_repair", work_order.pk),
    ]
