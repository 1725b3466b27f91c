"""The reminder sweep: every subject whose stage may have moved, in batches, each batch in one
short transaction that claims the current stages by inserting their notices (unique on subject,
due date and stage), moves the subjects' reminder clocks on, and queues delivery after commit.

Queries are bounded by batches: per batch, one read of the subjects, one read of the stages
already claimed (subjects without a stored clock), one insert, one read of the inserts this
sweep won, and one conditional update of the clocks. Pending notices and expired leases are
re-queued at the end, so delivery lost with a worker or a broker is retried.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from compliance.models import LeadTime, NoticeState, ReminderNotice
from compliance.reminders.stages import stage_to_claim
from compliance.reminders.subjects import SUBJECTS
from compliance.reminders.subjects.base import SweepContext
from imaging_ops.health.services import REMINDER_SWEEP, record_heartbeat


@dataclass
class Claim:
    subject_kind: str
    subject_id: int
    due_on: dt.date
    stage: str
    title: str
    site_code: str


@dataclass
class SweepReport:
    claimed: list[Claim] = field(default_factory=list)
    batches: int = 0
    requeued: int = 0
    dry_run: bool = False


def sweep_context() -> SweepContext:
    return SweepContext(
        lead_times={
            (site_id, kind): days
            for site_id, kind, days in LeadTime.objects.values_list(
                "site_id", "procedure_kind", "days"
            )
        },
        default_lead_days=settings.REMINDER_LEAD_DAYS,
        escalate_after_days=settings.REMINDER_ESCALATE_AFTER_DAYS,
    )


def sweep_reminders(
    *, now: dt.datetime, dry_run: bool = False, batch_size: int | None = None, queue=None
) -> SweepReport:
    """Claim every stage that has fallen by `now`; `dry_run` reports what would be claimed and
    writes nothing. `queue(notice_ids)` delivers after each batch commits (default: the
    delivery task)."""
    size = batch_size or settings.REMINDER_BATCH_SIZE
    queue = _queue_delivery if queue is None else queue
    report = SweepReport(dry_run=dry_run)
    context = sweep_context()
    token = uuid.uuid4().hex
    for kind, subject in SUBJECTS.items():
        for candidates in subject.batches(now=now, size=size, context=context):
            report.batches += 1
            claims = [
                (c, stage_to_claim(c.boundaries, now=now, claimed=c.claimed)) for c in candidates
            ]
            wanted = [(c, b) for c, b in claims if b is not None]
            if dry_run:
                report.claimed += [_claim(kind, c, b) for c, b in wanted]
                continue
            with transaction.atomic():
                won = _insert(kind, wanted, now=now, token=token)
                subject.advance(claims, now=now)
                if won:
                    ids = list(won.values())
                    transaction.on_commit(lambda ids=ids: queue(ids))
            report.claimed += [
                _claim(kind, c, b) for c, b in wanted if (c.subject_id, c.due_on, b.code) in won
            ]
    if not dry_run:
        report.requeued = requeue_stale(now=now, queue=queue, skip_sweep=token)
        record_heartbeat(name=REMINDER_SWEEP, now=now)
    return report


def _claim(kind, candidate, boundary) -> Claim:
    return Claim(
        subject_kind=kind,
        subject_id=candidate.subject_id,
        due_on=candidate.due_on,
        stage=boundary.code,
        title=candidate.title,
        site_code=candidate.site.code,
    )


def _insert(kind: str, wanted, *, now, token: str) -> dict:
    """Insert the batch's notices; those this sweep won (another sweep's, or an earlier
    claim's, are left as they are), by (subject, due date, stage) -> notice id."""
    if not wanted:
        return {}
    ReminderNotice.objects.bulk_create(
        [
            ReminderNotice(
                subject_kind=kind,
                subject_id=c.subject_id,
                due_on=c.due_on,
                stage=b.code,
                site=c.site,
                title=c.title[:200],
                stage_at=b.at,
                claimed_at=now,
                sweep=token,
            )
            for c, b in wanted
        ],
        ignore_conflicts=True,
    )
    return {
        (subject_id, due_on, stage): pk
        for pk, subject_id, due_on, stage in ReminderNotice.objects.filter(
            sweep=token, subject_kind=kind, subject_id__in=[c.subject_id for c, _ in wanted]
        ).values_list("pk", "subject_id", "due_on", "stage")
    }


def requeue_stale(*, now: dt.datetime, queue=None, skip_sweep: str = "") -> int:
    """Queue again every notice still pending, or sending with its lease expired (except the
    ones `skip_sweep` has just queued)."""
    queue = _queue_delivery if queue is None else queue
    ids = list(
        ReminderNotice.objects.filter(
            Q(state=NoticeState.PENDING) | Q(state=NoticeState.SENDING, lease_until__lt=now)
        )
        .exclude(sweep=skip_sweep)
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.REMINDER_BATCH_SIZE * 10]
    )
    for start in range(0, len(ids), settings.REMINDER_BATCH_SIZE):
        queue(ids[start : start + settings.REMINDER_BATCH_SIZE])
    return len(ids)


def _queue_delivery(notice_ids: list[int]) -> None:
    from compliance.tasks import deliver_notices

    deliver_notices.delay(list(notice_ids))
