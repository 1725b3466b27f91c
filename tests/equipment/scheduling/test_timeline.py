"""An occurrence's window, due, overdue and hard limit; each anchor's next due; status and
timeliness at the exact boundaries. The worked examples of docs/scheduling.md are these."""

import datetime

import pytest

from equipment.scheduling import (
    Anchor,
    DueTime,
    Interval,
    Preset,
    Recurrence,
    ScheduleStatus,
    Timeliness,
    first_due,
    legacy_window,
    next_due,
    overdue_at,
    status,
    timeline,
    timeliness,
    window,
)
from tests.equipment.scheduling.calendars import BERLIN, NEW_YORK, local, site

D = datetime.date
NY = site("America/New_York")
DE = site("Europe/Berlin")
MINUTE = datetime.timedelta(minutes=1)
ANNUAL = Recurrence(Interval(months=12))
DAILY = Recurrence(preset=Preset.EACH_CLINICAL_DAY)


def ny(*args):
    return local(NEW_YORK, *args)


# --- example 1-3: an annual survey from completion, the Joint Commission's ±30 days ------

LAST_DONE = ny(2025, 6, 10, 10)
SURVEY_DUE = next_due(
    anchor=Anchor.FROM_COMPLETION, recurrence=ANNUAL, performed_at=LAST_DONE, calendar=NY
)
SURVEY = timeline(
    SURVEY_DUE,
    calendar=NY,
    early=legacy_window(ANNUAL.interval),
    grace=legacy_window(ANNUAL.interval),
    last_done=LAST_DONE,
    hard_limit=Interval(months=14),
)


def test_the_annual_survey_timeline():
    assert SURVEY.due == ny(2026, 6, 10, 7)
    assert SURVEY.window_opens == ny(2026, 5, 11, 0)
    assert SURVEY.overdue_at == ny(2026, 7, 10, 7)
    assert SURVEY.hard_limit_at == ny(2026, 8, 10, 10)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (ny(2026, 5, 11, 0) - MINUTE, ScheduleStatus.UPCOMING),
        (ny(2026, 5, 11, 0), ScheduleStatus.OPEN),
        (ny(2026, 6, 10, 7) - MINUTE, ScheduleStatus.OPEN),
        (ny(2026, 6, 10, 7), ScheduleStatus.DUE),
        (ny(2026, 7, 10, 7) - MINUTE, ScheduleStatus.DUE),
        (ny(2026, 7, 10, 7), ScheduleStatus.OVERDUE),
        (ny(2026, 8, 10, 10) - MINUTE, ScheduleStatus.OVERDUE),
        (ny(2026, 8, 10, 10), ScheduleStatus.PAST_HARD_LIMIT),
    ],
)
def test_status_at_each_boundary(now, expected):
    assert status(now, timeline=SURVEY) == expected


@pytest.mark.parametrize(
    ("performed_at", "expected"),
    [
        (ny(2026, 5, 10, 23, 59), Timeliness.EARLY),
        (ny(2026, 5, 20, 9), Timeliness.ON_TIME),
        (ny(2026, 6, 10, 6, 59), Timeliness.ON_TIME),
        (ny(2026, 6, 25, 9), Timeliness.IN_GRACE),
        (ny(2026, 7, 15, 9), Timeliness.LATE),
        (ny(2026, 8, 11, 9), Timeliness.PAST_HARD_LIMIT),
    ],
)
def test_timeliness_of_the_record_that_satisfies_it(performed_at, expected):
    assert timeliness(performed_at, timeline=SURVEY) == expected


def test_done_early_inside_the_window_counts_the_next_year_from_the_day_done():
    done = ny(2026, 5, 20, 9)
    assert next_due(
        anchor=Anchor.FROM_COMPLETION, recurrence=ANNUAL, performed_at=done, calendar=NY
    ) == ny(2027, 5, 20, 7)


def test_paused_equipment_pauses_reminders_not_the_clock():
    assert status(ny(2026, 7, 20), timeline=SURVEY, paused=True) == ScheduleStatus.PAUSED
    assert status(ny(2026, 7, 20), timeline=SURVEY) == ScheduleStatus.OVERDUE
    # Past the hard limit is said even when paused: it blocks the return to service.
    assert status(ny(2026, 8, 10, 10), timeline=SURVEY, paused=True) == (
        ScheduleStatus.PAST_HARD_LIMIT
    )


# --- example 4: a fixed-anchor survey done two months early: the hard limit wins ----------


def test_a_fixed_survey_done_two_months_early_loses_its_grace_to_the_hard_limit():
    series_start = D(2025, 6, 1)
    satisfied = ny(2026, 6, 1, 7)
    done = ny(2026, 4, 1, 10)
    due = next_due(
        anchor=Anchor.FIXED,
        recurrence=ANNUAL,
        satisfied_due=satisfied,
        performed_at=done,
        start=series_start,
        calendar=NY,
    )
    assert due == ny(2027, 6, 1, 7)  # the calendar date, not a year from the day done
    line = timeline(
        due, calendar=NY, grace=Interval(days=30), last_done=done, hard_limit=Interval(months=14)
    )
    assert line.hard_limit_at == ny(2027, 6, 1, 10)
    assert line.overdue_at == ny(2027, 6, 1, 10)  # not 2027-07-01 07:00
    assert status(ny(2027, 6, 1, 9, 59), timeline=line) == ScheduleStatus.DUE
    assert status(ny(2027, 6, 1, 10), timeline=line) == ScheduleStatus.PAST_HARD_LIMIT


def test_a_hard_limit_before_the_due_date_makes_the_work_overdue_before_it_is_due():
    line = timeline(
        ny(2027, 6, 1, 7),
        calendar=NY,
        last_done=ny(2026, 3, 1, 10),
        hard_limit=Interval(months=14),
    )
    assert line.overdue_at == ny(2027, 5, 1, 10)
    assert status(ny(2027, 5, 15), timeline=line) == ScheduleStatus.PAST_HARD_LIMIT


def test_no_hard_limit_leaves_grace_alone():
    due = ny(2026, 6, 1, 7)
    assert overdue_at(due, calendar=NY, grace=Interval(days=30)) == ny(2026, 7, 1, 7)
    assert overdue_at(due, calendar=NY, grace=Interval(days=30), last_done=ny(2025, 6, 1)) == (
        ny(2026, 7, 1, 7)
    )


def test_an_nrc_six_month_limit_has_no_grace():
    done = ny(2026, 1, 15, 14)
    due = next_due(
        anchor=Anchor.FROM_COMPLETION,
        recurrence=Recurrence(Interval(months=6)),
        performed_at=done,
        calendar=NY,
    )
    line = timeline(due, calendar=NY, last_done=done, hard_limit=Interval(months=6))
    assert line.due == line.overdue_at == ny(2026, 7, 15, 7)
    assert line.hard_limit_at == ny(2026, 7, 15, 14)


# --- example 5: each anchor ---------------------------------------------------------------

MONTHLY = Recurrence(Interval(months=1))


def test_fixed_monthly_from_31_january_stays_on_month_ends():
    start = D(2026, 1, 31)
    due = first_due(anchor=Anchor.FIXED, recurrence=MONTHLY, start=start, calendar=NY)
    dues = [due]
    for _ in range(2):
        dues.append(
            next_due(
                anchor=Anchor.FIXED,
                recurrence=MONTHLY,
                satisfied_due=dues[-1],
                start=start,
                calendar=NY,
            )
        )
    assert dues == [ny(2026, 1, 31, 7), ny(2026, 2, 28, 7), ny(2026, 3, 31, 7)]


def test_from_completion_monthly_clamps_then_counts_from_the_clamped_day():
    feb = next_due(
        anchor=Anchor.FROM_COMPLETION,
        recurrence=MONTHLY,
        performed_at=ny(2026, 1, 31, 15),
        calendar=NY,
    )
    assert feb == ny(2026, 2, 28, 7)
    mar = next_due(
        anchor=Anchor.FROM_COMPLETION,
        recurrence=MONTHLY,
        performed_at=ny(2026, 2, 28, 15),
        calendar=NY,
    )
    assert mar == ny(2026, 3, 28, 7)


def test_a_late_fixed_record_satisfies_its_own_date_and_the_series_keeps_its_dates():
    due = next_due(
        anchor=Anchor.FIXED,
        recurrence=Recurrence(Interval(months=3)),
        satisfied_due=ny(2026, 1, 15, 7),
        performed_at=ny(2026, 2, 1, 9),
        start=D(2025, 1, 15),
        calendar=NY,
    )
    assert due == ny(2026, 4, 15, 7)


def test_once_each_calendar_month():
    recurrence = MONTHLY
    first = first_due(anchor=Anchor.PERIOD, recurrence=recurrence, start=D(2026, 3, 5), calendar=NY)
    assert first == ny(2026, 4, 1, 0)  # by the end of 31 March
    assert window(first, calendar=NY, anchor=Anchor.PERIOD, recurrence=recurrence) == ny(
        2026, 3, 1, 0
    )
    after_march = next_due(
        anchor=Anchor.PERIOD,
        recurrence=recurrence,
        satisfied_due=first,
        performed_at=ny(2026, 3, 5, 10),
        calendar=NY,
    )
    assert after_march == ny(2026, 5, 1, 0)
    line = timeline(after_march, calendar=NY, anchor=Anchor.PERIOD, recurrence=recurrence)
    assert line.window_opens == ny(2026, 4, 1, 0)
    assert timeliness(ny(2026, 3, 31, 23), timeline=line) == Timeliness.EARLY
    assert timeliness(ny(2026, 4, 30, 23, 59), timeline=line) == Timeliness.ON_TIME
    assert timeliness(ny(2026, 5, 1, 0), timeline=line) == Timeliness.LATE


def test_once_each_quarter_done_late_in_the_next_quarter():
    quarterly = Recurrence(Interval(months=3))
    due = next_due(
        anchor=Anchor.PERIOD,
        recurrence=quarterly,
        satisfied_due=ny(2026, 4, 1, 0),  # the first quarter's
        performed_at=ny(2026, 4, 3, 10),
        calendar=NY,
    )
    assert due == ny(2026, 7, 1, 0)


def test_weekly_and_first_monday_presets():
    weekly = Recurrence(preset=Preset.WEEKLY_ON_WEEKDAY, weekday=2)
    assert first_due(anchor=Anchor.FIXED, recurrence=weekly, start=D(2026, 3, 4), calendar=NY) == (
        ny(2026, 3, 4, 7)
    )
    assert next_due(
        anchor=Anchor.FIXED, recurrence=weekly, satisfied_due=ny(2026, 3, 4, 7), calendar=NY
    ) == ny(2026, 3, 11, 7)
    monday = Recurrence(preset=Preset.FIRST_MONDAY)
    assert first_due(anchor=Anchor.FIXED, recurrence=monday, start=D(2026, 3, 3), calendar=NY) == (
        ny(2026, 4, 6, 7)
    )


# --- examples 6-8: a non-clinical day, a closure, a daylight-saving change ----------------


def test_friday_daily_qc_is_next_due_monday_at_seven_in_daylight_time():
    friday = ny(2026, 3, 6, 7)
    monday = next_due(
        anchor=Anchor.FIXED,
        recurrence=DAILY,
        satisfied_due=friday,
        performed_at=ny(2026, 3, 6, 6, 45),
        calendar=NY,
    )
    assert monday == ny(2026, 3, 9, 7)
    assert monday.astimezone(datetime.UTC).hour == 11
    assert friday.astimezone(datetime.UTC).hour == 12


def test_a_site_closure_moves_daily_work_but_not_the_hard_limit():
    closed_monday = {D(2026, 3, 9)}
    done = ny(2026, 3, 6, 6, 45)
    tuesday = next_due(
        anchor=Anchor.FIXED,
        recurrence=DAILY,
        satisfied_due=ny(2026, 3, 6, 7),
        performed_at=done,
        calendar=NY,
        closures=closed_monday,
    )
    assert tuesday == ny(2026, 3, 10, 7)
    line = timeline(tuesday, calendar=NY, last_done=done, hard_limit=Interval(days=3))
    assert line.hard_limit_at == ny(2026, 3, 9, 6, 45)
    assert line.overdue_at == ny(2026, 3, 9, 6, 45)


def test_a_seven_day_site_daily_qc_on_the_day_the_clocks_change():
    every_day = site(clinical_days=range(7))
    sunday = next_due(
        anchor=Anchor.FIXED,
        recurrence=DAILY,
        satisfied_due=ny(2026, 3, 7, 7),
        calendar=every_day,
    )
    assert sunday == ny(2026, 3, 8, 7) == datetime.datetime(2026, 3, 8, 11, tzinfo=datetime.UTC)
    line = timeline(sunday, calendar=every_day)
    assert line.window_opens == ny(2026, 3, 8, 0)
    assert status(ny(2026, 3, 8, 6, 59), timeline=line) == ScheduleStatus.OPEN
    assert status(ny(2026, 3, 8, 7), timeline=line) == ScheduleStatus.OVERDUE


def test_berlin_daily_qc_before_and_after_its_spring_change():
    friday = next_due(
        anchor=Anchor.FIXED,
        recurrence=DAILY,
        satisfied_due=local(BERLIN, 2026, 3, 26, 7),
        calendar=DE,
    )
    assert friday == datetime.datetime(2026, 3, 27, 6, tzinfo=datetime.UTC)
    monday = next_due(anchor=Anchor.FIXED, recurrence=DAILY, satisfied_due=friday, calendar=DE)
    assert monday == datetime.datetime(2026, 3, 30, 5, tzinfo=datetime.UTC)


def test_end_of_day_survey_due_at_closing_time():
    due = first_due(
        anchor=Anchor.FIXED,
        recurrence=Recurrence(preset=Preset.EACH_DAY_OF_USE),
        start=D(2026, 3, 7),
        calendar=NY,
        due_time=DueTime.CLOSING,
    )
    assert due == ny(2026, 3, 9, 19)


# --- refusals -----------------------------------------------------------------------------


def test_naive_moments_are_refused():
    with pytest.raises(ValueError, match="naive"):
        status(datetime.datetime(2026, 6, 1), timeline=SURVEY)
    with pytest.raises(ValueError, match="naive"):
        timeliness(datetime.datetime(2026, 6, 1), timeline=SURVEY)
    with pytest.raises(ValueError, match="naive"):
        next_due(
            anchor=Anchor.FROM_COMPLETION,
            recurrence=ANNUAL,
            performed_at=datetime.datetime(2026, 6, 1),
            calendar=NY,
        )


def test_a_recurrence_the_anchor_refuses_is_not_scheduled():
    with pytest.raises(ValueError, match="fixed anchor"):
        next_due(anchor=Anchor.PERIOD, recurrence=DAILY, performed_at=ny(2026, 3, 6), calendar=NY)
    with pytest.raises(ValueError, match="moment the work was done"):
        next_due(anchor=Anchor.FROM_COMPLETION, recurrence=ANNUAL, calendar=NY)
    with pytest.raises(ValueError, match="due date satisfied"):
        next_due(anchor=Anchor.FIXED, recurrence=ANNUAL, calendar=NY)
