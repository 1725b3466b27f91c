"""When each stage of a reminder falls: pure functions of a subject's dates and the site's
zone, with "now" passed in. No database.

A subject's stages are an ascending tuple of `Boundary(code, at)`. The current stage at `now` is
the last boundary not after it; after a gap only that one is claimed (`stage_to_claim`), never
the ones passed on the way.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import models


class StageKind(models.TextChoices):
    LEAD = "lead", "Due soon"
    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"
    ESCALATED = "escalated", "Escalated"
    EXPIRED = "expired", "Expired"


# Stages a person may turn off: the ones before anything is late.
OPTIONAL_KINDS = frozenset({StageKind.LEAD})


@dataclass(frozen=True)
class Boundary:
    """One stage of one due date: its code (`lead-14`, `due`, `overdue`, ...) and when it falls."""

    code: str
    at: dt.datetime

    @property
    def kind(self) -> str:
        return stage_kind(self.code)


def stage_kind(code: str) -> str:
    return code.split("-", 1)[0]


def lead_days(code: str) -> int | None:
    kind, _, days = code.partition("-")
    return int(days) if kind == StageKind.LEAD and days else None


def stage_label(code: str) -> str:
    days = lead_days(code)
    if days is not None:
        return f"Due in {days} days"
    return StageKind(stage_kind(code)).label


def is_optional(code: str) -> bool:
    return stage_kind(code) in OPTIONAL_KINDS


def _shift_local(moment: dt.datetime, zone: ZoneInfo, days: int) -> dt.datetime:
    """`moment` moved by whole local days, keeping its wall-clock time across a clock change."""
    local = moment.astimezone(zone)
    wall = local.replace(tzinfo=None) + dt.timedelta(days=days)
    return wall.replace(tzinfo=zone).astimezone(dt.UTC)


def at_local(day: dt.date, clock: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A site's local day and clock time as a UTC moment."""
    return dt.datetime.combine(day, clock, tzinfo=zone).astimezone(dt.UTC)


def schedule_boundaries(
    *,
    due: dt.datetime,
    overdue_at: dt.datetime,
    zone: ZoneInfo,
    lead: int,
    shortest_interval_days: int,
    escalate_after_days: int,
) -> tuple[Boundary, ...]:
    """A schedule's stages for one due date: due in `lead` days (only where the interval is
    longer than the lead), due, overdue, and escalated `escalate_after_days` after overdue."""
    stages = []
    if lead > 0 and shortest_interval_days > lead:
        stages.append(Boundary(f"{StageKind.LEAD}-{lead}", _shift_local(due, zone, -lead)))
    stages.append(Boundary(StageKind.DUE, due))
    if overdue_at > due:
        stages.append(Boundary(StageKind.OVERDUE, overdue_at))
    else:
        stages.append(Boundary(StageKind.OVERDUE, due))
    stages.append(
        Boundary(StageKind.ESCALATED, _shift_local(stages[-1].at, zone, escalate_after_days))
    )
    # A due and overdue at the same moment are one stage: overdue wins.
    return _distinct(stages)


def expiry_boundaries(
    *,
    expires_on: dt.date,
    leads: tuple[int, ...],
    expired: bool,
    clock: dt.time,
    zone: ZoneInfo,
) -> tuple[Boundary, ...]:
    """An expiring thing's stages: `leads` days before `expires_on` (at the site's `clock`) and,
    if `expired`, on the day itself."""
    stages = [
        Boundary(f"{StageKind.LEAD}-{days}", at_local(expires_on - dt.timedelta(days), clock, zone))
        for days in sorted(leads, reverse=True)
    ]
    if expired:
        stages.append(Boundary(StageKind.EXPIRED, at_local(expires_on, clock, zone)))
    return tuple(stages)


def past_due_boundaries(
    *, due_on: dt.date, clock: dt.time, zone: ZoneInfo, escalate_after_days: int
) -> tuple[Boundary, ...]:
    """Work due on a day and not done by the next morning: overdue, then escalated."""
    overdue = at_local(due_on + dt.timedelta(days=1), clock, zone)
    escalated = at_local(due_on + dt.timedelta(days=1 + escalate_after_days), clock, zone)
    return (Boundary(StageKind.OVERDUE, overdue), Boundary(StageKind.ESCALATED, escalated))


def _distinct(stages: list[Boundary]) -> tuple[Boundary, ...]:
    kept: list[Boundary] = []
    for stage in stages:
        if kept and stage.at <= kept[-1].at:
            kept[-1] = Boundary(stage.code, kept[-1].at)
        else:
            kept.append(stage)
    return tuple(kept)


def current_rank(boundaries: tuple[Boundary, ...], now: dt.datetime) -> int | None:
    """The index of the stage in force at `now` (None before the first)."""
    rank = None
    for index, boundary in enumerate(boundaries):
        if boundary.at <= now:
            rank = index
    return rank


def stage_to_claim(
    boundaries: tuple[Boundary, ...], *, now: dt.datetime, claimed: int | None
) -> Boundary | None:
    """The stage to claim now: the current one if it is later than the last claimed, else none.
    After a gap this is the current stage only; the stages passed on the way are never sent."""
    rank = current_rank(boundaries, now)
    if rank is None or (claimed is not None and rank <= claimed):
        return None
    return boundaries[rank]


def next_reminder(boundaries: tuple[Boundary, ...], *, now: dt.datetime) -> dt.datetime | None:
    """When the sweep should look again: the first stage after `now`, or never."""
    return next((b.at for b in boundaries if b.at > now), None)


def rank_of(boundaries: tuple[Boundary, ...], code: str) -> int | None:
    return next((i for i, b in enumerate(boundaries) if b.code == code), None)
