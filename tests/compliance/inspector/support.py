"""What the inspector portal's tests share: logs stored as issued (without rendering a PDF,
so a test can make hundreds), and the VIEW events a test's requests left."""

from datetime import date

from django.utils import timezone

from compliance.models import LogKind, LogState, RegulatoryLog
from compliance.services.logs import new_verification_code
from imaging_ops.audit.trail import AuditAction, regulated_transaction
from imaging_ops.models import AuditEvent


def stored_log(actor, equipment, *, state=LogState.DRAFT, now=None) -> RegulatoryLog:
    """A log row as the issuing service stores it, without its file."""
    log = RegulatoryLog(
        kind=LogKind.EQUIPMENT,
        state=state,
        site=equipment.site,
        equipment=equipment,
        scope_label=str(equipment),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        code=new_verification_code(),
        requested_by=actor,
        generated_at=now or timezone.now(),
    )
    with regulated_transaction(actor=actor):
        log.save()
    return log


def views_by(user):
    return AuditEvent.objects.filter(action=AuditAction.VIEW, actor=user).order_by("seq")
