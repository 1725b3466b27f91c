"""A site's days: due moments across daylight-saving changes, clinical days and the roll-over."""

import datetime
from dataclasses import dataclass

import pytest

from equipment.scheduling import (
    DueTime,
    Interval,
    clinical_days_between,
    current_daily_due,
    due_moment,
    missed_days,
    next_working_day,
    roll_over,
    shift,
)
from tests.equipment.scheduling.calendars import BERLIN, NEW_YORK, UTC, local, site

D = datetime.date
NY = site("America/New_York")
DE = site("Europe/Berlin")


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def test_a_due_at_opening_time_is_the_same_local_clock_across_the_spring_change():
    # New York moves its clocks forward on Sunday 2026-03-08.
    assert due_moment(D(2026, 3, 6), calendar=NY) == utc(2026, 3, 6, 12)  # 07:00 EST
    assert due_moment(D(2026, 3, 8), calendar=NY) == utc(2026, 3, 8, 11)  # 07:00 EDT
    assert due_moment(D(2026, 3, 9), calendar=NY) == utc(2026, 3, 9, 11)
    # Berlin moves its clocks forward on Sunday 2026-03-29.
    assert due_moment(D(2026, 3, 27), calendar=DE) == utc(2026, 3, 27, 6)  # 07:00 CET
    assert due_moment(D(2026, 3, 30), calendar=DE) == utc(2026, 3, 30, 5)  # 07:00 CEST


def test_end_of_day_surveys_fall_due_at_closing_time():
    assert due_moment(D(2026, 3, 9), calendar=NY, due_time=DueTime.CLOSING) == utc(2026, 3, 9, 23)
    assert due_moment(D(2026, 3, 9), calendar=NY, due_time=datetime.time(12, 30)) == utc(
        2026, 3, 9, 16, 30
    )
    with pytest.raises(ValueError, match="not a due time"):
        due_moment(D(2026, 3, 9), calendar=NY, due_time="noon")


def test_a_clock_time_the_site_skips_is_read_as_after_the_jump():
    # 02:30 does not exist in New York on 2026-03-08: it is the moment the clocks show 03:30.
    assert due_moment(D(2026, 3, 8), calendar=NY, due_time=datetime.time(2, 30)) == utc(
        2026, 3, 8, 7, 30
    )


def test_a_day_of_grace_across_the_change_keeps_the_local_clock():
    saturday_seven = local(NEW_YORK, 2026, 3, 7, 7)
    sunday_seven = shift(saturday_seven, Interval(days=1), calendar=NY)
    assert sunday_seven == local(NEW_YORK, 2026, 3, 8, 7)
    assert sunday_seven - saturday_seven == datetime.timedelta(hours=23)
    assert shift(sunday_seven, Interval(days=1), calendar=NY, back=True) == saturday_seven
    # And in Berlin's autumn change (2026-10-25), 25 hours.
    before = local(BERLIN, 2026, 10, 24, 7)
    assert shift(before, Interval(days=1), calendar=DE) - before == datetime.timedelta(hours=25)


def test_months_shift_on_the_site_clock_and_clamp_to_month_end():
    assert shift(local(NEW_YORK, 2026, 1, 31, 10), Interval(months=1), calendar=NY) == local(
        NEW_YORK, 2026, 2, 28, 10
    )


def test_naive_moments_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="naive datetime"):
        current_daily_due(datetime.datetime(2026, 3, 9, 7), calendar=NY)
    with pytest.raises(ValueError, match="naive"):
        shift(datetime.datetime(2026, 3, 9, 7), Interval(days=1), calendar=NY)
    with pytest.raises(TypeError, match="must be a datetime"):
        current_daily_due(D(2026, 3, 9), calendar=NY)


# --- clinical days, closures and the daily roll-over -------------------------------------


def test_the_next_working_day_skips_weekends_and_closures():
    friday = D(2026, 3, 6)
    assert next_working_day(friday, calendar=NY) == D(2026, 3, 9)
    assert next_working_day(friday, calendar=NY, closures={D(2026, 3, 9)}) == D(2026, 3, 10)
    assert next_working_day(friday, calendar=NY, inclusive=True) == friday
    with pytest.raises(ValueError, match="no clinical open day"):
        next_working_day(friday, calendar=site(clinical_days=()))


def test_clinical_days_between_is_half_open_and_skips_what_owes_no_work():
    days = clinical_days_between(
        D(2026, 3, 2),
        D(2026, 3, 16),
        calendar=NY,
        closures={D(2026, 3, 9)},
        out_of_service={D(2026, 3, 10)},
    )
    assert days == [D(2026, 3, d) for d in (2, 3, 4, 5, 6, 11, 12, 13)]


MISSED_ARGS = {
    "since": D(2026, 3, 2),
    "done_on": {D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 5)},
    "calendar": NY,
    "closures": {D(2026, 3, 9)},
    "out_of_service": {D(2026, 3, 10)},
}


def test_each_finished_clinical_day_without_a_record_is_missed():
    now = local(NEW_YORK, 2026, 3, 11, 10)
    assert missed_days(now, **MISSED_ARGS) == [D(2026, 3, 4), D(2026, 3, 6)]


def test_running_the_roll_over_twice_over_the_same_span_names_the_same_days():
    now = local(NEW_YORK, 2026, 3, 11, 10)
    assert missed_days(now, **MISSED_ARGS) == missed_days(now, **MISSED_ARGS)
    later_same_day = local(NEW_YORK, 2026, 3, 11, 23, 59)
    assert missed_days(later_same_day, **MISSED_ARGS) == missed_days(now, **MISSED_ARGS)


def test_today_at_the_site_is_not_missed_until_its_local_midnight():
    args = {**MISSED_ARGS, "since": D(2026, 3, 11), "done_on": set()}
    # 23:59 in New York is already the next day in UTC; the site's day is what counts.
    assert missed_days(local(NEW_YORK, 2026, 3, 11, 23, 59), **args) == []
    assert missed_days(local(NEW_YORK, 2026, 3, 12, 0, 0), **args) == [D(2026, 3, 11)]


def test_missed_days_across_the_spring_change_in_a_seven_day_site():
    every_day = site(clinical_days=range(7))
    now = local(NEW_YORK, 2026, 3, 9, 0, 30)
    missed = missed_days(now, since=D(2026, 3, 7), done_on={D(2026, 3, 7)}, calendar=every_day)
    assert missed == [D(2026, 3, 8)]


def test_daily_work_rolls_to_the_next_clinical_day_at_the_local_boundary():
    friday_due = due_moment(D(2026, 3, 6), calendar=NY)
    # Friday evening: still Friday's work.
    assert roll_over(local(NEW_YORK, 2026, 3, 6, 23, 59), next_due=friday_due, calendar=NY) == (
        friday_due
    )
    # Saturday: the weekend owes nothing; Monday's 07:00, in daylight time.
    assert roll_over(local(NEW_YORK, 2026, 3, 7, 0, 0), next_due=friday_due, calendar=NY) == utc(
        2026, 3, 9, 11
    )
    # Work already moved ahead by a record stays where it is.
    tuesday_due = due_moment(D(2026, 3, 10), calendar=NY)
    assert roll_over(local(NEW_YORK, 2026, 3, 9, 8), next_due=tuesday_due, calendar=NY) == (
        tuesday_due
    )


def test_daily_work_in_berlin_rolls_at_berlin_midnight():
    thursday_due = due_moment(D(2026, 3, 26), calendar=DE)
    # 23:30 UTC on Thursday is 00:30 Friday in Berlin.
    assert roll_over(utc(2026, 3, 26, 23, 30), next_due=thursday_due, calendar=DE) == utc(
        2026, 3, 27, 6
    )
    assert current_daily_due(utc(2026, 3, 28, 12), calendar=DE) == utc(2026, 3, 30, 5)


@dataclass(frozen=True)
class UtcCalendar:
    """The least a calendar needs, without a Site: every day clinical, in UTC."""

    opens_at: datetime.time = datetime.time(8)
    closes_at: datetime.time = datetime.time(17)
    zone: datetime.tzinfo = UTC

    def local(self, moment):
        return moment.astimezone(UTC)

    def today(self, now):
        return self.local(now).date()

    def day_bounds(self, day):
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=UTC)
        return start, start + datetime.timedelta(days=1)

    def is_clinical_day(self, day):
        return True


def test_any_object_with_the_site_helpers_serves_as_a_calendar():
    assert current_daily_due(utc(2026, 3, 8, 9), calendar=UtcCalendar()) == utc(2026, 3, 8, 8)
