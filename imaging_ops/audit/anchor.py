"""The daily anchor: the chain head mailed outside the database, so a cut chain is caught."""

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail

from imaging_ops.models import AuditChainHead


def send_audit_anchor_email(*, now: datetime) -> bool:
    """Mail the chain head (seq and hash) to SECURITY_CONTACT_EMAIL; False when none is set.

    Kept outside the database, the mail is the anchor `verify_audit --anchor` checks against,
    so a chain cut short after it is caught.
    """
    recipient = getattr(settings, "SECURITY_CONTACT_EMAIL", "")
    if not recipient:
        return False
    head = AuditChainHead.objects.get(pk=1)
    send_mail(
        subject=f"Imaging Ops audit anchor #{head.seq} ({now:%Y-%m-%d})",
        message=(
            f"The audit trail's head at {now.isoformat()}:\n\n"
            f"  seq:  {head.seq}\n  hash: {head.last_hash}\n\n"
            "Keep this message. To check that no event up to it was changed, removed or forged:\n"
            f"  python manage.py verify_audit --anchor {head.seq}:{head.last_hash}\n"
        ),
        from_email=None,
        recipient_list=[recipient],
    )
    return True
