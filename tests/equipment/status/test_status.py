"""Equipment status: the transition table, who may change a status, and the acceptance gate
that holds every way into clinical use."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from equipment.models import (
    Category,
    Equipment,
    EquipmentStatus,
    EquipmentStatusChange,
    StatusChangeKind,
)
from equipment.services import status as status_service
from equipment.services.status import TRANSITIONS, change_equipment_status
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import refused_fields

pytestmark = pytest.mark.django_db

S = EquipmentStatus

# The issue's transition table, written out again: awaiting acceptance -> in service or out of
# service; in service <-> out of service; any of those -> retired; retired -> disposed (final)
# or back to service through the gate.
ALLOWED = {
    S.AWAITING_ACCEPTANCE: {S.IN_SERVICE, S.OUT_OF_SERVICE, S.RETIRED},
    S.IN_SERVICE: {S.OUT_OF_SERVICE, S.RETIRED},
    S.OUT_OF_SERVICE: {S.IN_SERVICE, S.RETIRED},
    S.RETIRED: {S.DISPOSED, S.IN_SERVICE},
    S.DISPOSED: set(),
}
ALLOWED_PAIRS = [(a, b) for a in S.values for b in S.values if b in ALLOWED[a]]
REFUSED_PAIRS = [(a, b) for a in S.values for b in S.values if b not in ALLOWED[a]]


def pair_id(pair):
    return f"{pair[0]}->{pair[1]}"


def equipment_in(site, status, **fields):
    return factories.EquipmentFactory(site=site, status=status, **fields)


# --- the transition table ------------------------------------------------------------------


def test_the_services_table_is_the_issues_table():
    assert {k: set(v) for k, v in TRANSITIONS.items()} == ALLOWED


@pytest.mark.req("11.10(f)")
@pytest.mark.parametrize("pair", ALLOWED_PAIRS, ids=pair_id)
def test_an_allowed_transition_changes_the_status_and_writes_its_history(pair, manager, site_a):
    start, to = pair
    equipment = equipment_in(site_a, start)
    if to == S.IN_SERVICE:
        factories.signed_acceptance(actor=manager, equipment=equipment)

    change = change_equipment_status(
        equipment=equipment, to=to, reason="  Annual survey passed.  ", actor=manager
    )

    assert equipment.status == to
    equipment.refresh_from_db()
    assert equipment.status == to
    row = EquipmentStatusChange.objects.get(equipment=equipment)
    assert row == change
    assert (row.from_status, row.to_status, row.actor, row.kind) == (
        start,
        to,
        manager,
        StatusChangeKind.CHANGE,
    )
    assert row.reason == "Annual survey passed."
    assert row.changed_at is not None


@pytest.mark.req("11.10(f)")
@pytest.mark.parametrize("pair", REFUSED_PAIRS, ids=pair_id)
def test_a_refused_transition_is_a_status_error_and_changes_nothing(pair, manager, site_a):
    start, to = pair
    equipment = equipment_in(site_a, start)

    with pytest.raises(ValidationError) as excinfo:
        change_equipment_status(equipment=equipment, to=to, reason="Trying anyway.", actor=manager)

    assert refused_fields(excinfo) == {"status"}
    equipment.refresh_from_db()
    assert equipment.status == start
    assert not EquipmentStatusChange.objects.exists()


def test_an_unknown_status_is_a_status_error(ct, manager):
    with pytest.raises(ValidationError) as excinfo:
        change_equipment_status(equipment=ct, to="broken", reason="x", actor=manager)

    assert refused_fields(excinfo) == {"status"}


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_status_change_needs_a_reason(reason, ct, manager):
    with pytest.raises(ValidationError) as excinfo:
        change_equipment_status(equipment=ct, to=S.OUT_OF_SERVICE, reason=reason, actor=manager)

    assert refused_fields(excinfo) == {"reason"}
    ct.refresh_from_db()
    assert ct.status == S.AWAITING_ACCEPTANCE
    assert not EquipmentStatusChange.objects.exists()


def test_the_table_is_checked_against_the_stored_status_not_a_stale_copy(ct, manager):
    """GIVEN two people holding the same equipment page, WHEN both retire it, THEN one wins."""
    stale = Equipment.objects.get(pk=ct.pk)
    change_equipment_status(equipment=ct, to=S.RETIRED, reason="old", actor=manager)
    change_equipment_status(equipment=ct, to=S.DISPOSED, reason="gone", actor=manager)

    with pytest.raises(ValidationError):
        change_equipment_status(equipment=stale, to=S.RETIRED, reason="old", actor=manager)

    assert [c.to_status for c in ct.status_changes.order_by("pk")] == [S.RETIRED, S.DISPOSED]


def test_the_history_reads_newest_first(ct, manager):
    factories.signed_acceptance(actor=manager, equipment=ct)
    change_equipment_status(equipment=ct, to=S.IN_SERVICE, reason="a", actor=manager)
    change_equipment_status(equipment=ct, to=S.OUT_OF_SERVICE, reason="b", actor=manager)

    assert [c.reason for c in ct.status_changes.all()] == ["b", "a"]


@pytest.mark.parametrize("start", [S.AWAITING_ACCEPTANCE, S.OUT_OF_SERVICE, S.RETIRED])
def test_the_gate_holds_every_way_into_service(start, manager, site_a, monkeypatch):
    """Acceptance, return to service and return from retirement all pass the same gate."""
    monkeypatch.setattr(
        status_service, "GATE", (lambda equipment: ["Work order 12 (stop use) is still open."],)
    )
    equipment = equipment_in(site_a, start)

    with pytest.raises(ValidationError) as excinfo:
        change_equipment_status(equipment=equipment, to=S.IN_SERVICE, reason="fixed", actor=manager)

    assert excinfo.value.message_dict == {"status": ["Work order 12 (stop use) is still open."]}
    assert not EquipmentStatusChange.objects.exists()


def test_the_gate_does_not_hold_equipment_out_of_service(manager, site_a, monkeypatch):
    monkeypatch.setattr(status_service, "GATE", (lambda equipment: ["blocked"],))
    equipment = equipment_in(site_a, S.IN_SERVICE)

    change_equipment_status(equipment=equipment, to=S.OUT_OF_SERVICE, reason="fault", actor=manager)

    assert equipment.status == S.OUT_OF_SERVICE


# --- who may change the status -------------------------------------------------------------


@pytest.mark.req("11.10(d)")
def test_a_technician_takes_equipment_out_of_service_and_back(tech, manager, site_a):
    equipment = accepted_unit(site_a, manager)

    change_equipment_status(
        equipment=equipment, to=S.OUT_OF_SERVICE, reason="Tube arcing.", actor=tech
    )
    change_equipment_status(
        equipment=equipment, to=S.IN_SERVICE, reason="Tube replaced, QC passed.", actor=tech
    )

    assert [c.actor for c in equipment.status_changes.all()][:2] == [tech, tech]


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("to", [S.RETIRED, S.DISPOSED])
def test_a_technician_may_not_retire_or_dispose(to, tech, site_a):
    start = S.IN_SERVICE if to == S.RETIRED else S.RETIRED
    equipment = equipment_in(site_a, start)

    with pytest.raises(PermissionDenied):
        change_equipment_status(equipment=equipment, to=to, reason="x", actor=tech)

    assert not EquipmentStatusChange.objects.exists()


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("to", [S.OUT_OF_SERVICE, S.IN_SERVICE, S.RETIRED])
def test_an_inspector_may_not_change_a_status(to, inspector, site_a):
    equipment = equipment_in(site_a, S.AWAITING_ACCEPTANCE)

    with pytest.raises(PermissionDenied):
        change_equipment_status(equipment=equipment, to=to, reason="x", actor=inspector)


@pytest.mark.req("11.10(d)")
def test_a_manager_of_another_site_may_not_change_a_status(person, site_b, ct):
    other = person(Role.MANAGER, site_b)

    with pytest.raises(PermissionDenied):
        change_equipment_status(equipment=ct, to=S.OUT_OF_SERVICE, reason="x", actor=other)


@pytest.mark.req("11.10(d)")
def test_the_rso_retires_a_sealed_source_but_not_a_ct_scanner(rso, site_a, ct):
    source = factories.EquipmentFactory(
        site=site_a, category=Category.SEALED_SOURCE, modalities=[], status=S.IN_SERVICE
    )

    change_equipment_status(equipment=source, to=S.RETIRED, reason="decayed", actor=rso)
    with pytest.raises(PermissionDenied):
        change_equipment_status(equipment=ct, to=S.RETIRED, reason="old", actor=rso)

    assert source.status == S.RETIRED
    ct.refresh_from_db()
    assert ct.status == S.AWAITING_ACCEPTANCE


# --- the acceptance gate -----------------------------------------------------------------------


def accepted_unit(site, actor):
    """Equipment accepted into service the proper way: a signed acceptance note, then the gate."""
    equipment = equipment_in(site, S.AWAITING_ACCEPTANCE)
    factories.signed_acceptance(actor=actor, equipment=equipment)
    accept_into_service(equipment, actor)
    return equipment


def accept_into_service(equipment, actor):
    return change_equipment_status(
        equipment=equipment, to=S.IN_SERVICE, reason="Accepted", actor=actor
    )


@pytest.mark.req("11.10(f)")
def test_first_clinical_use_needs_a_signed_acceptance_note(manager, site_a):
    equipment = equipment_in(site_a, S.AWAITING_ACCEPTANCE)
    with pytest.raises(ValidationError) as excinfo:
        accept_into_service(equipment, manager)
    assert "acceptance note" in excinfo.value.message_dict["status"][0]
    assert "first clinical use" in excinfo.value.message_dict["status"][0]

    factories.acceptance_note(actor=manager, equipment=equipment)
    with pytest.raises(ValidationError, match="acceptance note"):
        accept_into_service(equipment, manager)

    factories.signed_acceptance(actor=manager, equipment=equipment)
    accept_into_service(equipment, manager)
    equipment.refresh_from_db()
    assert equipment.status == S.IN_SERVICE


def test_a_rejected_or_voided_acceptance_does_not_open_the_gate(manager, site_a):
    from django.utils import timezone

    from equipment.models import AcceptanceOutcome
    from equipment.services.acceptance import void_acceptance_note

    equipment = equipment_in(site_a, S.AWAITING_ACCEPTANCE)
    rejected = factories.acceptance_note(
        actor=manager, equipment=equipment, outcome=AcceptanceOutcome.REJECTED
    )
    factories.signed_acceptance(actor=manager, equipment=equipment_in(site_a, S.RETIRED))
    with pytest.raises(ValidationError):
        accept_into_service(equipment, manager)
    assert rejected.current_version.outcome == AcceptanceOutcome.REJECTED

    accepted = factories.signed_acceptance(actor=manager, equipment=equipment)
    void_acceptance_note(actor=manager, note=accepted, reason="Wrong unit", now=timezone.now())
    with pytest.raises(ValidationError, match="acceptance note"):
        accept_into_service(equipment, manager)


def test_a_return_from_retirement_needs_an_acceptance_signed_since(manager, site_a):
    equipment = equipment_in(site_a, S.AWAITING_ACCEPTANCE)
    factories.signed_acceptance(actor=manager, equipment=equipment)
    accept_into_service(equipment, manager)
    change_equipment_status(equipment=equipment, to=S.RETIRED, reason="Replaced", actor=manager)
    with pytest.raises(ValidationError) as excinfo:
        accept_into_service(equipment, manager)
    assert "returning it to service" in excinfo.value.message_dict["status"][0]

    factories.signed_acceptance(actor=manager, equipment=equipment)
    accept_into_service(equipment, manager)
    equipment.refresh_from_db()
    assert equipment.status == S.IN_SERVICE


def test_out_of_service_equipment_returns_without_a_new_acceptance(manager, site_a):
    equipment = accepted_unit(site_a, manager)
    change_equipment_status(
        equipment=equipment, to=S.OUT_OF_SERVICE, reason="Tube arcing", actor=manager
    )
    accept_into_service(equipment, manager)
    equipment.refresh_from_db()
    assert equipment.status == S.IN_SERVICE


def test_a_unit_never_accepted_cannot_reach_service_by_way_of_out_of_service(tech, site_a):
    equipment = equipment_in(site_a, S.AWAITING_ACCEPTANCE)
    change_equipment_status(
        equipment=equipment, to=S.OUT_OF_SERVICE, reason="Damaged on delivery", actor=tech
    )
    with pytest.raises(ValidationError) as excinfo:
        accept_into_service(equipment, tech)
    assert "before first clinical use" in excinfo.value.message_dict["status"][0]


def test_a_later_signed_rejection_closes_the_gate(manager, site_a):
    from equipment.models import AcceptanceOutcome
    from equipment.services.acceptance import sign_acceptance_note
    from imaging_ops.models import Meaning

    equipment = equipment_in(site_a, S.AWAITING_ACCEPTANCE)
    factories.signed_acceptance(actor=manager, equipment=equipment)
    rejection = factories.acceptance_note(
        actor=manager, equipment=equipment, outcome=AcceptanceOutcome.REJECTED
    )
    sign_acceptance_note(
        note=rejection,
        signer=manager,
        meaning=Meaning.PERFORMED,
        password=factories.PASSWORD,
        username=manager.username,
        via_api=True,
        now=timezone.now(),
    )
    with pytest.raises(ValidationError, match="acceptance note"):
        accept_into_service(equipment, manager)
