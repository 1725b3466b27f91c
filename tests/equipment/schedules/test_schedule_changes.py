"""What a schedule refuses at creation (dates outside 1900-2100, an assignee without a performer
role, retired equipment, a duplicate), changing it with a reason (the clock moves with the
change, audited), and pausing or resuming only with a reason."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from equipment.models import EquipmentStatus, Schedule
from equipment.services.procedures import create_procedure
from equipment.services.schedules import (
    assignee_errors,
    create_schedule,
    pause_schedule,
    resume_schedule,
    update_schedule,
)
from imaging_ops.errors import Conflict
from imaging_ops.models import AuditEvent
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW, refused_fields

pytestmark = pytest.mark.django_db

LAST_SURVEY = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def physicist_survey(manager, site_a):
    """A survey only physicists perform."""
    return create_procedure(
        actor=manager,
        site=site_a,
        code="PHYS",
        kind="physicist_survey",
        now=NOW,
        name="Annual physicist survey",
        modalities=["CT"],
        performer_roles=[Role.PHYSICIST],
        default_anchor="from_completion",
        default_interval_months=12,
        default_grace_days=30,
        default_hard_limit_months=14,
        checks=[{"key": "notes", "name": "Notes", "kind": "text"}],
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("starts_on", date(1899, 12, 31)),
        ("starts_on", date(9999, 12, 31)),
        ("last_done", datetime(1, 1, 1, 12, tzinfo=UTC)),
        ("last_done", datetime(1899, 6, 1, 12, tzinfo=UTC)),
    ],
)
def test_dates_outside_1900_to_2100_are_refused_by_field(manager, ct, ct_qc, field, value):
    with pytest.raises(ValidationError) as excinfo:
        create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW, **{field: value})
    assert refused_fields(excinfo) == {field}
    assert "1900 and 2100" in excinfo.value.message_dict[field][0]
    assert not Schedule.objects.exists()


def test_the_edges_of_the_range_are_taken(manager, ct, ct_qc, site_a):
    first = create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, starts_on=date(2100, 12, 31)
    )
    assert first.next_due.year == 2100
    other = factories.EquipmentFactory(site=site_a)
    early = create_schedule(
        actor=manager,
        equipment=other,
        procedure=ct_qc,
        now=NOW,
        last_done=datetime(1900, 1, 1, 12, tzinfo=UTC),
    )
    assert early.next_due.year == 1901


def test_an_assignee_must_hold_a_performer_role_at_the_site(
    manager, tech, physicist, person, site_b, ct, physicist_survey
):
    with pytest.raises(ValidationError) as excinfo:
        create_schedule(
            actor=manager, equipment=ct, procedure=physicist_survey, now=NOW, assignee=tech
        )
    assert refused_fields(excinfo) == {"assignee"}
    assert "physicist" in excinfo.value.message_dict["assignee"][0]
    stranger = person(Role.PHYSICIST, site_b)
    with pytest.raises(ValidationError) as excinfo:
        create_schedule(
            actor=manager, equipment=ct, procedure=physicist_survey, now=NOW, assignee=stranger
        )
    assert "holds a role at this equipment's site" in excinfo.value.message_dict["assignee"][0]
    schedule = create_schedule(
        actor=manager, equipment=ct, procedure=physicist_survey, now=NOW, assignee=physicist
    )
    assert schedule.assignee == physicist


def test_an_assigned_role_must_be_a_performer_role(manager, ct, physicist_survey, site_a):
    common = {"equipment": ct, "procedure": physicist_survey, "now": NOW}
    errors = assignee_errors(**common, assignee_role=Role.TECHNICIAN)
    assert set(errors) == {"assignee_role"}
    assert set(assignee_errors(**common, assignee_role="janitor")) == {"assignee_role"}
    assert set(assignee_errors(**common, assignee_role=Role.INSPECTOR)) == {"assignee_role"}
    assert assignee_errors(**common, assignee_role=Role.PHYSICIST) == {}
    assert assignee_errors(**common) == {}


def test_an_expired_role_does_not_make_an_assignee(manager, person, site_a, ct, physicist_survey):
    former = person(Role.PHYSICIST, site_a, username="former", expires_on=date(2026, 3, 1))
    errors = assignee_errors(equipment=ct, procedure=physicist_survey, assignee=former, now=NOW)
    assert set(errors) == {"assignee"}


def test_an_inspector_is_never_an_assignee(manager, inspector, ct, ct_qc):
    errors = assignee_errors(equipment=ct, procedure=ct_qc, assignee=inspector, now=NOW)
    assert set(errors) == {"assignee"}


@pytest.mark.parametrize("status", [EquipmentStatus.RETIRED, EquipmentStatus.DISPOSED])
def test_retired_or_disposed_equipment_gets_no_schedule(manager, site_a, ct_qc, status):
    unit = factories.EquipmentFactory(site=site_a, status=status)
    with pytest.raises(ValidationError) as excinfo:
        create_schedule(actor=manager, equipment=unit, procedure=ct_qc, now=NOW)
    assert refused_fields(excinfo) == {"equipment"}


def test_recurrence_errors_are_keyed_by_field(manager, ct, ct_qc):
    with pytest.raises(ValidationError) as excinfo:
        create_schedule(
            actor=manager,
            equipment=ct,
            procedure=ct_qc,
            now=NOW,
            interval_months=0,
            interval_weeks=0,
            interval_days=0,
            due_time="noonish",
        )
    assert refused_fields(excinfo) == {"interval", "due_time"}


def test_a_duplicate_is_refused_as_a_whole_not_a_database_error(manager, ct, ct_qc):
    create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)
    with pytest.raises(ValidationError) as excinfo:
        create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)
    assert refused_fields(excinfo) == {NON_FIELD_ERRORS}
    assert Schedule.objects.count() == 1


@pytest.fixture
def survey(manager, ct, ct_qc):
    return create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=LAST_SURVEY
    )


def test_a_change_moves_the_clock_and_is_audited_with_its_reason(manager, tech, survey):
    before = survey.next_due
    changed = update_schedule(
        actor=manager,
        schedule=survey,
        changes={"interval_months": 6, "grace_days": 10, "assignee": tech},
        reason="Six-monthly from now on, by the site's policy",
        now=NOW,
    )
    stored = Schedule.objects.get(pk=survey.pk)
    assert stored.interval_months == 6 and stored.assignee == tech
    # Six months from the last survey of 10 June 2025: 10 December 2025, 07:00 in New York.
    assert stored.next_due == datetime(2025, 12, 10, 12, 0, tzinfo=UTC) != before
    assert stored.overdue_at == datetime(2025, 12, 20, 12, 0, tzinfo=UTC)
    assert changed.next_due == stored.next_due
    event = AuditEvent.objects.filter(object_type="equipment.schedule").latest("seq")
    assert event.reason == "Six-monthly from now on, by the site's policy"
    assert event.changes["interval_months"] == [12, 6]
    assert "next_due" not in event.changes


def test_a_change_needs_a_reason_and_refuses_what_cannot_change(manager, site_a, survey):
    other = factories.EquipmentFactory(site=site_a)
    with pytest.raises(ValidationError) as excinfo:
        update_schedule(
            actor=manager, schedule=survey, changes={"equipment": other}, reason=" ", now=NOW
        )
    assert refused_fields(excinfo) == {"equipment", "reason"}


def test_a_refused_change_saves_nothing(manager, tech, survey):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        update_schedule(
            actor=manager,
            schedule=survey,
            changes={"anchor": "period", "interval_months": 5, "starts_on": date(2200, 1, 1)},
            reason="Calendar quarters",
            now=NOW,
        )
    assert refused_fields(excinfo) == {"interval", "starts_on"}
    stored = Schedule.objects.get(pk=survey.pk)
    assert stored.anchor == "from_completion" and stored.next_due == survey.next_due
    assert AuditEvent.objects.count() == events


def test_a_person_replaces_a_role_and_a_role_a_person(manager, tech, survey):
    update_schedule(
        actor=manager,
        schedule=survey,
        changes={"assignee_role": Role.TECHNICIAN},
        reason="Any technician",
        now=NOW,
    )
    assert Schedule.objects.get(pk=survey.pk).assignee_role == Role.TECHNICIAN
    update_schedule(
        actor=manager, schedule=survey, changes={"assignee": tech}, reason="Tess", now=NOW
    )
    stored = Schedule.objects.get(pk=survey.pk)
    assert stored.assignee == tech and stored.assignee_role == ""


def test_only_those_who_edit_schedules_change_them(tech, survey):
    with pytest.raises(PermissionDenied):
        update_schedule(actor=tech, schedule=survey, changes={"grace_days": 1}, reason="x", now=NOW)


def test_pause_and_resume_need_a_reason(manager, survey):
    for call in (pause_schedule, resume_schedule):
        with pytest.raises(ValidationError) as excinfo:
            call(actor=manager, schedule=survey, now=NOW, reason="  ")
        assert refused_fields(excinfo) == {"reason"}
    assert not Schedule.objects.get(pk=survey.pk).paused


def test_pausing_twice_is_a_conflict(manager, survey):
    pause_schedule(actor=manager, schedule=survey, now=NOW, reason="In storage")
    with pytest.raises(Conflict):
        pause_schedule(actor=manager, schedule=survey, now=NOW, reason="Again")
    resume_schedule(actor=manager, schedule=survey, now=NOW, reason="Back")
    with pytest.raises(Conflict):
        resume_schedule(actor=manager, schedule=survey, now=NOW, reason="Again")
