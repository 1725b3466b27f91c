"""Schedules: their clock computed from the site's calendar and stored with the change that
moves it, who may set them up, pausing, references with their reasons, missed days."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from equipment.models import Category, MissedOccurrence, Reference, Schedule
from equipment.scheduling import ScheduleStatus
from equipment.selectors.schedules import references_needed, schedule_status
from equipment.services.procedures import create_procedure
from equipment.services.schedules import (
    create_schedule,
    pause_schedule,
    resume_schedule,
    set_reference,
)
from imaging_ops.models import AuditEvent, SiteClosure
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW, WIPE, refused_fields

pytestmark = pytest.mark.django_db

# 2025-06-10 10:00 in New York (EDT).
LAST_SURVEY = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def source(site_a):
    return factories.EquipmentFactory(
        site=site_a,
        asset_tag="ALPHA-CS1",
        name="Cs-137 check source",
        category=Category.SEALED_SOURCE,
        modalities=[],
    )


def test_the_clock_starts_from_the_last_completion(manager, ct, ct_qc):
    """GIVEN an annual survey from completion, ±30 days and a 14-month hard limit, last done
    2025-06-10 10:00 New York time, THEN it is due 2026-06-10 07:00 and overdue 2026-07-10."""
    schedule = create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=LAST_SURVEY
    )
    schedule.refresh_from_db()
    assert schedule.next_due == datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
    assert schedule.overdue_at == datetime(2026, 7, 10, 11, 0, tzinfo=UTC)
    assert schedule.last_done == LAST_SURVEY
    # The reminder sweep reads a new due date at its next run (compliance sets the stages).
    assert schedule.next_reminder_at == NOW and schedule.reminder_stage is None
    assert schedule_status(schedule, now=NOW) == ScheduleStatus.UPCOMING
    assert schedule_status(schedule, now=datetime(2026, 5, 11, 4, 0, tzinfo=UTC)) == "open"
    assert schedule_status(schedule, now=datetime(2026, 8, 10, 14, 0, tzinfo=UTC)) == (
        ScheduleStatus.PAST_HARD_LIMIT
    )


def test_without_a_last_completion_the_clock_starts_today(manager, ct, ct_qc):
    schedule = create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)
    assert schedule.starts_on == date(2026, 3, 4)
    assert schedule.next_due == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert schedule_status(schedule, now=NOW) == ScheduleStatus.DUE


def test_daily_work_skips_a_site_closure(manager, ct, ct_qc, site_a):
    """GIVEN Thursday 5 March closed, a daily QC last done on Wednesday the 4th is next due
    Friday 6 March at opening."""
    SiteClosure.objects.create(site=site_a, date=date(2026, 3, 5), reason="Power work")
    schedule = create_schedule(
        actor=manager,
        equipment=ct,
        procedure=ct_qc,
        now=NOW,
        last_done=NOW,
        anchor="fixed",
        preset="each_clinical_day",
        interval_months=0,
        hard_limit_months=None,
    )
    assert schedule.next_due == datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


def test_the_derived_columns_move_with_the_write_and_are_not_audited_field_by_field(
    manager, ct, ct_qc
):
    schedule = create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=LAST_SURVEY
    )
    event = AuditEvent.objects.get(object_type="equipment.schedule", object_id=str(schedule.pk))
    assert "procedure_id" in event.changes
    assert not {"next_due", "overdue_at", "last_done"} & set(event.changes)
    assert Schedule.objects.filter(pk=schedule.pk, next_due=schedule.next_due).exists()


def test_a_failed_transaction_leaves_neither_the_schedule_nor_its_clock(manager, ct, ct_qc):
    with pytest.raises(RuntimeError), transaction.atomic():
        create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)
        raise RuntimeError("the caller's later step failed")
    assert not Schedule.objects.exists()


def test_bad_input_is_refused_by_field(manager, ct, ct_qc):
    with pytest.raises(ValidationError) as excinfo:
        create_schedule(
            actor=manager,
            equipment=ct,
            procedure=ct_qc,
            now=NOW,
            last_done=datetime(2026, 3, 1, 10, 0),
        )
    assert refused_fields(excinfo) == {"last_done"}
    with pytest.raises(ValidationError) as excinfo:
        create_schedule(
            actor=manager,
            equipment=ct,
            procedure=ct_qc,
            now=NOW,
            last_done=datetime(2026, 3, 5, tzinfo=UTC),
            anchor="period",
            interval_months=5,
        )
    assert refused_fields(excinfo) == {"last_done", "interval"}
    assert not Schedule.objects.exists()


def test_a_schedule_is_assigned_to_a_person_or_a_role_not_both(manager, tech, ct, ct_qc):
    with pytest.raises(ValidationError, match="a person or to a role, not both"):
        create_schedule(
            actor=manager,
            equipment=ct,
            procedure=ct_qc,
            now=NOW,
            assignee=tech,
            assignee_role=Role.TECHNICIAN,
        )


def test_one_schedule_per_equipment_and_procedure(manager, ct, ct_qc):
    create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)
    with pytest.raises(ValidationError, match="already has a schedule for that procedure"):
        create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)


def test_a_procedure_of_another_site_is_refused(person, site_b, ct_qc):
    beta_ct = factories.EquipmentFactory(site=site_b)
    beta_manager = person(Role.MANAGER, site_b)
    with pytest.raises(ValidationError) as excinfo:
        create_schedule(actor=beta_manager, equipment=beta_ct, procedure=ct_qc, now=NOW)
    assert refused_fields(excinfo) == {"procedure"}


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR, Role.RSO])
def test_only_those_who_edit_procedures_schedule_a_ct_survey(person, site_a, ct, ct_qc, role):
    with pytest.raises(PermissionDenied):
        create_schedule(actor=person(role, site_a), equipment=ct, procedure=ct_qc, now=NOW)


def test_the_rso_schedules_and_baselines_the_leak_test(rso, source, leak_test):
    schedule = create_schedule(actor=rso, equipment=source, procedure=leak_test, now=NOW)
    reference = set_reference(
        actor=rso, schedule=schedule, check_key="wipe", value="0", reason="New source", now=NOW
    )
    # An absolute band takes a zero reference.
    assert reference.value == 0


def test_pausing_keeps_the_clock_and_is_audited(manager, ct, ct_qc):
    schedule = create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=LAST_SURVEY
    )
    due = schedule.next_due
    pause_schedule(actor=manager, schedule=schedule, now=NOW, reason="Tube replacement")
    schedule.refresh_from_db()
    assert schedule.paused and schedule.next_due == due
    assert schedule_status(schedule, now=NOW) == ScheduleStatus.PAUSED
    event = AuditEvent.objects.filter(object_type="equipment.schedule").latest("seq")
    assert event.reason == "Tube replacement" and event.changes["paused"] == [False, True]
    resume_schedule(actor=manager, schedule=schedule, now=NOW, reason="Tube replaced")
    schedule.refresh_from_db()
    assert not schedule.paused


@pytest.fixture
def survey(manager, ct, ct_qc):
    return create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)


def test_a_reference_is_set_and_rebaselined_with_its_history(physicist, survey):
    set_reference(
        actor=physicist,
        schedule=survey,
        check_key="ctdi",
        value="42.10",
        reason="Set at acceptance",
        now=NOW,
    )
    set_reference(
        actor=physicist,
        schedule=survey,
        check_key="ctdi",
        value="40.5",
        reason="Re-baselined after the tube replacement",
        now=NOW,
    )
    reference = Reference.objects.get(schedule=survey, check_key="ctdi")
    assert reference.value == Decimal("40.5")
    history = [(c.previous_value, c.value, c.reason) for c in reference.history.all()]
    assert history == [
        (None, Decimal("42.10"), "Set at acceptance"),
        (Decimal("42.10"), Decimal("40.5"), "Re-baselined after the tube replacement"),
    ]


def test_a_percent_band_refuses_a_zero_reference(physicist, survey):
    with pytest.raises(ValidationError) as excinfo:
        set_reference(
            actor=physicist,
            schedule=survey,
            check_key="ctdi",
            value="0",
            reason="Oops",
            now=NOW,
        )
    assert refused_fields(excinfo) == {"value"}
    assert "zero" in excinfo.value.message_dict["value"][0]
    assert not Reference.objects.exists()


def test_a_reference_needs_a_reason_a_number_and_a_numeric_check(physicist, survey):
    with pytest.raises(ValidationError) as excinfo:
        set_reference(
            actor=physicist,
            schedule=survey,
            check_key="notes",
            value="lots",
            reason="",
            now=NOW,
        )
    assert refused_fields(excinfo) == {"check_key", "value", "reason"}


def test_a_technician_may_not_set_references(tech, survey):
    with pytest.raises(PermissionDenied):
        set_reference(
            actor=tech, schedule=survey, check_key="ctdi", value="40", reason="x", now=NOW
        )


def test_a_missed_day_is_recorded_once_per_schedule(survey):
    MissedOccurrence.objects.create(schedule=survey, day=date(2026, 3, 3))
    duplicate = MissedOccurrence(schedule=survey, day=date(2026, 3, 3))
    with pytest.raises(ValidationError, match="already recorded as missed"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    MissedOccurrence.objects.create(schedule=survey, day=date(2026, 3, 2))
    assert survey.missed.count() == 2


def test_the_leak_test_with_its_wipe_check(leak_test):
    assert leak_test.current_version.checks.get().key == WIPE["key"]


def test_a_library_procedure_cannot_be_scheduled_directly(admin, manager, ct):
    library = create_procedure(
        actor=admin,
        site=None,
        code="LIB",
        kind="qc",
        now=NOW,
        name="Library QC",
        default_anchor="fixed",
        default_interval_months=1,
    )
    with pytest.raises(ValidationError) as excinfo:
        create_schedule(actor=manager, equipment=ct, procedure=library, now=NOW)
    assert refused_fields(excinfo) == {"procedure"}


def test_a_percent_check_asks_for_its_reference_before_the_first_record(physicist, survey):
    assert references_needed(survey) == ["ctdi"]
    set_reference(
        actor=physicist, schedule=survey, check_key="ctdi", value="42", reason="Baseline", now=NOW
    )
    assert references_needed(survey) == []
