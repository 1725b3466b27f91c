"""The daily roll-over: at each site's local midnight, daily and day-of-use schedules move to
the next clinical day, and each finished clinical day that got no record becomes a
MissedOccurrence.

A daily schedule's stored `next_due` is on the first day that owes work not yet done: any
record that counts moves it past that day. So when that day is before today at the site, every
clinical day from it to yesterday was missed, except closures and the days the equipment was
never in service (those create none; the hard-limit clock keeps running). The task runs every
few minutes and touches only the schedules whose day has passed, in batches, each in a short
transaction; after a run their `next_due` is today or later, so a second run finds nothing, and
the unique (schedule, day) constraint keeps the inserts idempotent under a race as well.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import IntegrityError

from equipment.models import EquipmentStatus, EquipmentStatusChange, MissedOccurrence, Schedule
from equipment.scheduling import DAILY_PRESETS, missed_days
from equipment.scheduling.site_days import local_date
from equipment.services.schedules import CLOSURE_HORIZON, DERIVED_SAVED, move_clock
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.models import SiteClosure

BATCH = 500


def never_in_service_days(changes, *, current: str, days, calendar) -> set[date]:
    """The local days (of `days`) on which the equipment was never in service, from its status
    changes (oldest first) and its current status."""
    changes = sorted(changes, key=lambda c: c.changed_at)
    found = set()
    for day in days:
        start, end = calendar.day_bounds(day)
        before = [c for c in changes if c.changed_at <= start]
        if before:
            at_start = before[-1].to_status
        elif changes:
            at_start = changes[0].from_status or changes[0].to_status
        else:
            at_start = current
        during = [c for c in changes if start < c.changed_at < end]
        if at_start != EquipmentStatus.IN_SERVICE and not any(
            c.to_status == EquipmentStatus.IN_SERVICE for c in during
        ):
            found.add(day)
    return found


def _closures(site, *, now: datetime, since: datetime) -> frozenset:
    """The site's closures in force from the earliest day rolled over to a year ahead."""
    today = site.today(now)
    return frozenset(
        SiteClosure.objects.in_force()
        .filter(site=site, date__gte=local_date(since, site), date__lte=today + CLOSURE_HORIZON)
        .values_list("date", flat=True)
    )


def _batch(now: datetime, after_pk: int) -> list[Schedule]:
    return list(
        Schedule.objects.filter(preset__in=DAILY_PRESETS, next_due__lt=now, pk__gt=after_pk)
        .select_related("equipment__site")
        .order_by("pk")[:BATCH]
    )


def roll_over_daily_schedules(now: datetime) -> int:
    """Roll every daily schedule whose day has passed at its site; the missed days written."""
    written, after_pk, closures = 0, 0, {}
    while batch := _batch(now, after_pk):
        after_pk = batch[-1].pk
        written += _roll_batch(batch, now=now, closures=closures)
    return written


def roll_over_schedules(schedules, *, now: datetime) -> int:
    """Roll the given daily schedules (loaded with their equipment's site) whose day has passed
    at `now`, as the periodic roll-over would; the missed days written. For a caller that owns
    a few schedules' clocks (the demo's history), not the sweep."""
    daily = [s for s in schedules if s.preset in DAILY_PRESETS and s.next_due < now]
    return _roll_batch(daily, now=now, closures={}) if daily else 0


def _roll_batch(batch: list[Schedule], *, now: datetime, closures: dict) -> int:
    due = [
        s for s in batch if local_date(s.next_due, s.equipment.site) < s.equipment.site.today(now)
    ]
    # (The SQL filter `next_due < now` is coarse; the day at the site decides.)
    if not due:
        return 0
    earliest = min(s.next_due for s in due) - timedelta(days=1)
    history = defaultdict(list)
    for change in EquipmentStatusChange.objects.filter(
        equipment__in={s.equipment_id for s in due}, changed_at__gte=earliest
    ).order_by("changed_at"):
        history[change.equipment_id].append(change)
    missed = []
    for schedule in due:
        site = schedule.equipment.site
        if site.pk not in closures:
            closures[site.pk] = _closures(site, now=now, since=earliest)
        since = local_date(schedule.next_due, site)
        span = [since + timedelta(days=n) for n in range((site.today(now) - since).days)]
        idle = never_in_service_days(
            history[schedule.equipment_id],
            current=schedule.equipment.status,
            days=span,
            calendar=site,
        )
        for day in missed_days(
            now,
            since=since,
            done_on=(),
            calendar=site,
            closures=closures[site.pk],
            out_of_service=idle,
        ):
            missed.append(MissedOccurrence(schedule=schedule, day=day))
        move_clock(schedule, now=now, closures=closures[site.pk])
    written = 0
    with regulated_transaction():
        taken = set(
            MissedOccurrence.objects.filter(schedule__in=due).values_list("schedule_id", "day")
        )
        for occurrence in missed:
            if (occurrence.schedule_id, occurrence.day) in taken:
                continue
            try:
                with regulated_transaction():
                    occurrence.save()
                written += 1
            except IntegrityError:
                pass  # another run wrote that day first: the constraint keeps it once
        for schedule in due:
            schedule.save(update_fields=DERIVED_SAVED)
    return written
