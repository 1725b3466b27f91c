"""The sweep: each stage claimed at its exact minute in two site time zones and across a clock
change, once however often the sweep runs, only the current stage after a gap, later stages of
a due date never sent once the work is recorded, and queries bounded by batches."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import NoticeState, ReminderNotice
from compliance.services.sweep import sweep_reminders
from equipment.models import Schedule
from imaging_ops.models import Heartbeat, Notification
from tests import factories
from tests.compliance.reminders.conftest import (
    NOW,
    annual_procedure,
    annual_schedule,
    daily_schedule,
    record_work,
    sweep,
)

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


def notices(schedule):
    return list(
        ReminderNotice.objects.filter(subject_kind="schedule", subject_id=schedule.pk)
        .order_by("pk")
        .values_list("due_on", "stage")
    )


def stages_of(schedule):
    return [stage for _, stage in notices(schedule)]


@pytest.fixture
def tokyo(db):
    return factories.SiteFactory(code="TOKYO", name="Tokyo Clinic", time_zone="Asia/Tokyo")


@pytest.mark.parametrize(
    ("zone_site", "lead_at"),
    [
        # Due 8 May 2026 at 07:00 local: New York (EDT) is 11:00 UTC, Tokyo is 22:00 UTC the day
        # before; the lead stage falls 14 local days earlier at the same local time.
        ("site_a", datetime(2026, 4, 24, 11, 0, tzinfo=UTC)),
        ("tokyo", datetime(2026, 4, 23, 22, 0, tzinfo=UTC)),
    ],
)
def test_every_stage_is_claimed_at_its_minute_in_the_sites_zone(
    request, person, zone_site, lead_at
):
    site = request.getfixturevalue(zone_site)
    manager = person("manager", site, username=f"boss-{site.code}".lower())
    schedule = annual_schedule(manager, site, last_done=datetime(2025, 5, 8, 12, 0, tzinfo=UTC))
    schedule.refresh_from_db()
    due, overdue = schedule.next_due, schedule.overdue_at
    assert due == lead_at + timedelta(days=14)
    steps = [
        (lead_at - MINUTE, []),
        (lead_at, ["lead-14"]),
        (due - MINUTE, ["lead-14"]),
        (due, ["lead-14", "due"]),
        (overdue - MINUTE, ["lead-14", "due"]),
        (overdue, ["lead-14", "due", "overdue"]),
        (overdue + timedelta(days=7) - MINUTE, ["lead-14", "due", "overdue"]),
        (overdue + timedelta(days=7), ["lead-14", "due", "overdue", "escalated"]),
    ]
    for moment, expected in steps:
        sweep(moment)
        assert stages_of(schedule) == expected, moment


def test_the_lead_stage_falls_at_local_opening_time_across_the_spring_clock_change(manager, site_a):
    # GIVEN a calibration due Monday 16 March 2026 07:00 EDT (11:00 UTC), set up in February
    february = datetime(2026, 2, 20, 15, 0, tzinfo=UTC)
    schedule = annual_schedule(
        manager, site_a, last_done=datetime(2025, 3, 16, 15, 0, tzinfo=UTC), now=february
    )
    sweep(february)
    # WHEN the sweep runs either side of 2 March 07:00 EST (12:00 UTC), before the change
    sweep(datetime(2026, 3, 2, 11, 59, tzinfo=UTC))
    assert stages_of(schedule) == []
    sweep(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    # THEN "due in 14 days" comes at 07:00 local, not an hour off
    assert stages_of(schedule) == ["lead-14"]


def test_a_sweep_run_twice_claims_each_stage_once(calibration):
    moment = datetime(2026, 4, 24, 11, 0, tzinfo=UTC)
    first = sweep(moment)
    second = sweep(moment)
    again = sweep(moment + timedelta(minutes=5))
    assert len(first.claimed) == 1 and first.queued
    assert second.claimed == [] and again.claimed == []
    assert stages_of(calibration) == ["lead-14"]


def test_after_a_gap_the_subject_gets_its_current_stage_once(calibration):
    # GIVEN the beat stopped before the lead stage and came back after overdue
    calibration.refresh_from_db()
    late = calibration.overdue_at + timedelta(days=2)
    # WHEN the sweeps catch up
    report = sweep(late)
    sweep(late + timedelta(minutes=5))
    # THEN only "overdue" is sent; lead and due are never sent late
    assert [c.stage for c in report.claimed] == ["overdue"]
    assert stages_of(calibration) == ["overdue"]
    calibration.refresh_from_db()
    assert calibration.next_reminder_at == calibration.overdue_at + timedelta(days=7)


def test_recording_the_work_cancels_the_later_stages_of_that_due_date(calibration, manager):
    calibration.refresh_from_db()
    old_due = calibration.next_due
    sweep(old_due)
    assert stages_of(calibration) == ["due"]
    record_work(
        calibration,
        manager,
        performed_at=old_due + timedelta(hours=1),
        now=old_due + timedelta(hours=2),
    )
    calibration.refresh_from_db()
    assert calibration.next_due > old_due + timedelta(days=300)
    assert calibration.reminder_stage is None
    # WHEN the sweep runs past the old due date's overdue and escalation moments
    sweep(old_due + timedelta(days=45))
    # THEN nothing more is said of the old due date, and the new one waits for its lead stage
    assert stages_of(calibration) == ["due"]
    calibration.refresh_from_db()
    assert calibration.next_reminder_at == calibration.next_due - timedelta(days=14)


def test_a_pending_notice_of_a_due_date_already_met_is_cancelled_at_delivery(calibration, manager):
    from compliance.services.delivery import deliver_notices

    calibration.refresh_from_db()
    report = sweep(calibration.next_due)
    due = calibration.next_due
    record_work(calibration, manager, performed_at=due, now=due + MINUTE)
    deliver_notices(notice_ids=report.queued, now=due + 2 * MINUTE)
    assert ReminderNotice.objects.get().state == NoticeState.CANCELLED
    assert not Notification.objects.exists()


def test_short_intervals_get_no_lead_stage(manager, site_a):
    weekly = annual_procedure(
        manager, site_a, code="WEEKLY", default_interval_months=0, default_interval_weeks=1
    )
    schedule = annual_schedule(manager, site_a, procedure=weekly, last_done=NOW - timedelta(days=1))
    schedule.refresh_from_db()
    sweep(schedule.next_due - timedelta(days=1))
    assert stages_of(schedule) == []
    sweep(schedule.next_due)
    assert stages_of(schedule) == ["due"]


def test_daily_work_is_never_reminded_schedule_by_schedule(manager, site_a):
    schedule = daily_schedule(manager, site_a)
    schedule.refresh_from_db()
    assert schedule.next_reminder_at is None
    sweep(NOW + timedelta(days=3))
    assert stages_of(schedule) == []


def test_a_paused_schedule_is_not_reminded_until_it_resumes(calibration, manager):
    from equipment.services.schedules import pause_schedule, resume_schedule

    calibration.refresh_from_db()
    pause_schedule(actor=manager, schedule=calibration, now=NOW, reason="Unit moved")
    sweep(calibration.next_due)
    assert stages_of(calibration) == []
    calibration.refresh_from_db()
    resume_schedule(actor=manager, schedule=calibration, now=NOW, reason="Back")
    sweep(calibration.next_due + MINUTE)
    assert stages_of(calibration) == ["due"]


def test_the_sweep_works_in_batches_and_each_row_once(manager, site_a):
    procedure = annual_procedure(manager, site_a, code="SHARED")
    schedules = [
        annual_schedule(manager, site_a, tag=f"U{n}", procedure=procedure) for n in range(5)
    ]
    due = max(Schedule.objects.values_list("next_due", flat=True))
    report = sweep(due, batch_size=2)
    assert report.batches == 3
    assert sorted(c.subject_id for c in report.claimed) == sorted(s.pk for s in schedules)


def _sweep_queries(moment, size) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        report = sweep(moment, batch_size=size)
    return len(queries), report.batches


def _schedules(manager, site, procedure, count, start):
    for n in range(start, start + count):
        annual_schedule(manager, site, tag=f"U{n}", procedure=procedure)
    sweep(NOW)  # the reminder clocks set after creation, as the first sweep sets them


def test_the_sweep_runs_a_number_of_queries_bounded_by_batches_not_rows(manager, site_a):
    """GIVEN 10, then 20, then 500 schedules crossing a stage at once, swept in batches of 10
    THEN each batch costs the same few queries, whatever the rows in it: the count is linear
    in batches and flat in rows within a batch."""
    procedure = annual_procedure(manager, site_a, code="MANY")
    due = NOW + timedelta(days=65)

    def crossing(count):
        ReminderNotice.objects.all().delete()
        Schedule.objects.update(next_reminder_at=NOW, reminder_stage=None)
        sweep(NOW)
        queries, batches = _sweep_queries(due, 10)
        assert ReminderNotice.objects.count() == count
        return queries, batches

    _schedules(manager, site_a, procedure, 10, 0)
    ten, one_batch = crossing(10)
    _schedules(manager, site_a, procedure, 10, 10)
    twenty, two_batches = crossing(20)
    per_batch = twenty - ten
    _schedules(manager, site_a, procedure, 480, 20)
    five_hundred, fifty_batches = crossing(500)
    assert (one_batch, two_batches, fifty_batches) == (1, 2, 50)
    assert per_batch <= 7
    assert five_hundred == ten + 49 * per_batch


def test_a_dry_run_writes_nothing(calibration):
    calibration.refresh_from_db()
    report = sweep_reminders(now=calibration.next_due, dry_run=True, queue=list)
    assert [c.stage for c in report.claimed] == ["due"]
    assert not ReminderNotice.objects.exists()
    assert not Heartbeat.objects.filter(name="reminder_sweep").exists()


def test_retired_equipment_waits_unreminded_and_disposed_equipment_stops(calibration, manager):
    from equipment.models import EquipmentStatus
    from equipment.services.status import change_equipment_status

    calibration.refresh_from_db()
    equipment = calibration.equipment
    change_equipment_status(
        equipment=equipment, to=EquipmentStatus.RETIRED, reason="Replaced", actor=manager
    )
    sweep(calibration.next_due)
    assert stages_of(calibration) == []
    calibration.refresh_from_db()
    assert calibration.next_reminder_at <= calibration.next_due  # still waiting to be read
    change_equipment_status(
        equipment=equipment, to=EquipmentStatus.DISPOSED, reason="Sold", actor=manager
    )
    sweep(calibration.next_due + MINUTE)
    assert stages_of(calibration) == []
    calibration.refresh_from_db()
    assert calibration.next_reminder_at is None


def test_a_lead_time_turned_off_between_stages_does_not_hide_the_due_stage(calibration, site_a):
    from compliance.models import LeadTime

    calibration.refresh_from_db()
    sweep(calibration.next_due - timedelta(days=14))
    assert stages_of(calibration) == ["lead-14"]
    LeadTime.objects.create(site=site_a, procedure_kind="calibration", days=0)
    sweep(calibration.next_due)
    assert stages_of(calibration) == ["lead-14", "due"]
