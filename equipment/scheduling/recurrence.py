"""How often a schedule recurs: an interval in months, weeks and days, or a calendar preset.

Intervals are added with `relativedelta`, which clamps to the month's end: 31 January plus one
month is 28 February (29 in a leap year). A series of fixed occurrences is always counted from
its start, so 31 January, 28 February, 31 March: the clamp of one month never carries into the
next. Calendar presets (each clinical day, each day of use, weekly on a weekday, the first Monday
of the month) are the only place `rrule` is used.
"""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from dateutil.rrule import MO, MONTHLY, WEEKLY, rrule
from django.db import models


class Anchor(models.TextChoices):
    FIXED = "fixed", "Fixed calendar dates"
    FROM_COMPLETION = "from_completion", "From the last completion"
    PERIOD = "period", "Once in each calendar period"


class Preset(models.TextChoices):
    EACH_CLINICAL_DAY = "each_clinical_day", "Each clinical day"
    EACH_DAY_OF_USE = "each_day_of_use", "Each day of use"
    WEEKLY_ON_WEEKDAY = "weekly_on_weekday", "Weekly on a weekday"
    FIRST_MONDAY = "first_monday", "First Monday of the month"


DAILY_PRESETS = frozenset({Preset.EACH_CLINICAL_DAY, Preset.EACH_DAY_OF_USE})


@dataclass(frozen=True)
class Interval:
    """A span of calendar time: months, weeks and days, each zero or more."""

    months: int = 0
    weeks: int = 0
    days: int = 0

    def __post_init__(self):
        for name in ("months", "weeks", "days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"An interval's {name} must be a whole number, zero or more.")

    @property
    def is_zero(self) -> bool:
        return not (self.months or self.weeks or self.days)

    def delta(self, times: int = 1) -> relativedelta:
        return relativedelta(
            months=self.months * times, weeks=self.weeks * times, days=self.days * times
        )

    def longest_days(self) -> int:
        """An upper bound of the interval's length in days (every month of 31 days)."""
        return self.months * 31 + self.weeks * 7 + self.days


# The Joint Commission's legacy windows for from-completion schedules ("verify locally").
LEGACY_WINDOWS = {
    Interval(months=12): Interval(days=30),
    Interval(months=6): Interval(days=20),
    Interval(months=3): Interval(days=10),
}


def legacy_window(interval: Interval) -> Interval | None:
    """The symmetric window (early and grace alike) for an annual, semiannual or quarterly
    interval under the Joint Commission's legacy definitions; None for any other interval."""
    return LEGACY_WINDOWS.get(interval)


@dataclass(frozen=True)
class Recurrence:
    """An interval, or a calendar preset (with its weekday, 0 = Monday, for weekly ones)."""

    interval: Interval | None = None
    preset: str | None = None
    weekday: int | None = None

    @property
    def is_daily(self) -> bool:
        """Daily and day-of-use work rolls over at each local day boundary."""
        return self.preset in DAILY_PRESETS


def recurrence_errors(recurrence: Recurrence, *, anchor: str) -> dict[str, str]:
    """What is wrong with the recurrence under `anchor`, keyed by field; empty when usable."""
    if anchor not in Anchor.values:
        return {"anchor": f"“{anchor}” is not an anchor; choose fixed, from completion or period."}
    if (recurrence.interval is None) == (recurrence.preset is None):
        return {"interval": "Give either an interval or a calendar preset, not both or neither."}
    if recurrence.preset is not None:
        if recurrence.preset not in Preset.values:
            return {"preset": f"“{recurrence.preset}” is not a calendar preset."}
        if anchor != Anchor.FIXED:
            # A preset names calendar days; a completion or a period cannot move them.
            return {"anchor": "A calendar preset recurs on fixed dates; choose the fixed anchor."}
        if recurrence.preset == Preset.WEEKLY_ON_WEEKDAY and recurrence.weekday not in range(7):
            return {"weekday": "Choose the weekday, Monday to Sunday."}
        return {}
    interval = recurrence.interval
    if interval.is_zero:
        return {"interval": "The interval must be at least one day."}
    if anchor == Anchor.PERIOD and period_months(interval) is None and interval != WEEK:
        return {
            "interval": "A period is one calendar week, or 1, 2, 3, 4, 6 or 12 calendar months."
        }
    return {}


WEEK = Interval(weeks=1)


def period_months(interval: Interval) -> int | None:
    """The months of a calendar period that divides the year evenly, else None."""
    if interval.weeks or interval.days or not interval.months or 12 % interval.months:
        return None
    return interval.months


def period_of(day: datetime.date, interval: Interval) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the calendar period holding `day`: weeks start on Monday,
    months, quarters and half-years count from 1 January."""
    if interval == WEEK:
        first = day - datetime.timedelta(days=day.weekday())
        return first, first + datetime.timedelta(days=6)
    months = period_months(interval)
    if months is None:
        raise ValueError("A period is one calendar week or a whole division of the year.")
    first = datetime.date(day.year, (day.month - 1) // months * months + 1, 1)
    return first, first + relativedelta(months=months, days=-1)


def nth_after(start: datetime.date, interval: Interval, *, after: datetime.date) -> datetime.date:
    """The first occurrence of the series start, start + interval, start + 2 intervals, ...
    that falls after `after`; each is counted from `start`, so month ends never drift."""
    # Skip ahead safely: n intervals can never be longer than n times the longest interval.
    n = max(0, (after - start).days // interval.longest_days()) if after > start else 0
    while (day := start + interval.delta(n)) <= after:
        n += 1
    return day


def preset_after(recurrence: Recurrence, *, after: datetime.date) -> datetime.date:
    """The first day of a weekly or first-Monday preset after `after`."""
    if recurrence.preset == Preset.WEEKLY_ON_WEEKDAY:
        rule = rrule(WEEKLY, byweekday=recurrence.weekday, dtstart=_midnight(after))
    elif recurrence.preset == Preset.FIRST_MONDAY:
        rule = rrule(MONTHLY, byweekday=MO(+1), dtstart=_midnight(after))
    else:
        raise ValueError(f"{recurrence.preset} is not a weekly or monthly preset.")
    return rule.after(_midnight(after)).date()


def _midnight(day: datetime.date) -> datetime.datetime:
    # rrule counts calendar days here; a naive midnight is a date, not a moment.
    return datetime.datetime.combine(day, datetime.time.min)
