"""Issuing regulatory logs: the snapshot read, the PDF built, digitally signed and stored with
its hashes and a verification code, in one regulated transaction (a large log by a Celery
task, with its progress on the row and a notification when it is ready); approval with an electronic
signature (compliance.services.log_approval), whose approved file a large log's task makes
too; and each download recorded as an audit event."""

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse

from compliance.documents.log_pages import LogStamp
from compliance.log_kinds import LogKindSpec, log_kind
from compliance.models import LogKind, LogState, RegulatoryLog
from compliance.models.logs import IN_PROGRESS
from compliance.selectors.logs import Period, snapshot_sha256
from imaging_ops.audit.selectors import chain_head
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.errors import Conflict
from imaging_ops.notifications.services import notify
from imaging_ops.pdf_signing import DEVELOPMENT_NOTE, sign_pdf, signing_identity
from imaging_ops.sites.local_time import local_time_text

# Crockford's base 32 without I, L, O and U: nothing read aloud or typed is ambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

LOG_READY_NOTIFICATION = "log_ready"


def new_verification_code() -> str:
    """ "EL-XXXX-XXXX-XXXX": 60 random bits, far beyond guessing at a rate-limited page."""
    groups = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "EL-" + "-".join(groups)


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('verify_log', args=[code])}"


def signed_log_pdf(spec: LogKindSpec, log_snapshot: dict, stamp: dict, *, approval="") -> bytes:
    """Render the snapshot with its stamp and sign the PDF; the development certificate is
    named on every page of what it signs."""
    identity = signing_identity()
    printed = LogStamp(
        **stamp,
        draft=not approval,
        approval=approval,
        signature_note=DEVELOPMENT_NOTE if identity.development else "",
    )
    pdf = spec.build_pdf(log_snapshot, printed)
    reason = "Approved" if approval else "Issued as a draft"
    return sign_pdf(pdf, reason=f"{reason}: {stamp['code']}", identity=identity)


def _render(
    *, spec: LogKindSpec, actor, subject, period: Period, code: str, now: datetime, progress=None
):
    """The snapshot, the signed PDF and the row's fields for `code` as of `now`; `progress(n)`
    hears how far it has gone (per cent)."""
    log_snapshot = spec.snapshot(subject=subject, period=period, now=now, actor=actor)
    if progress:
        progress(40)
    digest = snapshot_sha256(log_snapshot)
    head = chain_head()
    stamp = {
        "generated_by": actor.display_name,
        "generated_at": local_time_text(now, spec.site_of(subject).zone),
        "code": code,
        "verify_url": verify_url(code),
        "snapshot_sha256": digest,
        "chain_seq": head.seq,
        "chain_hash": head.last_hash,
    }
    pdf = signed_log_pdf(spec, log_snapshot, stamp)
    if progress:
        progress(90)
    file_sha256 = hashlib.sha256(pdf).hexdigest()
    fields = {
        "snapshot_sha256": digest,
        "file_sha256": file_sha256,
        "draft_file_sha256": file_sha256,
        "size": len(pdf),
        "entries": spec.entries(log_snapshot),
        "chain_seq": head.seq,
        "chain_hash": head.last_hash,
        "generated_at": now,
        "snapshot": log_snapshot,
        "stamp": stamp,
        "progress": 100,
    }
    return fields, pdf


def _new_log(spec: LogKindSpec, *, subject, period: Period, actor, **fields) -> RegulatoryLog:
    site = spec.site_of(subject)
    return RegulatoryLog(
        kind=spec.kind,
        site=site,
        equipment=subject if subject is not site else None,
        scope_label=spec.scope_label(subject),
        period_start=period.start,
        period_end=period.end,
        requested_by=actor,
        **fields,
    )


def issue_log(*, actor, kind: str, subject, period: Period, now: datetime) -> RegulatoryLog:
    """Read the log of `kind` over `period` for `subject` (the equipment, loaded with
    `loggable_equipment()`, or the site it covers; scoped), render the PDF, sign it and store
    it with its hashes and a fresh verification code, as a draft."""
    spec = log_kind(kind)
    code = new_verification_code()
    fields, pdf = _render(
        spec=spec, actor=actor, subject=subject, period=period, code=code, now=now
    )
    log = _new_log(
        spec, subject=subject, period=period, actor=actor, state=LogState.DRAFT, code=code, **fields
    )
    log.file.save(f"{code}.pdf", ContentFile(pdf), save=False)
    with regulated_transaction(actor=actor):
        log.save()
    return log


def issue_equipment_log(*, actor, equipment, period: Period, now: datetime) -> RegulatoryLog:
    """The equipment log of `equipment` over `period`, issued as a draft (`issue_log`)."""
    return issue_log(actor=actor, kind=LogKind.EQUIPMENT, subject=equipment, period=period, now=now)


def queue_log_work(log_id: int) -> None:
    """Queue the task's work on the log (generation, or a large log's approved file)."""
    from compliance.tasks import generate_log

    generate_log.delay(log_id)


def request_log(
    *, actor, kind: str, subject, period: Period, now: datetime, queue=None
) -> RegulatoryLog:
    """Issue the log at once when it holds at most IMAGING_OPS_LOG_ASYNC_ENTRIES entries; a
    larger one is stored as "being generated" and made by a Celery task, queued once the row
    is committed (`queue(log_id)`, by default the task), which tells the requester when it is
    ready."""
    spec = log_kind(kind)
    entries = spec.count(subject=subject, period=period)
    if entries <= settings.LOG_ASYNC_ENTRIES:
        return issue_log(actor=actor, kind=kind, subject=subject, period=period, now=now)
    queue = queue_log_work if queue is None else queue
    log = _new_log(
        spec,
        subject=subject,
        period=period,
        actor=actor,
        state=LogState.GENERATING,
        code=new_verification_code(),
        entries=entries,
        generated_at=now,
        progress=0,
    )
    with regulated_transaction(actor=actor):
        log.save()
        transaction.on_commit(lambda: queue(log.pk))
    return log


def request_equipment_log(
    *, actor, equipment, period: Period, now: datetime, queue=None
) -> RegulatoryLog:
    """The equipment log of `equipment` over `period` (`request_log`)."""
    return request_log(
        actor=actor,
        kind=LogKind.EQUIPMENT,
        subject=equipment,
        period=period,
        now=now,
        queue=queue,
    )


def set_log_progress(log_id: int, percent: int) -> None:
    # Its own short write, seen by the page while the work goes on; progress is audit-exempt.
    RegulatoryLog.objects.filter(pk=log_id, state__in=IN_PROGRESS).update(progress=percent)


def complete_log(*, log_id: int, now: datetime) -> RegulatoryLog | None:
    """The task's work on a log: generate one asked for as "being generated" (the snapshot as
    of `now`, the signed PDF, then the row, claimed under a lock so that a second run of the
    task changes nothing; the requester is told it is ready), or make the approved file of one
    approved as a large log (`complete_approval`). None when the row is gone or has no work."""
    log = (
        RegulatoryLog.objects.select_related("requested_by", "approved_by", "site")
        .filter(pk=log_id, state__in=IN_PROGRESS)
        .first()
    )
    if log is None:
        return None
    if log.state == LogState.APPROVING:
        from compliance.services.log_approval import complete_approval

        return complete_approval(log=log, now=now)
    spec = log_kind(log.kind)
    subject = spec.subject_of(log)
    period = Period(start=log.period_start, end=log.period_end)
    set_log_progress(log.pk, 10)
    fields, pdf = _render(
        spec=spec,
        actor=log.requested_by,
        subject=subject,
        period=period,
        code=log.code,
        now=now,
        progress=lambda percent: set_log_progress(log.pk, percent),
    )
    with regulated_transaction(actor=log.requested_by):
        locked = RegulatoryLog.objects.select_for_update().get(pk=log.pk)
        if locked.state != LogState.GENERATING:
            return locked
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.state = LogState.DRAFT
        locked.file.save(f"{locked.code}.pdf", ContentFile(pdf), save=False)
        locked.save()
        notify(
            user=log.requested_by,
            site=log.site,
            kind=LOG_READY_NOTIFICATION,
            title=f"Your log {locked.code} is ready",
            body=f"{locked.get_kind_display()} of {locked.scope_label}, "
            f"{locked.period_start.isoformat()} to {locked.period_end.isoformat()}: "
            f"{locked.entries} entries, signed as a draft.",
            url=reverse("compliance:log_detail", args=[locked.pk]),
            now=now,
        )
    return locked


def fail_log(*, log_id: int, reason: str, now: datetime) -> None:
    """Mark a log whose generation failed, and tell the requester to ask for it again; or one
    whose approved file could not be made, its approval kept, and tell the approver."""
    with regulated_transaction():
        log = (
            # Only the log's row is locked: its people and site are joined to read them, and
            # PostgreSQL refuses to lock the nullable side of an outer join.
            RegulatoryLog.objects.select_for_update(of=("self",))
            .select_related("requested_by", "approved_by", "site")
            .filter(pk=log_id, state__in=IN_PROGRESS)
            .first()
        )
        if log is None:
            return
        if log.state == LogState.APPROVING:
            from compliance.services.log_approval import fail_approval

            fail_approval(log, reason=reason, now=now)
            return
        log.state = LogState.FAILED
        log.failure = reason[:2000]
        log.save()
        notify(
            user=log.requested_by,
            site=log.site,
            kind=LOG_READY_NOTIFICATION,
            title=f"Your log {log.code} could not be generated",
            body="Issue it again from the equipment's page or the site's logs; the "
            "administrators have the error.",
            url=reverse("compliance:log_detail", args=[log.pk]),
            now=now,
        )


def log_file_bytes(log: RegulatoryLog) -> bytes:
    """The file as issued (as approved, once approved; the draft while the approved file of a
    large log is being made or could not be made); Conflict while there is none yet."""
    if not log.file:
        if log.state == LogState.FAILED:
            raise Conflict("This log could not be generated; issue it again.")
        raise Conflict("This log is still being generated; it can be downloaded once it is ready.")
    with log.file.open("rb") as stored:
        return stored.read()


def record_log_download(*, actor, log: RegulatoryLog) -> None:
    """Every download of an issued log is an audit event."""
    with regulated_transaction(actor=actor):
        record_event(
            AuditAction.EXPORT,
            target=log,
            changes={"file_sha256": log.file_sha256, "state": log.state},
        )
