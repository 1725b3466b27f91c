"""Reads of schedules: the list a person sees, each with its status at a given moment.

Status comes from the stored columns through equipment.scheduling.status, never recomputed from
the records, so the list runs the same few queries for ten schedules or for thousands.
"""

from dataclasses import dataclass
from datetime import datetime

from equipment.limits import BandMode
from equipment.models import CheckKind, Schedule
from equipment.scheduling import Timeline, hard_limit_at, status, window
from imaging_ops.access.scoping import scope


def timeline_of(schedule: Schedule) -> Timeline:
    """The current occurrence's boundaries, from the stored `next_due`, `overdue_at` and
    `last_done` (the site must be loaded with the equipment)."""
    site = schedule.equipment.site
    return Timeline(
        window_opens=window(
            schedule.next_due,
            calendar=site,
            early=schedule.early,
            anchor=schedule.anchor,
            recurrence=schedule.recurrence,
        ),
        due=schedule.next_due,
        overdue_at=schedule.overdue_at,
        hard_limit_at=hard_limit_at(schedule.last_done, schedule.hard_limit, calendar=site),
    )


def schedule_status(schedule: Schedule, *, now: datetime) -> str:
    """Where the schedule stands at `now` (a ScheduleStatus), paused included."""
    return status(now, timeline=timeline_of(schedule), paused=schedule.paused)


@dataclass(frozen=True)
class ScheduleRow:
    schedule: Schedule
    timeline: Timeline
    status: str


def schedules_for(user, *, now: datetime, site=None, equipment=None) -> list[ScheduleRow]:
    """The schedules at the user's sites (optionally one site's or one machine's), soonest due
    first, each with its timeline and status at `now`."""
    queryset = scope(Schedule.objects.all(), user).select_related(
        "equipment__site", "procedure__current_version", "assignee"
    )
    if site is not None:
        queryset = queryset.filter(equipment__site=site)
    if equipment is not None:
        queryset = queryset.filter(equipment=equipment)
    rows = []
    for schedule in queryset.order_by("next_due", "pk"):
        line = timeline_of(schedule)
        rows.append(ScheduleRow(schedule, line, status(now, timeline=line, paused=schedule.paused)))
    return rows


def references_needed(schedule: Schedule) -> list[str]:
    """The keys of the current version's percent checks that have no reference on this schedule
    yet: each needs one before the schedule's first record."""
    percent = schedule.procedure.current_version.checks.filter(
        kind=CheckKind.NUMERIC, band_mode=BandMode.PERCENT
    ).values_list("key", flat=True)
    have = set(schedule.references.values_list("check_key", flat=True))
    return [key for key in percent if key not in have]
