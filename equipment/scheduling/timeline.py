"""When a schedule's work opens, falls due, turns overdue and passes its hard limit.

Every interval is counted on the site's clocks (same local time of day, the date moved with
month-end clamping). The early window opens at the start of the local day `early` before the
occurrence; overdue comes `grace` after due, or at the hard limit counted from the last
completion, whichever is first: `overdue_at = min(due + grace, last_done + hard_limit)`.
Every boundary is the first moment of the next state: at `due` exactly the work is due.
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.db import models

from equipment.scheduling.recurrence import (
    Anchor,
    Interval,
    Recurrence,
    nth_after,
    period_of,
    preset_after,
    recurrence_errors,
)
from equipment.scheduling.site_days import (
    DueTime,
    SiteCalendar,
    aware,
    due_moment,
    local_date,
    next_working_day,
    shift,
)

NO_TIME = Interval()


class ScheduleStatus(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    OPEN = "open", "Open"
    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"
    PAST_HARD_LIMIT = "past_hard_limit", "Past hard limit"
    PAUSED = "paused", "Paused"


class Timeliness(models.TextChoices):
    EARLY = "early", "Early"
    ON_TIME = "on_time", "On time"
    IN_GRACE = "in_grace", "In grace"
    LATE = "late", "Late"
    PAST_HARD_LIMIT = "past_hard_limit", "Past hard limit"


# A completion is on time when it came before its occurrence was overdue: early (in the window
# before due), on time, or in the grace after due. Late and past the hard limit are not.
ON_TIME = (Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.IN_GRACE)


def _check(recurrence: Recurrence, anchor: str) -> None:
    if errors := recurrence_errors(recurrence, anchor=anchor):
        raise ValueError(" ".join(errors.values()))


def _period_due(day: datetime.date, recurrence: Recurrence, calendar: SiteCalendar):
    # A period's work is due by the end of its last day: the first moment of the next period.
    _first, last = period_of(day, recurrence.interval)
    return calendar.day_bounds(last)[1]


def occurrence_day(due: datetime.datetime, *, anchor: str, calendar: SiteCalendar):
    """The local day an occurrence belongs to: its due day, or a period's last day (whose due is
    the midnight that ends it)."""
    if anchor == Anchor.PERIOD:
        return local_date(due - datetime.timedelta(microseconds=1), calendar)
    return local_date(due, calendar)


def first_due(
    *,
    anchor: str,
    recurrence: Recurrence,
    start: datetime.date,
    calendar: SiteCalendar,
    due_time: str | datetime.time = DueTime.OPENING,
    closures: Collection = (),
) -> datetime.datetime:
    """The first occurrence of a new schedule starting on the local date `start`."""
    _check(recurrence, anchor)
    if anchor == Anchor.PERIOD:
        return _period_due(start, recurrence, calendar)
    if recurrence.is_daily:
        day = next_working_day(start, calendar=calendar, closures=closures, inclusive=True)
    elif recurrence.preset is not None:
        day = preset_after(recurrence, after=start - datetime.timedelta(days=1))
    else:
        day = start
    return due_moment(day, calendar=calendar, due_time=due_time)


def next_due(
    *,
    anchor: str,
    recurrence: Recurrence,
    calendar: SiteCalendar,
    satisfied_due: datetime.datetime | None = None,
    performed_at: datetime.datetime | None = None,
    start: datetime.date | None = None,
    due_time: str | datetime.time = DueTime.OPENING,
    closures: Collection = (),
) -> datetime.datetime:
    """The occurrence after a completion.

    `fixed`: the next date of the series from `start` (default: the satisfied due's date) after
    the satisfied one, whenever the work was done. `from_completion`: the local date of
    `performed_at` plus the interval. `period`: the end of the period after the satisfied one
    (or after the one `performed_at` falls in). Daily presets: the next clinical open day after
    the later of the satisfied day and the day performed.
    """
    _check(recurrence, anchor)
    if anchor == Anchor.FROM_COMPLETION:
        if performed_at is None:
            raise ValueError("A from-completion schedule needs the moment the work was done.")
        day = local_date(performed_at, calendar) + recurrence.interval.delta()
        return due_moment(day, calendar=calendar, due_time=due_time)
    if satisfied_due is None and performed_at is None:
        raise ValueError("Give the due date satisfied, or the moment the work was done.")
    days = []
    if satisfied_due is not None:
        days.append(occurrence_day(satisfied_due, anchor=anchor, calendar=calendar))
    if performed_at is not None and (recurrence.is_daily or satisfied_due is None):
        days.append(local_date(performed_at, calendar))
    after = max(days)
    if anchor == Anchor.PERIOD:
        _first, last = period_of(after, recurrence.interval)
        return _period_due(last + datetime.timedelta(days=1), recurrence, calendar)
    if recurrence.is_daily:
        day = next_working_day(after, calendar=calendar, closures=closures)
    elif recurrence.preset is not None:
        day = preset_after(recurrence, after=after)
    else:
        day = nth_after(start or after, recurrence.interval, after=after)
    return due_moment(day, calendar=calendar, due_time=due_time)


def window(
    due: datetime.datetime,
    *,
    calendar: SiteCalendar,
    early: Interval = NO_TIME,
    anchor: str = Anchor.FIXED,
    recurrence: Recurrence | None = None,
) -> datetime.datetime:
    """The moment the work opens: the start of the local day `early` before the occurrence's
    first day (its due day; for a period, the period's first day)."""
    day = occurrence_day(aware(due, name="due"), anchor=anchor, calendar=calendar)
    if anchor == Anchor.PERIOD:
        if recurrence is None:
            raise ValueError("A period's window needs its recurrence.")
        day, _last = period_of(day, recurrence.interval)
    return calendar.day_bounds(day - early.delta())[0]


def hard_limit_at(
    last_done: datetime.datetime | None, hard_limit: Interval | None, *, calendar: SiteCalendar
) -> datetime.datetime | None:
    """The moment `hard_limit` after the last completion, or None without either."""
    if last_done is None or hard_limit is None:
        return None
    return shift(aware(last_done, name="last_done"), hard_limit, calendar=calendar)


def overdue_at(
    due: datetime.datetime,
    *,
    calendar: SiteCalendar,
    grace: Interval = NO_TIME,
    last_done: datetime.datetime | None = None,
    hard_limit: Interval | None = None,
) -> datetime.datetime:
    """`min(due + grace, last_done + hard_limit)`: the hard limit wins when it comes first.
    Site closures never move it."""
    end_of_grace = shift(aware(due, name="due"), grace, calendar=calendar)
    limit = hard_limit_at(last_done, hard_limit, calendar=calendar)
    return end_of_grace if limit is None else min(end_of_grace, limit)


@dataclass(frozen=True)
class Timeline:
    """An occurrence's boundaries, in UTC; `hard_limit_at` is None without a hard limit."""

    window_opens: datetime.datetime
    due: datetime.datetime
    overdue_at: datetime.datetime
    hard_limit_at: datetime.datetime | None = None


def timeline(
    due: datetime.datetime,
    *,
    calendar: SiteCalendar,
    early: Interval = NO_TIME,
    grace: Interval = NO_TIME,
    last_done: datetime.datetime | None = None,
    hard_limit: Interval | None = None,
    anchor: str = Anchor.FIXED,
    recurrence: Recurrence | None = None,
) -> Timeline:
    """The window, due, overdue and hard-limit moments of the occurrence due at `due`."""
    return Timeline(
        window_opens=window(
            due, calendar=calendar, early=early, anchor=anchor, recurrence=recurrence
        ),
        due=aware(due, name="due"),
        overdue_at=overdue_at(
            due, calendar=calendar, grace=grace, last_done=last_done, hard_limit=hard_limit
        ),
        hard_limit_at=hard_limit_at(last_done, hard_limit, calendar=calendar),
    )


def status(now: datetime.datetime, *, timeline: Timeline, paused: bool = False) -> str:
    """Where the occurrence stands at `now` (a ScheduleStatus).

    Paused equipment pauses reminders, not the regulatory clock: `paused` reports PAUSED in
    place of upcoming, open, due or overdue, but a schedule past its hard limit says so even
    when paused, because it blocks the return to service. Call with `paused=False` for the
    clock's own answer; the timeline's moments never move while paused.
    """
    now = aware(now, name="now")
    if timeline.hard_limit_at is not None and now >= timeline.hard_limit_at:
        return ScheduleStatus.PAST_HARD_LIMIT
    if paused:
        return ScheduleStatus.PAUSED
    if now >= timeline.overdue_at:
        return ScheduleStatus.OVERDUE
    if now >= timeline.due:
        return ScheduleStatus.DUE
    if now >= timeline.window_opens:
        return ScheduleStatus.OPEN
    return ScheduleStatus.UPCOMING


def timeliness(performed_at: datetime.datetime, *, timeline: Timeline) -> str:
    """How a record performed at `performed_at` met the occurrence it satisfies (a Timeliness):
    early before the window, on time before due, in grace before overdue, late after, and past
    the hard limit from that moment on."""
    performed_at = aware(performed_at, name="performed_at")
    if timeline.hard_limit_at is not None and performed_at >= timeline.hard_limit_at:
        return Timeliness.PAST_HARD_LIMIT
    if performed_at < timeline.window_opens:
        return Timeliness.EARLY
    if performed_at < timeline.due:
        return Timeliness.ON_TIME
    if performed_at < timeline.overdue_at:
        return Timeliness.IN_GRACE
    return Timeliness.LATE
