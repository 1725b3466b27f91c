"""A site's days as schedules count them: due moments, clinical days and the daily roll-over.

The site's local day (today at the site, a day's start and end, whether it is clinical) comes
from the site itself through `SiteCalendar`; a `Site` satisfies it as it is, and closures and
out-of-service days are passed in as sets of dates, as the services read them.
"""

import datetime
from collections.abc import Collection, Iterator
from typing import Protocol

from django.db import models

from equipment.scheduling.recurrence import Interval

# No site is closed for ten years; a calendar without a working day in that span is an error.
SEARCH_DAYS = 3660


class SiteCalendar(Protocol):
    """What scheduling needs of a site; `imaging_ops.models.Site` provides all of it."""

    opens_at: datetime.time
    closes_at: datetime.time

    @property
    def zone(self) -> datetime.tzinfo: ...

    def local(self, moment: datetime.datetime) -> datetime.datetime: ...

    def today(self, now: datetime.datetime) -> datetime.date: ...

    def day_bounds(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]: ...

    def is_clinical_day(self, day: datetime.date) -> bool: ...


class DueTime(models.TextChoices):
    OPENING = "opening", "Site opening time"
    CLOSING = "closing", "Site closing time (end-of-day surveys)"


def aware(moment: datetime.datetime, *, name: str = "moment") -> datetime.datetime:
    """`moment` if it is a timezone-aware datetime; a naive one raises ValueError."""
    if not isinstance(moment, datetime.datetime):
        raise TypeError(f"`{name}` must be a datetime, not {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"`{name}` is a naive datetime ({moment.isoformat()}); pass a timezone-aware one, "
            "e.g. django.utils.timezone.now()."
        )
    return moment


def time_of_day(calendar: SiteCalendar, due_time: str | datetime.time) -> datetime.time:
    """The clock time a schedule falls due: the site's opening or closing time, or a time given."""
    if isinstance(due_time, datetime.time):
        return due_time
    if due_time == DueTime.OPENING:
        return calendar.opens_at
    if due_time == DueTime.CLOSING:
        return calendar.closes_at
    raise ValueError(f"“{due_time}” is not a due time; choose opening, closing or a clock time.")


def at_local(day: datetime.date, clock: datetime.time, calendar: SiteCalendar):
    """The moment, in UTC, the site's clocks show `clock` on `day`.

    A clock time the site skips (a spring-forward gap) reads with the offset before the change,
    so 02:30 on such a day is the moment the clocks show 03:30; a repeated time is its first.
    """
    local = datetime.datetime.combine(day, clock.replace(tzinfo=None), tzinfo=calendar.zone)
    return local.astimezone(datetime.UTC)


def due_moment(
    day: datetime.date, *, calendar: SiteCalendar, due_time: str | datetime.time = DueTime.OPENING
) -> datetime.datetime:
    """The moment work due on the local `day` falls due, at the schedule's due time."""
    return at_local(day, time_of_day(calendar, due_time), calendar)


def shift(
    moment: datetime.datetime, interval: Interval, *, calendar: SiteCalendar, back: bool = False
) -> datetime.datetime:
    """`moment` moved by `interval` on the site's clocks: the same local time of day, the date
    moved with month-end clamping, whatever daylight-saving change lies between."""
    local = calendar.local(aware(moment))
    delta = interval.delta(-1 if back else 1)
    return at_local((local + delta).date(), local.time(), calendar)


def local_date(moment: datetime.datetime, calendar: SiteCalendar) -> datetime.date:
    return calendar.today(aware(moment))


def is_working_day(day: datetime.date, *, calendar: SiteCalendar, closures: Collection) -> bool:
    """A clinical weekday of the site that is not one of its closures."""
    return calendar.is_clinical_day(day) and day not in closures


def next_working_day(
    day: datetime.date, *, calendar: SiteCalendar, closures: Collection = (), inclusive=False
) -> datetime.date:
    """The first clinical, open day after `day` (or from `day`, when `inclusive`)."""
    candidate = day if inclusive else day + datetime.timedelta(days=1)
    for _ in range(SEARCH_DAYS):
        if is_working_day(candidate, calendar=calendar, closures=closures):
            return candidate
        candidate += datetime.timedelta(days=1)
    raise ValueError(f"The site has no clinical open day within {SEARCH_DAYS} days of {day}.")


def _days(start: datetime.date, end: datetime.date) -> Iterator[datetime.date]:
    for offset in range((end - start).days):
        yield start + datetime.timedelta(days=offset)


def clinical_days_between(
    start: datetime.date,
    end: datetime.date,
    *,
    calendar: SiteCalendar,
    closures: Collection = (),
    out_of_service: Collection = (),
) -> list[datetime.date]:
    """The days from `start` up to, not including, `end` on which daily work is owed: clinical
    weekdays that are neither site closures nor days the equipment was out of service."""
    return [
        day
        for day in _days(start, end)
        if is_working_day(day, calendar=calendar, closures=closures) and day not in out_of_service
    ]


def missed_days(
    now: datetime.datetime,
    *,
    since: datetime.date,
    done_on: Collection,
    calendar: SiteCalendar,
    closures: Collection = (),
    out_of_service: Collection = (),
) -> list[datetime.date]:
    """The finished days from `since` (the schedule's first day, or the last roll-over) that
    owed daily work and have no record: each becomes a MissedOccurrence.

    Today at the site is not finished, so never missed. The answer depends only on the
    arguments, so running the roll-over twice over the same span names the same days.
    """
    today = calendar.today(aware(now, name="now"))
    owed = clinical_days_between(
        since, today, calendar=calendar, closures=closures, out_of_service=out_of_service
    )
    return [day for day in owed if day not in done_on]


def current_daily_due(
    now: datetime.datetime,
    *,
    calendar: SiteCalendar,
    closures: Collection = (),
    due_time: str | datetime.time = DueTime.OPENING,
) -> datetime.datetime:
    """Where a daily schedule stands at `now`: due on today at the site when today is a clinical
    open day, else on the next one. Each local midnight rolls it to the next day."""
    today = calendar.today(aware(now, name="now"))
    day = next_working_day(today, calendar=calendar, closures=closures, inclusive=True)
    return due_moment(day, calendar=calendar, due_time=due_time)


def roll_over(
    now: datetime.datetime,
    *,
    next_due: datetime.datetime,
    calendar: SiteCalendar,
    closures: Collection = (),
    due_time: str | datetime.time = DueTime.OPENING,
) -> datetime.datetime:
    """A daily schedule's due after the local day boundary: unchanged while its day is today
    or later (today's work may be done already), else today's or the next clinical open day's."""
    if local_date(next_due, calendar) >= calendar.today(aware(now, name="now")):
        return next_due
    return current_daily_due(now, calendar=calendar, closures=closures, due_time=due_time)
