"""The return-to-service gate: a failed procedure until it passes again, signed; a procedure
required by an event until a passing, signed (an outside one: reviewed) record dated after it;
any schedule past its hard limit; every reason at once. A return to service names the records
that satisfied the gate."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from equipment.models import EquipmentStatus, ProcedureKind, RequiringEvent
from equipment.services.events import record_equipment_event
from equipment.services.schedules import create_schedule
from equipment.services.status import change_equipment_status, return_to_service_blockers
from imaging_ops.errors import Blocked
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.review_gate_support import (
    external,
    mammography_evaluation,
    procedure,
    review,
    signed,
)

pytestmark = pytest.mark.django_db
S = EquipmentStatus
WEEKLY = {"default_anchor": "from_completion", "default_interval_weeks": 1}
ANNUAL = {
    "default_anchor": "from_completion",
    "default_interval_months": 12,
    "default_hard_limit_months": 14,
}


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def put_in_service(equipment, manager):
    """Accepted and in service 20 hours ago, out of service since 6 hours ago."""
    with time_machine.travel(NOW - timedelta(hours=20), tick=False):
        factories.signed_acceptance(actor=manager, equipment=equipment)
        change_equipment_status(
            equipment=equipment, to=S.IN_SERVICE, reason="Accepted", actor=manager
        )
    with time_machine.travel(NOW - timedelta(hours=6), tick=False):
        change_equipment_status(
            equipment=equipment, to=S.OUT_OF_SERVICE, reason="Fault", actor=manager
        )


def back_in_service(equipment, actor):
    return change_equipment_status(
        equipment=equipment, to=S.IN_SERVICE, reason="Repaired and tested", actor=actor
    )


def refused(equipment, actor) -> list[str]:
    with pytest.raises(Blocked) as excinfo:
        back_in_service(equipment, actor)
    assert excinfo.value.message_dict["status"] == excinfo.value.reasons
    return excinfo.value.reasons


@pytest.fixture
def mammo(site_a):
    return factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-MG1", name="Mammography unit", modalities=["MG"]
    )


def test_a_major_repair_on_a_mammography_unit_requires_the_equipment_evaluation(
    manager, physicist, mammo, site_a
):
    mee = mammography_evaluation(manager, site_a)
    put_in_service(mammo, manager)
    record_equipment_event(
        mammo, kind=RequiringEvent.MAJOR_REPAIR, actor=manager, occurred_at=NOW - timedelta(hours=2)
    )
    (reason,) = refused(mammo, manager)
    assert reason.startswith("MQSA-MEE (Mammography equipment evaluation (MEE)) is required after")
    assert "major repair" in reason
    # A record from before the repair does not count.
    signed(physicist, mammo, mee, performed_at=NOW - timedelta(hours=3))
    assert refused(mammo, manager) == [reason]
    passed = signed(physicist, mammo, mee, performed_at=NOW - timedelta(hours=1))
    change = back_in_service(mammo, manager)
    assert mammo.status == S.IN_SERVICE
    assert [(e["record"], e["procedure"]) for e in change.satisfied_by] == [(passed.pk, "MQSA-MEE")]
    assert "required after the major repair" in change.satisfied_by[0]["because"]


def test_an_event_requires_only_the_procedures_that_fit_the_machine(manager, ct, site_a):
    mammography_evaluation(manager, site_a)
    put_in_service(ct, manager)
    record_equipment_event(
        ct, kind=RequiringEvent.MAJOR_REPAIR, actor=manager, occurred_at=NOW - timedelta(hours=1)
    )
    assert return_to_service_blockers(ct) == []


def test_installation_requires_the_acceptance_tests(manager, physicist, ct, site_a):
    acceptance = procedure(
        manager,
        site_a,
        "CT-ACCEPTANCE",
        kind=ProcedureKind.ACCEPTANCE,
        name="CT acceptance tests",
        modalities=["CT"],
        required_after=["installation"],
    )
    record_equipment_event(
        ct, kind=RequiringEvent.INSTALLATION, actor=manager, occurred_at=NOW - timedelta(days=2)
    )
    factories.signed_acceptance(actor=manager, equipment=ct, now=NOW - timedelta(hours=2))
    (reason,) = refused(ct, manager)
    assert "CT-ACCEPTANCE (CT acceptance tests) is required after the installation" in reason
    signed(physicist, ct, acceptance, performed_at=NOW - timedelta(days=1))
    back_in_service(ct, manager)
    assert ct.status == S.IN_SERVICE


def test_a_schedule_past_its_hard_limit_blocks_service(manager, ct, ct_qc):
    put_in_service(ct, manager)
    create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=NOW - timedelta(days=450)
    )
    (reason,) = refused(ct, manager)
    assert reason.startswith("CT-DOSE (CT dose survey) is past its hard limit since")


def test_a_failed_procedure_blocks_until_it_passes_again(manager, tech, ct, site_a):
    qc = procedure(manager, site_a, "CT-QC", modalities=["CT"], name="CT daily QC", **WEEKLY)
    put_in_service(ct, manager)
    create_schedule(actor=manager, equipment=ct, procedure=qc, now=NOW - timedelta(days=1))
    signed(tech, ct, qc, outcome="pass", performed_at=NOW - timedelta(hours=5))
    signed(tech, ct, qc, outcome="action", performed_at=NOW - timedelta(hours=4))
    (reason,) = refused(ct, manager)
    assert reason.startswith("CT-QC (CT daily QC) failed at action level on")
    signed(tech, ct, qc, outcome="action", performed_at=NOW - timedelta(hours=3))
    assert len(refused(ct, manager)) == 1
    passed = signed(tech, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=1))
    change = back_in_service(ct, manager)
    assert [e["record"] for e in change.satisfied_by] == [passed.pk]
    assert change.satisfied_by[0]["because"].startswith("passed after the failure of")


def test_an_outside_record_satisfies_the_gate_only_once_reviewed(manager, physicist, mammo, site_a):
    mee = mammography_evaluation(manager, site_a)
    put_in_service(mammo, manager)
    record_equipment_event(
        mammo, kind=RequiringEvent.MAJOR_REPAIR, actor=manager, occurred_at=NOW - timedelta(hours=2)
    )
    outside = external(physicist, mammo, mee, performed_at=NOW - timedelta(hours=1))
    (reason,) = refused(mammo, manager)
    assert "counts once it is reviewed" in reason
    review(outside, manager)
    change = back_in_service(mammo, physicist)
    assert [e["record"] for e in change.satisfied_by] == [outside.pk]


def test_every_reason_is_listed_at_once(manager, tech, mammo, site_a, ct_qc):
    mammography_evaluation(manager, site_a)
    qc = procedure(manager, site_a, "MG-QC", modalities=["MG"], name="MG weekly QC", **WEEKLY)
    survey = procedure(manager, site_a, "MG-SURVEY", modalities=["MG"], name="MG survey", **ANNUAL)
    create_schedule(actor=manager, equipment=mammo, procedure=qc, now=NOW - timedelta(days=1))
    create_schedule(
        actor=manager,
        equipment=mammo,
        procedure=survey,
        now=NOW,
        last_done=NOW - timedelta(days=450),
    )
    signed(tech, mammo, qc, outcome="action", performed_at=NOW - timedelta(hours=4))
    record_equipment_event(
        mammo, kind=RequiringEvent.INSTALLATION, actor=manager, occurred_at=NOW - timedelta(days=1)
    )
    with pytest.raises(ValidationError) as excinfo:
        back_in_service(mammo, manager)
    reasons = excinfo.value.message_dict["status"]
    assert len(reasons) == 4
    assert "acceptance note" in reasons[0]
    assert reasons[1].startswith("MG-QC (MG weekly QC) failed at action level")
    assert reasons[2].startswith("MQSA-MEE")
    assert reasons[3].startswith("MG-SURVEY (MG survey) is past its hard limit")
