"""The subject interface: what the sweep and delivery ask of each kind of reminded thing.

A kind of subject is one module with one `Subject` subclass, registered in `SUBJECTS`
(compliance.reminders.subjects). It answers four questions, each for a whole batch at once so
that queries stay bounded by batches, not rows:

- `batches(now, size, context)`: the subjects whose stages may have moved, as `Candidate`s
  (subject id, site, due date, the stages of that due date, the rank already claimed);
- `advance(claims, now)`: store where each candidate's reminders stand (schedules keep a stored
  clock, `next_reminder_at`; the others are read again by their own indexed dates and need none);
- `still_current(notices)`: which notices are still about the subject's current due date (work
  recorded, a work order closed or a licence renewed cancels the rest);
- `describe(notices)`: who is told (`Targets`), what the message says and where its link goes.

The rank already claimed is read from the notices themselves (`_fill_claimed`, one query per
batch), so a change of lead times between two stages never hides a stage. `RowSubject` is the
base for subjects without a stored reminder clock.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Model, QuerySet

from compliance.reminders.stages import Boundary, rank_of
from imaging_ops.models import Site


@dataclass
class SweepContext:
    """What a sweep reads once: the lead-time table and the reminder settings."""

    lead_times: dict[tuple[int, str], int]
    default_lead_days: int
    escalate_after_days: int

    def lead(self, site_id: int, procedure_kind: str) -> int:
        return self.lead_times.get((site_id, procedure_kind), self.default_lead_days)


@dataclass
class Candidate:
    subject_id: int
    site: Site
    due_on: dt.date
    title: str
    boundaries: tuple[Boundary, ...]
    claimed: int | None = None
    row: Model | None = None


@dataclass
class Targets:
    """Who hears of one notice: people by id, and roles at the notice's site."""

    users: set[int] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)


@dataclass
class Message:
    targets: Targets
    body: str
    path: str


class Subject:
    kind: str = ""

    def batches(self, *, now: dt.datetime, size: int, context: SweepContext) -> Iterator:
        raise NotImplementedError

    def advance(self, claims: list[tuple[Candidate, Boundary | None]], *, now) -> None:
        """Store where each candidate's reminders now stand; a no-op without a stored clock."""

    def still_current(self, notices) -> set[int]:
        raise NotImplementedError

    def describe(self, notices) -> dict[int, Message]:
        raise NotImplementedError

    def _fill_claimed(self, candidates: list[Candidate]) -> None:
        from compliance.models import ReminderNotice

        if not candidates:
            return
        claimed = defaultdict(list)
        for subject_id, due_on, stage in ReminderNotice.objects.filter(
            subject_kind=self.kind,
            subject_id__in=[c.subject_id for c in candidates],
            due_on__in={c.due_on for c in candidates},
        ).values_list("subject_id", "due_on", "stage"):
            claimed[subject_id, due_on].append(stage)
        for candidate in candidates:
            ranks = [
                rank
                for code in claimed[candidate.subject_id, candidate.due_on]
                if (rank := rank_of(candidate.boundaries, code)) is not None
            ]
            candidate.claimed = max(ranks, default=None)


class RowSubject(Subject):
    """A subject found by its own indexed dates each sweep (site identifiers, work orders,
    training records): subclasses give `rows()` and `candidate()`."""

    def rows(self, *, now: dt.datetime) -> QuerySet:
        raise NotImplementedError

    def candidate(self, row, *, now: dt.datetime, context: SweepContext) -> Candidate | None:
        raise NotImplementedError

    def batches(self, *, now, size, context):
        after = 0
        while True:
            rows = list(self.rows(now=now).filter(pk__gt=after).order_by("pk")[:size])
            if not rows:
                return
            after = rows[-1].pk
            candidates = [c for r in rows if (c := self.candidate(r, now=now, context=context))]
            self._fill_claimed(candidates)
            yield candidates
            if len(rows) < size:
                return
