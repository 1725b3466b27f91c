"""Issuing regulatory logs: the snapshot read, the PDF built and stored with its hashes and a
verification code, in one regulated transaction; and each download recorded as an audit event."""

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse

from compliance.documents.equipment_log import LogStamp, build_equipment_log_pdf
from compliance.models import LogKind, LogState, RegulatoryLog
from compliance.selectors.logs import Period, equipment_log_snapshot, snapshot_sha256
from imaging_ops.audit.selectors import chain_head
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.sites.local_time import local_time_text

# Crockford's base 32 without I, L, O and U: nothing read aloud or typed is ambiguous.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_verification_code() -> str:
    """ "EL-XXXX-XXXX-XXXX": 60 random bits, far beyond guessing at a rate-limited page."""
    groups = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "EL-" + "-".join(groups)


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('verify_log', args=[code])}"


def issue_equipment_log(*, actor, equipment, period: Period, now: datetime) -> RegulatoryLog:
    """Read `equipment` (loaded with `loggable_equipment()` and scoped) over `period`, render
    the PDF and store it with its hashes and a fresh verification code, as a draft."""
    snapshot = equipment_log_snapshot(equipment=equipment, period=period, now=now)
    digest = snapshot_sha256(snapshot)
    code = new_verification_code()
    head = chain_head()
    stamp = LogStamp(
        generated_by=actor.display_name,
        generated_at=local_time_text(now, equipment.site.zone),
        code=code,
        verify_url=verify_url(code),
        snapshot_sha256=digest,
        chain_seq=head.seq,
        chain_hash=head.last_hash,
        draft=True,
    )
    pdf = build_equipment_log_pdf(snapshot, stamp)
    log = RegulatoryLog(
        kind=LogKind.EQUIPMENT,
        state=LogState.DRAFT,
        site=equipment.site,
        equipment=equipment,
        scope_label=f"{equipment.asset_tag} {equipment.name} at {equipment.site.name}",
        period_start=period.start,
        period_end=period.end,
        code=code,
        snapshot_sha256=digest,
        file_sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        entries=len(snapshot["records"]),
        chain_seq=head.seq,
        chain_hash=head.last_hash,
        requested_by=actor,
        generated_at=now,
    )
    log.file.save(f"{code}.pdf", ContentFile(pdf), save=False)
    with regulated_transaction(actor=actor):
        log.save()
    return log


def record_log_download(*, actor, log: RegulatoryLog) -> None:
    """Every download of an issued log is an audit event."""
    with regulated_transaction(actor=actor):
        record_event(AuditAction.EXPORT, target=log, changes={"file_sha256": log.file_sha256})
