"""Reads of schedules: the lists a person sees, each schedule with its status at a given moment.

Status comes from the stored timeline columns (`window_opens`, `next_due`, `overdue_at`,
`hard_limit_at`), never recomputed from the records: `with_status` says it in SQL, so a list
filters, sorts and counts by status in the database and runs the same few queries for ten
schedules or for thousands. `status_of` says the same in Python for one loaded schedule.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, CharField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from equipment.limits import BandMode
from equipment.models import Check, CheckKind, Procedure, Reference, ReferenceChange, Schedule
from equipment.scheduling import ScheduleStatus, Timeline, status
from imaging_ops.access.scoping import scope
from imaging_ops.sites.local_time import local_time_text


def timeline_of(schedule: Schedule) -> Timeline:
    """The current occurrence's boundaries, as stored on the schedule."""
    return Timeline(
        window_opens=schedule.window_opens,
        due=schedule.next_due,
        overdue_at=schedule.overdue_at,
        hard_limit_at=schedule.hard_limit_at,
    )


def schedule_status(schedule: Schedule, *, now: datetime) -> str:
    """Where the schedule stands at `now` (a ScheduleStatus), paused included."""
    return status(now, timeline=timeline_of(schedule), paused=schedule.paused)


def status_expression(now: datetime) -> Case:
    """equipment.scheduling.status in SQL, over the stored columns: the same order of tests
    (past the hard limit even when paused, then paused, overdue, due, open, upcoming)."""
    return Case(
        When(hard_limit_at__lte=now, then=Value(ScheduleStatus.PAST_HARD_LIMIT)),
        When(paused=True, then=Value(ScheduleStatus.PAUSED)),
        When(overdue_at__lte=now, then=Value(ScheduleStatus.OVERDUE)),
        When(next_due__lte=now, then=Value(ScheduleStatus.DUE)),
        When(window_opens__lte=now, then=Value(ScheduleStatus.OPEN)),
        default=Value(ScheduleStatus.UPCOMING),
        output_field=CharField(),
    )


def with_status(queryset: QuerySet, *, now: datetime) -> QuerySet:
    """The schedules annotated with `state`, their ScheduleStatus at `now`."""
    return queryset.annotate(state=status_expression(now))


def status_filter(statuses, *, now: datetime) -> Q:
    """The schedules whose status at `now` is one of `statuses`, as a condition on the stored
    columns (usable without the annotation, and by an index)."""
    hard = Q(hard_limit_at__lte=now)
    conditions = {
        ScheduleStatus.PAST_HARD_LIMIT: hard,
        ScheduleStatus.PAUSED: ~hard & Q(paused=True),
        ScheduleStatus.OVERDUE: ~hard & Q(paused=False, overdue_at__lte=now),
        ScheduleStatus.DUE: ~hard & Q(paused=False, overdue_at__gt=now, next_due__lte=now),
        ScheduleStatus.OPEN: ~hard & Q(paused=False, next_due__gt=now, window_opens__lte=now),
        ScheduleStatus.UPCOMING: ~hard & Q(paused=False, window_opens__gt=now),
    }
    condition = Q(pk__in=[])
    for value in statuses:
        condition |= conditions[value]
    return condition


def scheduled(user, *, now: datetime) -> QuerySet:
    """Every schedule at the user's sites with `state` at `now`, and what a list shows of it
    loaded in the same query; soonest due first."""
    queryset = scope(Schedule.objects.all(), user).select_related(
        "equipment__site", "equipment__location", "procedure__current_version", "assignee"
    )
    return with_status(queryset, now=now).order_by("next_due", "pk")


def due_within(days: int, *, now: datetime) -> Q:
    """The schedules falling due before `days` from `now` (overdue work included)."""
    return Q(next_due__lt=now + timedelta(days=days))


@dataclass(frozen=True)
class ScheduleRow:
    schedule: Schedule
    timeline: Timeline
    status: str


def schedules_for(user, *, now: datetime, site=None, equipment=None) -> list[ScheduleRow]:
    """The schedules at the user's sites (optionally one site's or one machine's), soonest due
    first, each with its timeline and status at `now`."""
    queryset = scheduled(user, now=now)
    if site is not None:
        queryset = queryset.filter(site=site)
    if equipment is not None:
        queryset = queryset.filter(equipment=equipment)
    return [ScheduleRow(s, timeline_of(s), s.state) for s in queryset]


def references_needed(schedule: Schedule) -> list[str]:
    """The keys of the current version's percent checks that have no reference on this schedule
    yet: each needs one before the schedule's first record."""
    percent = schedule.procedure.current_version.checks.filter(
        kind=CheckKind.NUMERIC, band_mode=BandMode.PERCENT
    ).values_list("key", flat=True)
    have = set(schedule.references.values_list("check_key", flat=True))
    return [key for key in percent if key not in have]


def schedule_page(user, *, now: datetime) -> QuerySet:
    """One schedule as its page shows it, in a fixed number of queries: its machine, its
    procedure's current version with the checks in order (`rows`), and its references each
    with who set it and its history newest first (`changes`)."""
    changes = ReferenceChange.objects.select_related("changed_by").order_by("-changed_at", "-pk")
    references = Reference.objects.select_related("set_by").prefetch_related(
        Prefetch("history", queryset=changes, to_attr="changes")
    )
    return scheduled(user, now=now).prefetch_related(
        Prefetch(
            "procedure__current_version__checks",
            queryset=Check.objects.order_by("position"),
            to_attr="rows",
        ),
        Prefetch("references", queryset=references),
    )


def procedures_applying_to(equipment) -> list:
    """The site's own procedures that apply to this machine (one of its modalities, and its
    category, where the procedure names them) and are not yet scheduled on it, by code; one
    query."""
    taken = Schedule.objects.filter(equipment=equipment).values("procedure")
    candidates = (
        Procedure.objects.filter(site=equipment.site_id, current_version__isnull=False)
        .exclude(pk__in=taken)
        .select_related("current_version")
        .order_by("code", "pk")
    )
    modalities = set(equipment.modalities or ())
    return [
        procedure
        for procedure in candidates
        if (
            not procedure.current_version.modalities
            or modalities & set(procedure.current_version.modalities)
        )
        and (
            not procedure.current_version.categories
            or equipment.category in procedure.current_version.categories
        )
    ]


def hard_limit_blockers(equipment, *, now: datetime | None = None) -> list[str]:
    """The status gate's sentences for the machine's schedules past their hard limit, paused
    ones too: pausing stops reminders, not the regulatory clock. One query."""
    now = now or timezone.now()
    past = (
        Schedule.objects.filter(equipment=equipment, hard_limit_at__lte=now)
        .select_related("procedure__current_version", "equipment__site")
        .order_by("hard_limit_at", "pk")
    )
    return [
        f"{s.procedure.code} ({s.procedure.current_version.name}) is past its hard limit since "
        f"{local_time_text(s.hard_limit_at, s.equipment.site.zone)}: record it, signed, before "
        "service."
        for s in past
    ]
