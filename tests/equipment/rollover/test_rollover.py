"""The daily roll-over: daily schedules move at each site's local midnight, each finished
clinical day without a record becomes one MissedOccurrence, closures and days out of service
create none (the hard limit does not move), and a second run writes nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from equipment.models import (
    EquipmentStatus,
    EquipmentStatusChange,
    MissedOccurrence,
    ProcedureKind,
    Schedule,
)
from equipment.services.missed import annotate_missed
from equipment.services.procedures import create_procedure
from equipment.services.rollover import roll_over_daily_schedules, roll_over_schedules
from equipment.services.schedules import create_schedule
from equipment.tasks import roll_over_daily
from imaging_ops.models import SiteClosure
from tests import factories

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 12:00 UTC: 07:00 in New York, 21:00 in Tokyo.
MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def daily_schedule(manager, site, tag="CT1", *, hard_limit_days=None):
    procedure = create_procedure(
        actor=manager,
        site=site,
        code=f"DAILY-{tag}",
        kind=ProcedureKind.QC,
        now=MONDAY,
        name="Daily QC",
        default_anchor="fixed",
        default_preset="each_clinical_day",
        checks=[{"key": "ok", "name": "Phantom image clean", "kind": "boolean"}],
    )
    equipment = factories.EquipmentFactory(
        site=site, asset_tag=f"{site.code}-{tag}", status=EquipmentStatus.IN_SERVICE
    )
    return create_schedule(
        actor=manager,
        equipment=equipment,
        procedure=procedure,
        now=MONDAY,
        starts_on=date(2026, 3, 2),
        hard_limit_days=hard_limit_days,
    )


def missed(schedule) -> list[date]:
    return list(MissedOccurrence.objects.filter(schedule=schedule).values_list("day", flat=True))


def test_unrecorded_clinical_days_are_missed_once_even_if_the_task_runs_twice(manager, site_a):
    schedule = daily_schedule(manager, site_a)
    thursday = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)
    roll_over_daily_schedules(thursday)
    roll_over_daily_schedules(thursday + timedelta(minutes=15))
    assert missed(schedule) == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    schedule.refresh_from_db()
    assert site_a.local(schedule.next_due).date() == date(2026, 3, 5)
    assert roll_over_daily_schedules(thursday + timedelta(hours=1)) == 0


def test_rolling_over_given_schedules_leaves_the_others_alone(manager, site_a):
    mine, other = daily_schedule(manager, site_a), daily_schedule(manager, site_a, tag="CT2")
    thursday = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)
    mine = Schedule.objects.select_related("equipment__site").get(pk=mine.pk)

    assert roll_over_schedules([mine], now=thursday) == 3
    assert missed(mine) == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    assert missed(other) == []
    mine.refresh_from_db()
    assert roll_over_schedules([mine], now=thursday) == 0


def test_the_weekend_and_a_closure_are_not_missed(manager, site_a):
    schedule = daily_schedule(manager, site_a)
    SiteClosure.objects.create(site=site_a, date=date(2026, 3, 9), reason="Power works")
    roll_over_daily_schedules(datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    assert missed(schedule) == [date(2026, 3, d) for d in (2, 3, 4, 5, 6)]


def test_days_never_in_service_are_not_missed_but_the_hard_limit_stays(manager, site_a):
    schedule = daily_schedule(manager, site_a, hard_limit_days=3)
    equipment = schedule.equipment
    # Out of service from Tuesday 08:00 to Thursday 09:00 New York time.
    for at, before, after in (
        (datetime(2026, 3, 3, 13, 0, tzinfo=UTC), "in_service", "out_of_service"),
        (datetime(2026, 3, 5, 14, 0, tzinfo=UTC), "out_of_service", "in_service"),
    ):
        EquipmentStatusChange.objects.create(
            equipment=equipment,
            from_status=before,
            to_status=after,
            reason="Tube",
            actor=manager,
            changed_at=at,
        )
    limit = schedule.hard_limit_at
    roll_over_daily_schedules(datetime(2026, 3, 6, 15, 0, tzinfo=UTC))
    # Tuesday and Thursday had service hours; Wednesday had none.
    assert missed(schedule) == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 5)]
    schedule.refresh_from_db()
    assert schedule.hard_limit_at == limit


def test_each_site_rolls_at_its_own_midnight(manager, site_a, person):
    tokyo = factories.SiteFactory(code="TOKYO", time_zone="Asia/Tokyo")
    factories.MembershipFactory(user=manager, site=tokyo, role="manager")
    new_york, japan = daily_schedule(manager, site_a), daily_schedule(manager, tokyo, "CT2")
    # 15:30 UTC on Monday: Tuesday 00:30 in Tokyo, still Monday 10:30 in New York.
    roll_over_daily_schedules(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    assert missed(new_york) == []
    assert missed(japan) == [date(2026, 3, 2)]
    japan.refresh_from_db()
    assert tokyo.local(japan.next_due).date() == date(2026, 3, 3)


def test_the_beat_task_runs_the_roll_over(manager, site_a, time_machine):
    schedule = daily_schedule(manager, site_a)
    time_machine.move_to(datetime(2026, 3, 4, 15, 0, tzinfo=UTC))
    assert roll_over_daily() == 2
    assert missed(schedule) == [date(2026, 3, 2), date(2026, 3, 3)]


def test_across_the_daylight_saving_change_the_local_due_time_holds(manager, site_a):
    schedule = daily_schedule(manager, site_a)
    # Monday 9 March 2026 (EDT since Sunday): due 07:00 local is 11:00 UTC, not 12:00.
    roll_over_daily_schedules(datetime(2026, 3, 9, 5, 0, tzinfo=UTC))
    schedule.refresh_from_db()
    assert schedule.next_due == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    assert missed(schedule)[-1] == date(2026, 3, 6)


def test_staff_annotate_missed_days_and_inspectors_cannot(manager, tech, inspector, site_a):
    schedule = daily_schedule(manager, site_a)
    roll_over_daily_schedules(datetime(2026, 3, 4, 15, 0, tzinfo=UTC))
    days = list(
        MissedOccurrence.objects.filter(schedule=schedule).select_related("schedule__equipment")
    )
    with pytest.raises(PermissionDenied):
        annotate_missed(actor=inspector, occurrences=days, annotation="Site closed", now=MONDAY)
    with pytest.raises(ValidationError) as refused:
        annotate_missed(actor=tech, occurrences=days, annotation="  ", now=MONDAY)
    assert set(refused.value.message_dict) == {"annotation"}
    assert (
        annotate_missed(actor=tech, occurrences=days, annotation="Unit not used", now=MONDAY) == 2
    )
    assert set(MissedOccurrence.objects.values_list("annotation", "annotated_by")) == {
        ("Unit not used", tech.pk)
    }
    assert (
        annotate_missed(actor=tech, occurrences=days, annotation="Unit not used", now=MONDAY) == 0
    )


def test_yesterdays_work_entered_this_morning_meets_yesterday_and_explains_its_missed_day(
    manager, tech, site_a
):
    """Daily QC done on Tuesday and typed in on Wednesday after the roll-over: the record met
    Tuesday's occurrence (a late entry), Wednesday's work is still due, and Tuesday's missed
    day is explained by the record, not left for someone to annotate."""
    from equipment.services.records import create_service_record

    schedule = daily_schedule(manager, site_a)
    check = schedule.procedure.current_version.checks.get()
    tuesday_qc = datetime(2026, 3, 3, 12, 20, tzinfo=UTC)  # 07:20 in New York
    wednesday = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 10:00, after the roll-over
    roll_over_daily_schedules(wednesday)
    assert missed(schedule) == [date(2026, 3, 2), date(2026, 3, 3)]
    schedule.refresh_from_db()
    record = create_service_record(
        actor=tech,
        schedule=schedule,
        performed_at=tuesday_qc,
        now=wednesday,
        values={check.pk: "yes"},
        signature={
            "username": tech.username,
            "password": factories.PASSWORD,
            "acknowledge_policy": True,
        },
    )
    version = record.current_version
    assert version.late_entry is True
    assert site_a.local(version.due_satisfied).date() == date(2026, 3, 3)
    assert version.timeliness != "early"
    schedule.refresh_from_db()
    assert site_a.local(schedule.next_due).date() == date(2026, 3, 4)  # today's still due
    tuesday = MissedOccurrence.objects.get(schedule=schedule, day=date(2026, 3, 3))
    assert tuesday.annotation.startswith(f"Recorded late: record {record.pk}")
    assert tuesday.annotated_by == tech
    monday = MissedOccurrence.objects.get(schedule=schedule, day=date(2026, 3, 2))
    assert monday.annotation == ""
