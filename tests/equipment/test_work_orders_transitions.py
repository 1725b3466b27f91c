"""The work-order transition table, every allowed and refused move by role and site, what each
move needs (an assignee, a reason, a signature), the countersigned field engineer's
completion, and downtime computed from the equipment's status changes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from equipment.models import EquipmentStatus, WorkOrder, WorkOrderState
from equipment.selectors.work_orders import downtime_of, downtimes
from equipment.services.status import change_equipment_status
from equipment.services.work_orders import (
    TRANSITIONS,
    countersign_work_order,
    open_work_order,
    refusal,
    transition_work_order,
)
from imaging_ops.errors import Conflict
from imaging_ops.models import Meaning
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW

pytestmark = pytest.mark.django_db

W = WorkOrderState
OUT, IN = EquipmentStatus.OUT_OF_SERVICE, EquipmentStatus.IN_SERVICE

# The issue's table written out again: reported -> assigned -> in progress -> awaiting parts /
# awaiting vendor -> completed -> verified; cancelled from every open state.
ALLOWED = {
    W.REPORTED: {W.ASSIGNED, W.IN_PROGRESS, W.CANCELLED},
    W.ASSIGNED: {W.ASSIGNED, W.IN_PROGRESS, W.CANCELLED},
    W.IN_PROGRESS: {W.ASSIGNED, W.AWAITING_PARTS, W.AWAITING_VENDOR, W.COMPLETED, W.CANCELLED},
    W.AWAITING_PARTS: {W.IN_PROGRESS, W.AWAITING_VENDOR, W.COMPLETED, W.CANCELLED},
    W.AWAITING_VENDOR: {W.IN_PROGRESS, W.AWAITING_PARTS, W.COMPLETED, W.CANCELLED},
    W.COMPLETED: {W.VERIFIED, W.IN_PROGRESS, W.CANCELLED},
    W.VERIFIED: set(),
    W.CANCELLED: set(),
}
PAIRS = [(a, b) for a in W.values for b in W.values if b in ALLOWED[a]]
REFUSED_PAIRS = [(a, b) for a in W.values for b in W.values if b not in ALLOWED[a]]
# Who acts: the technician assigned to the work, a technician who is not, the other roles at
# the site, and a physicist of another site.
ACTORS = ["assigned_tech", "other_tech", "physicist", "rso", "manager", "inspector", "elsewhere"]
WORK = {W.IN_PROGRESS, W.AWAITING_PARTS, W.AWAITING_VENDOR, W.COMPLETED}


def may(actor: str, start: str, to: str) -> bool:
    """docs/work-orders.md, "Who may do what"."""
    if actor in ("physicist", "manager"):
        return True
    if actor == "assigned_tech":
        # A reported work order has no assignee yet; reopening a completed one is a manager's.
        return to in WORK and start not in (W.REPORTED, W.COMPLETED)
    return False


def sign(user):
    return {"password": factories.PASSWORD, "username": user.username, "acknowledge_policy": True}


@pytest.fixture
def people(person, site_a, site_b, tech, physicist, rso, manager, inspector):
    return {
        "assigned_tech": tech,
        "other_tech": person(Role.TECHNICIAN, site_a, username="toby"),
        "physicist": physicist,
        "rso": rso,
        "manager": manager,
        "inspector": inspector,
        "elsewhere": person(Role.PHYSICIST, site_b, username="bea"),
    }


def work_order_in(state, *, ct, people) -> WorkOrder:
    """A work order on the CT, assigned to the technician, walked to `state` by the manager
    and the physicist through the service."""
    manager, physicist, tech = people["manager"], people["physicist"], people["assigned_tech"]
    work_order = open_work_order(actor=tech, equipment=ct, problem="Gantry noise", now=NOW)
    path = {
        W.REPORTED: [],
        W.ASSIGNED: [W.ASSIGNED],
        W.IN_PROGRESS: [W.ASSIGNED, W.IN_PROGRESS],
        W.AWAITING_PARTS: [W.ASSIGNED, W.IN_PROGRESS, W.AWAITING_PARTS],
        W.AWAITING_VENDOR: [W.ASSIGNED, W.IN_PROGRESS, W.AWAITING_VENDOR],
        W.COMPLETED: [W.ASSIGNED, W.IN_PROGRESS, W.COMPLETED],
        W.VERIFIED: [W.ASSIGNED, W.IN_PROGRESS, W.COMPLETED, W.VERIFIED],
        W.CANCELLED: [W.CANCELLED],
    }[state]
    for to in path:
        actor = manager if to in (W.ASSIGNED, W.CANCELLED) else physicist
        transition_work_order(
            work_order=work_order, to=to, actor=actor, now=NOW, **needs(to, actor, people)
        )
    return work_order


def needs(to, actor, people, *, start=None) -> dict:
    if to == W.ASSIGNED:
        return {"assignee": people["assigned_tech"]}
    if to == W.COMPLETED:
        return {
            "completion": {"resolution": "Bearing replaced", "root_cause": "Worn bearing"},
            "signature": sign(actor),
        }
    if to == W.VERIFIED:
        return {"signature": sign(actor)}
    if to == W.CANCELLED or start == W.COMPLETED:
        return {"reason": "Reported twice"}
    return {}


@pytest.mark.req("11.10(f)")
def test_the_services_table_is_the_issues_table():
    assert {k: set(v) for k, v in TRANSITIONS.items()} == ALLOWED


@pytest.mark.req("11.10(f)", "11.10(g)", "11.10(e)")
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0]}->{p[1]}")
def test_every_allowed_move_by_role_and_site(pair, actor, people, ct):
    start, to = pair
    work_order = work_order_in(start, ct=ct, people=people)
    user = people[actor]
    kwargs = needs(to, user, people, start=start)
    if not may(actor, start, to):
        assert refusal(user, work_order, to)
        with pytest.raises(PermissionDenied) as refused:
            transition_work_order(work_order=work_order, to=to, actor=user, now=NOW, **kwargs)
        assert str(refused.value) == refusal(user, work_order, to)
        assert WorkOrder.objects.get(pk=work_order.pk).state == start
        return
    assert refusal(user, work_order, to) is None
    moved = transition_work_order(work_order=work_order, to=to, actor=user, now=NOW, **kwargs)
    assert moved.state == to
    # Each move writes its audit event: the state's change, with the reason when one is given.
    event = factories_events(moved).last()
    assert event.changes["state"] == [start, to] or (start == to and "assignee_id" in event.changes)


def factories_events(work_order):
    from imaging_ops.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type="equipment.workorder", object_id=str(work_order.pk)
    ).order_by("seq")


@pytest.mark.req("11.10(f)")
@pytest.mark.parametrize("pair", REFUSED_PAIRS, ids=lambda p: f"{p[0]}->{p[1]}")
def test_every_move_the_table_refuses_is_a_conflict_with_its_reason(pair, people, ct):
    start, to = pair
    work_order = work_order_in(start, ct=ct, people=people)
    with pytest.raises(Conflict) as refused:
        transition_work_order(
            work_order=work_order, to=to, actor=people["manager"], now=NOW, reason="x"
        )
    assert "cannot" in str(refused.value)


def test_an_unknown_state_is_refused_by_name(people, ct):
    work_order = work_order_in(W.REPORTED, ct=ct, people=people)
    with pytest.raises(Conflict, match="“fixed” is not a work-order state"):
        transition_work_order(work_order=work_order, to="fixed", actor=people["manager"], now=NOW)


def test_cancelling_needs_a_reason_and_records_it(people, ct):
    work_order = work_order_in(W.IN_PROGRESS, ct=ct, people=people)
    with pytest.raises(ValidationError) as refused:
        transition_work_order(
            work_order=work_order, to=W.CANCELLED, actor=people["manager"], now=NOW
        )
    assert refused.value.message_dict == {"reason": ["Give the reason for cancelling."]}
    transition_work_order(
        work_order=work_order, to=W.CANCELLED, actor=people["manager"], now=NOW, reason="Duplicate"
    )
    work_order.refresh_from_db()
    assert work_order.cancel_reason == "Duplicate" and work_order.closed_at == NOW
    assert factories_events(work_order).last().reason == "Duplicate"


def test_assigning_needs_a_person_who_works_at_the_site(people, ct):
    work_order = work_order_in(W.REPORTED, ct=ct, people=people)
    manager = people["manager"]
    for assignee, message in (
        (None, "Choose who does the work."),
        (people["elsewhere"], "Choose a person who performs work at this site."),
        (people["inspector"], "Choose a person who performs work at this site."),
    ):
        with pytest.raises(ValidationError) as refused:
            transition_work_order(
                work_order=work_order, to=W.ASSIGNED, actor=manager, now=NOW, assignee=assignee
            )
        assert refused.value.message_dict == {"assignee": [message]}


def test_completing_needs_what_was_done_the_cause_and_a_signature_all_at_once(people, ct):
    work_order = work_order_in(W.IN_PROGRESS, ct=ct, people=people)
    with pytest.raises(ValidationError) as refused:
        transition_work_order(
            work_order=work_order, to=W.COMPLETED, actor=people["assigned_tech"], now=NOW
        )
    assert set(refused.value.message_dict) == {"resolution", "root_cause", "password"}


def test_a_wrong_password_completes_nothing(people, ct):
    work_order = work_order_in(W.IN_PROGRESS, ct=ct, people=people)
    tech = people["assigned_tech"]
    with pytest.raises(ValidationError) as refused:
        transition_work_order(
            work_order=work_order,
            to=W.COMPLETED,
            actor=tech,
            now=NOW,
            completion={"resolution": "Fixed", "root_cause": "Loose cable"},
            signature={**sign(tech), "password": "wrong"},
        )
    assert "password" in refused.value.message_dict
    work_order.refresh_from_db()
    assert work_order.state == W.IN_PROGRESS and work_order.current_version is None


def test_the_assigned_technician_completes_and_signs_as_performed(people, ct):
    work_order = work_order_in(W.IN_PROGRESS, ct=ct, people=people)
    tech = people["assigned_tech"]
    factories_line = {"kind": "part", "description": "Bearing", "quantity": "1", "unit_cost": "250"}
    from equipment.services.work_orders import add_work_order_line

    add_work_order_line(actor=tech, work_order=work_order, now=NOW, **factories_line)
    transition_work_order(
        work_order=work_order,
        to=W.COMPLETED,
        actor=tech,
        now=NOW,
        completion={"resolution": "Bearing replaced", "root_cause": "Wear", "major_repair": True},
        signature=sign(tech),
    )
    work_order.refresh_from_db()
    version = work_order.current_version
    assert [s.meaning for s in version.signatures.all()] == [Meaning.PERFORMED]
    assert version.lines[0]["description"] == "Bearing" and work_order.major_repair
    assert work_order.is_open  # completed stays open until verified


@pytest.mark.req("11.50", "11.70")
def test_a_field_engineers_completion_is_countersigned_before_it_is_verified(people, ct):
    work_order = work_order_in(W.IN_PROGRESS, ct=ct, people=people)
    tech, physicist, manager = people["assigned_tech"], people["physicist"], people["manager"]
    transition_work_order(
        work_order=work_order,
        to=W.COMPLETED,
        actor=tech,
        now=NOW,
        completion={
            "resolution": "Tube replaced",
            "root_cause": "Arcing",
            "external_name": "Sam Field",
            "external_organisation": "Siemens Healthineers",
        },
    )
    with pytest.raises(ValidationError) as refused:
        transition_work_order(
            work_order=work_order,
            to=W.VERIFIED,
            actor=physicist,
            now=NOW,
            signature=sign(physicist),
        )
    assert "not countersigned yet" in refused.value.message_dict["to"][0]
    with pytest.raises(PermissionDenied):
        countersign_work_order(work_order=work_order, signer=tech, now=NOW, **sign(tech))
    countersign_work_order(work_order=work_order, signer=manager, now=NOW, **sign(manager))
    transition_work_order(
        work_order=work_order, to=W.VERIFIED, actor=physicist, now=NOW, signature=sign(physicist)
    )
    work_order.refresh_from_db()
    meanings = [s.meaning for s in work_order.current_version.signatures.all()]
    assert meanings == [Meaning.REVIEWED, Meaning.CORRECTIVE_ACTION_VERIFIED]
    assert work_order.state == W.VERIFIED and not work_order.is_open


def test_reopening_a_completed_repair_keeps_the_first_completion(people, ct):
    work_order = work_order_in(W.COMPLETED, ct=ct, people=people)
    first = work_order.current_version
    physicist = people["physicist"]
    transition_work_order(
        work_order=work_order, to=W.IN_PROGRESS, actor=physicist, now=NOW, reason="Noise is back"
    )
    transition_work_order(
        work_order=work_order,
        to=W.COMPLETED,
        actor=physicist,
        now=NOW,
        completion={"resolution": "Second bearing", "root_cause": "Misalignment"},
        signature=sign(physicist),
    )
    work_order.refresh_from_db()
    assert work_order.current_version.number == 2
    assert work_order.versions.count() == 2 and first.signatures.exists()


def test_a_technician_starting_unassigned_work_is_refused_a_physicist_takes_it(people, ct):
    work_order = work_order_in(W.REPORTED, ct=ct, people=people)
    assert "assignee" in refusal(people["other_tech"], work_order, W.IN_PROGRESS)
    transition_work_order(
        work_order=work_order, to=W.IN_PROGRESS, actor=people["physicist"], now=NOW
    )
    work_order.refresh_from_db()
    assert work_order.assignee == people["physicist"]


# --- Downtime ----------------------------------------------------------------------------------

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_downtime_counts_only_the_time_out_of_service_within_the_window():
    changes = [(at(1), IN, OUT), (at(3), OUT, IN), (at(5), IN, OUT), (at(9), OUT, IN)]
    assert downtime_of(start=at(0), end=at(10), changes=changes, status_now=IN) == timedelta(
        hours=6
    )
    # Opened while it was out: counted from the opening; closed before it went back.
    assert downtime_of(start=at(2), end=at(6), changes=changes, status_now=IN) == timedelta(hours=2)
    # No change within or after the window: the status now stood throughout.
    assert downtime_of(start=at(0), end=at(4), changes=[], status_now=OUT) == timedelta(hours=4)
    assert downtime_of(start=at(0), end=at(4), changes=[], status_now=IN) == timedelta()
    # A change after the window says what stood within it.
    assert downtime_of(
        start=at(0), end=at(4), changes=[(at(6), OUT, IN)], status_now=IN
    ) == timedelta(hours=4)


def test_downtime_of_work_orders_from_the_status_history(tech, manager, ct):
    factories.signed_acceptance(actor=manager, equipment=ct)
    with time_machine.travel(at(0), tick=False):
        change_equipment_status(equipment=ct, to=IN, reason="Accepted", actor=manager)
    with time_machine.travel(at(1), tick=False):
        work_order = open_work_order(
            actor=tech, equipment=ct, problem="Arcing", now=at(1), take_out_of_service=True
        )
    with time_machine.travel(at(4), tick=False):
        transition_work_order(
            work_order=work_order, to=W.CANCELLED, actor=manager, now=at(4), reason="Vendor job"
        )
    with time_machine.travel(at(5), tick=False):
        change_equipment_status(equipment=ct, to=IN, reason="Vendor repaired it", actor=manager)
    other = open_work_order(actor=tech, equipment=ct, problem="Table squeaks", now=at(6))
    work_order.refresh_from_db()
    rows = WorkOrder.objects.select_related("equipment").filter(pk__in=[work_order.pk, other.pk])
    result = downtimes(rows, now=at(8))
    assert result == {work_order.pk: timedelta(hours=3), other.pk: timedelta()}
