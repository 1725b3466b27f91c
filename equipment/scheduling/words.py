"""A recurrence said in words, as the procedure and schedule pages show it: "Every 12 months,
counted from the last completion; open 30 days early, 30 days of grace; never more than 14
months after the last completion."

Pure: it reads the same values the scheduling rules take and decides nothing.
"""

from equipment.scheduling.recurrence import Anchor, Interval, Preset, Recurrence, period_months

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PERIODS = {1: "month", 2: "two months", 3: "quarter", 4: "four months", 6: "half-year", 12: "year"}


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def interval_words(interval: Interval) -> str:
    """ "12 months", "1 month and 2 weeks", "1 day"."""
    parts = [
        _count(number, unit)
        for number, unit in (
            (interval.months, "month"),
            (interval.weeks, "week"),
            (interval.days, "day"),
        )
        if number
    ]
    return _listed(parts) if parts else "no time"


def _every(interval: Interval) -> str:
    units = [n for n in (interval.months, interval.weeks, interval.days) if n]
    if units == [1]:
        unit = "month" if interval.months else "week" if interval.weeks else "day"
        return f"Every {unit}"
    return f"Every {interval_words(interval)}"


def _preset_words(recurrence: Recurrence) -> str:
    if recurrence.preset == Preset.WEEKLY_ON_WEEKDAY and recurrence.weekday in range(7):
        return f"Weekly on {WEEKDAYS[recurrence.weekday]}s"
    if recurrence.preset == Preset.FIRST_MONDAY:
        return "On the first Monday of each month"
    return Preset(recurrence.preset).label


def _cadence(anchor: str, recurrence: Recurrence) -> str:
    if recurrence.preset:
        return _preset_words(recurrence)
    interval = recurrence.interval
    if anchor == Anchor.PERIOD:
        months = period_months(interval)
        if months in PERIODS:
            return f"Once in each calendar {PERIODS[months]}"
        return "Once in each calendar week"
    if anchor == Anchor.FROM_COMPLETION:
        return f"{_every(interval)}, counted from the last completion"
    return f"{_every(interval)}, on fixed calendar dates"


def recurrence_words(
    *,
    anchor: str,
    recurrence: Recurrence,
    early: Interval | None = None,
    grace: Interval | None = None,
    hard_limit: Interval | None = None,
) -> str:
    """The recurrence, its early window, its grace and its hard limit as one sentence."""
    clauses = [_cadence(anchor, recurrence)]
    window = []
    if early is not None and not early.is_zero:
        window.append(f"open {interval_words(early)} early")
    if grace is not None and not grace.is_zero:
        window.append(f"{interval_words(grace)} of grace")
    if window:
        clauses.append(_listed(window))
    if hard_limit is not None and not hard_limit.is_zero:
        clauses.append(f"never more than {interval_words(hard_limit)} after the last completion")
    return "; ".join(clauses) + "."
