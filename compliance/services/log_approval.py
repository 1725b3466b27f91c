"""Approving a regulatory log with an electronic signature (meaning "approved"): who may, in
which states, and the approved file — the stored snapshot rendered again with the signature's
manifestation in place of the draft mark and signed. A small log's approved file is made in the
request; a large one's (more than IMAGING_OPS_LOG_ASYNC_ENTRIES entries) by the generation task,
the signature recorded in the request, with its progress on the row and a notification."""

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse

from compliance.log_kinds import log_kind
from compliance.models import LogState, RegulatoryLog
from compliance.selectors.logs import snapshot_sha256
from compliance.services import logs as issuing
from imaging_ops.access.permissions import FULL, NONE, Action, grant_for, grants
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.errors import Conflict
from imaging_ops.models import Meaning, Signature
from imaging_ops.notifications.services import notify
from imaging_ops.records.signatures import (
    check_document_signature,
    manifestation,
    printed_name,
    signed_content_hash,
    write_document_signature,
)


def approval_refusal(user, log: RegulatoryLog) -> str | None:
    """Why `user` may not approve `log`, or None where they may: the matrix's "approve
    regulatory logs" at the log's site, for the kind of log their grant covers."""
    grant = grant_for(user, Action.APPROVE_LOGS, log.site_id)
    if grant is NONE:
        return f"You are not allowed to {Action.APPROVE_LOGS.label.lower()} here."
    if grant is FULL:
        return None
    approvers = log_kind(log.kind).approvers
    if approvers is None or not grants(grant, approvers):
        return (
            f"You may approve only {grant} at this site, not the {log.get_kind_display().lower()}."
        )
    return None


def approval_conflict(log: RegulatoryLog) -> str | None:
    """Why `log` cannot be approved as it stands, or None."""
    if log.state == LogState.APPROVED:
        return "This log is already approved; its approved file is the one issued."
    if log.state == LogState.APPROVING:
        return "This log is already approved; its approved file is being made."
    if log.state == LogState.APPROVAL_FAILED:
        return (
            "This log is already approved, but its approved file could not be made; "
            "make it again from the log's page."
        )
    if log.state == LogState.FAILED:
        return "This log could not be generated; issue it again."
    if log.state != LogState.DRAFT:
        return "This log is not ready yet; approve it once it has been generated."
    if not log.snapshot or snapshot_sha256(log.snapshot) != log.snapshot_sha256:
        return (
            "This log was issued without the snapshot it was rendered from, so it cannot be "
            "re-rendered exactly; issue a new log for the period and approve that one."
        )
    return None


def approve_log(
    *,
    log: RegulatoryLog,
    signer,
    password: str,
    username: str | None = None,
    meaning: str = Meaning.APPROVED,
    session=None,
    via_api: bool = False,
    acknowledge_policy: bool = False,
    now: datetime,
    queue=None,
) -> RegulatoryLog:
    """Approve a draft log with the signer's electronic signature (meaning "approved"): the
    stored snapshot is rendered again with the signature's manifestation in place of the draft
    mark, signed, and stored as the log's file; the draft's SHA-256 stays on the row.

    A log of more than IMAGING_OPS_LOG_ASYNC_ENTRIES entries is approved in two steps: the
    signature is checked and stored here, the log is left "approved; the approved file is
    being made" and the file is rendered and signed by the generation task, queued once the
    row is committed (`queue(log_id)`), which tells the approver when it is ready.

    Raises PermissionDenied (not an approver of this kind of log here), Conflict (approved
    already, or no snapshot to re-render) or ValidationError (the signature's fields, a wrong
    password). Nothing changes unless all pass."""
    refusal = approval_refusal(signer, log)
    if refusal:
        raise PermissionDenied(refusal)
    conflict = approval_conflict(log)
    if conflict:
        raise Conflict(conflict)
    check_document_signature(
        document=log,
        signer=signer,
        meaning=meaning,
        password=password,
        username=username,
        session=session,
        via_api=via_api,
        acknowledge_policy=acknowledge_policy,
        now=now,
    )
    signing = {
        "signer": signer,
        "meaning": meaning,
        "acknowledge_policy": acknowledge_policy,
        "now": now,
        "session": session,
        "via_api": via_api,
    }
    if log.entries > settings.LOG_ASYNC_ENTRIES:
        return _approve_later(
            log, signing, queue=issuing.queue_log_work if queue is None else queue
        )
    # Rendered and signed before the lock is taken (a large log takes seconds): the
    # manifestation is known before the signature is written, from what it will store.
    approval = manifestation(
        Signature(
            site=log.site,
            printed_name=printed_name(signer),
            credentials=signer.credentials,
            meaning=meaning,
            signed_at=now,
        )
    )
    pdf = issuing.signed_log_pdf(log_kind(log.kind), log.snapshot, log.stamp, approval=approval)
    with regulated_transaction(actor=signer):
        locked, signature = _locked_for_approval(log, signing)
        if manifestation(signature) != approval:
            raise Conflict("Your name or credentials changed while signing; approve again.")
        locked.file.save(f"{locked.code}-approved.pdf", ContentFile(pdf), save=False)
        locked.file_sha256 = hashlib.sha256(pdf).hexdigest()
        locked.size = len(pdf)
        locked.state = LogState.APPROVED
        locked.approved_by = signer
        locked.approved_at = now
        locked.save()
    return locked


def _locked_for_approval(log: RegulatoryLog, signing: dict) -> tuple[RegulatoryLog, Signature]:
    """Inside the caller's regulated transaction: the log locked, still approvable, and the
    approval signature written on it."""
    locked = (
        RegulatoryLog.objects.select_for_update(of=("self",)).select_related("site").get(pk=log.pk)
    )
    conflict = approval_conflict(locked)
    if conflict:
        raise Conflict(conflict)
    signature = write_document_signature(document=locked, site_id=locked.site_id, **signing)
    return locked, signature


def _approve_later(log: RegulatoryLog, signing: dict, *, queue) -> RegulatoryLog:
    """The signature recorded now, the approved file left to the task."""
    signer, now = signing["signer"], signing["now"]
    with regulated_transaction(actor=signer):
        locked, _signature = _locked_for_approval(log, signing)
        locked.state = LogState.APPROVING
        locked.approved_by = signer
        locked.approved_at = now
        locked.progress = 0
        locked.failure = ""
        locked.save()
        transaction.on_commit(lambda: queue(locked.pk))
    return locked


def approval_signature(log: RegulatoryLog) -> Signature:
    """The signature that approved `log` (meaning "approved"), with its site."""
    return log.signatures.select_related("site").filter(meaning=Meaning.APPROVED).latest("pk")


def complete_approval(*, log: RegulatoryLog, now: datetime) -> RegulatoryLog:
    """Make the approved file of a log approved as a large one: the stored snapshot rendered
    with the recorded signature's manifestation, signed, stored as the log's file under a lock
    (a second run changes nothing); the approver is told it is ready."""
    signature = approval_signature(log)
    if signature.content_hash != signed_content_hash(log):
        # The row no longer says what was signed: better no approved file than a false one.
        raise Conflict(f"Log {log.code} no longer matches its approval signature.")
    issuing.set_log_progress(log.pk, 10)
    pdf = issuing.signed_log_pdf(
        log_kind(log.kind), log.snapshot, log.stamp, approval=manifestation(signature)
    )
    issuing.set_log_progress(log.pk, 90)
    with regulated_transaction(actor=log.approved_by):
        locked = RegulatoryLog.objects.select_for_update().get(pk=log.pk)
        if locked.state != LogState.APPROVING:
            return locked
        locked.file.save(f"{locked.code}-approved.pdf", ContentFile(pdf), save=False)
        locked.file_sha256 = hashlib.sha256(pdf).hexdigest()
        locked.size = len(pdf)
        locked.state = LogState.APPROVED
        locked.progress = 100
        locked.save()
        notify(
            user=log.approved_by,
            site=log.site,
            kind=issuing.LOG_READY_NOTIFICATION,
            title=f"The approved log {locked.code} is ready",
            body=f"{locked.get_kind_display()} of {locked.scope_label}, "
            f"{locked.period_start.isoformat()} to {locked.period_end.isoformat()}: "
            f"{locked.entries} entries, signed with your approval.",
            url=reverse("compliance:log_detail", args=[locked.pk]),
            now=now,
        )
    return locked


def fail_approval(log: RegulatoryLog, *, reason: str, now: datetime) -> None:
    """Inside `fail_log`'s transaction, `log` locked: the approved file could not be made. The
    approval stands (its signature is recorded); only the file is to be made again."""
    log.state = LogState.APPROVAL_FAILED
    log.failure = reason[:2000]
    log.save()
    notify(
        user=log.approved_by,
        site=log.site,
        kind=issuing.LOG_READY_NOTIFICATION,
        title=f"The approved file of log {log.code} could not be made",
        body="Your approval is recorded; make the approved file again from the log's page. "
        "Until then the file issued is the draft. The administrators have the error.",
        url=reverse("compliance:log_detail", args=[log.pk]),
        now=now,
    )


def remake_approved_file(*, log: RegulatoryLog, actor, queue=None) -> RegulatoryLog:
    """Queue the approved file of a log whose making failed again, by someone who may approve
    it; the recorded approval is not signed again. PermissionDenied or Conflict otherwise."""
    refusal = approval_refusal(actor, log)
    if refusal:
        raise PermissionDenied(refusal)
    queue = issuing.queue_log_work if queue is None else queue
    with regulated_transaction(actor=actor):
        locked = RegulatoryLog.objects.select_for_update().get(pk=log.pk)
        if locked.state != LogState.APPROVAL_FAILED:
            raise Conflict("Only an approved log whose approved file could not be made is remade.")
        locked.state = LogState.APPROVING
        locked.progress = 0
        locked.failure = ""
        locked.save()
        transaction.on_commit(lambda: queue(locked.pk))
    return locked
