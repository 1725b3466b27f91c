"""How often work recurs: intervals clamped to month end, periods, presets and their errors."""

import datetime

import pytest

from equipment.scheduling import (
    Anchor,
    Interval,
    Preset,
    Recurrence,
    legacy_window,
    nth_after,
    period_of,
    preset_after,
    recurrence_errors,
)

D = datetime.date
MONTHLY = Interval(months=1)


def test_one_month_after_31_january_is_the_end_of_february():
    assert D(2026, 1, 31) + MONTHLY.delta() == D(2026, 2, 28)
    assert D(2028, 1, 31) + MONTHLY.delta() == D(2028, 2, 29)


def test_a_fixed_series_counts_from_its_start_so_month_ends_never_drift():
    start = D(2026, 1, 31)
    days = [start]
    for _ in range(3):
        days.append(nth_after(start, MONTHLY, after=days[-1]))
    assert days == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)]


def test_the_next_of_a_series_is_strictly_after_the_day_given():
    start = D(2020, 6, 1)
    assert nth_after(start, Interval(months=12), after=D(2026, 6, 1)) == D(2027, 6, 1)
    assert nth_after(start, Interval(months=12), after=D(2026, 5, 31)) == D(2026, 6, 1)
    assert nth_after(start, Interval(days=1), after=D(2019, 1, 1)) == start
    assert nth_after(start, Interval(weeks=2), after=D(2026, 1, 1)) == D(2026, 1, 5)


@pytest.mark.parametrize(
    ("interval", "day", "period"),
    [
        (Interval(weeks=1), D(2026, 3, 8), (D(2026, 3, 2), D(2026, 3, 8))),
        (Interval(months=1), D(2026, 2, 14), (D(2026, 2, 1), D(2026, 2, 28))),
        (Interval(months=3), D(2026, 5, 31), (D(2026, 4, 1), D(2026, 6, 30))),
        (Interval(months=6), D(2026, 7, 1), (D(2026, 7, 1), D(2026, 12, 31))),
        (Interval(months=12), D(2028, 2, 29), (D(2028, 1, 1), D(2028, 12, 31))),
    ],
)
def test_calendar_periods(interval, day, period):
    assert period_of(day, interval) == period


def test_presets_are_calendar_days():
    weekly_tuesday = Recurrence(preset=Preset.WEEKLY_ON_WEEKDAY, weekday=1)
    assert preset_after(weekly_tuesday, after=D(2026, 3, 3)) == D(2026, 3, 10)
    assert preset_after(weekly_tuesday, after=D(2026, 3, 2)) == D(2026, 3, 3)
    first_monday = Recurrence(preset=Preset.FIRST_MONDAY)
    assert preset_after(first_monday, after=D(2026, 3, 2)) == D(2026, 4, 6)
    assert preset_after(first_monday, after=D(2026, 2, 28)) == D(2026, 3, 2)


def test_the_joint_commission_legacy_windows():
    assert legacy_window(Interval(months=12)) == Interval(days=30)
    assert legacy_window(Interval(months=6)) == Interval(days=20)
    assert legacy_window(Interval(months=3)) == Interval(days=10)
    assert legacy_window(Interval(months=1)) is None


@pytest.mark.parametrize(
    ("recurrence", "anchor", "field"),
    [
        (Recurrence(), Anchor.FIXED, "interval"),
        (Recurrence(Interval(days=1), Preset.FIRST_MONDAY), Anchor.FIXED, "interval"),
        (Recurrence(Interval()), Anchor.FIXED, "interval"),
        (Recurrence(preset="fortnightly"), Anchor.FIXED, "preset"),
        (Recurrence(preset=Preset.EACH_CLINICAL_DAY), Anchor.FROM_COMPLETION, "anchor"),
        (Recurrence(preset=Preset.WEEKLY_ON_WEEKDAY), Anchor.FIXED, "weekday"),
        (Recurrence(preset=Preset.WEEKLY_ON_WEEKDAY, weekday=7), Anchor.FIXED, "weekday"),
        (Recurrence(Interval(months=5)), Anchor.PERIOD, "interval"),
        (Recurrence(Interval(days=10)), Anchor.PERIOD, "interval"),
        (Recurrence(Interval(months=1)), "sometimes", "anchor"),
    ],
)
def test_recurrences_a_person_must_correct(recurrence, anchor, field):
    assert set(recurrence_errors(recurrence, anchor=anchor)) == {field}


@pytest.mark.parametrize(
    ("recurrence", "anchor"),
    [
        (Recurrence(Interval(months=12)), Anchor.FROM_COMPLETION),
        (Recurrence(Interval(months=5)), Anchor.FIXED),
        (Recurrence(Interval(months=3)), Anchor.PERIOD),
        (Recurrence(Interval(weeks=1)), Anchor.PERIOD),
        (Recurrence(preset=Preset.EACH_DAY_OF_USE), Anchor.FIXED),
        (Recurrence(preset=Preset.WEEKLY_ON_WEEKDAY, weekday=0), Anchor.FIXED),
    ],
)
def test_usable_recurrences(recurrence, anchor):
    assert recurrence_errors(recurrence, anchor=anchor) == {}


@pytest.mark.parametrize("value", [-1, 1.5, True, "1"])
def test_an_interval_is_whole_numbers(value):
    with pytest.raises(ValueError, match="whole number"):
        Interval(months=value)
