"""Writes of the shared core: API tokens and the worker heartbeat."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .api.authentication import hash_key
from .audit import AuditAction, record_event, regulated_transaction
from .models import ApiToken, AuditChainHead, Heartbeat


def issue_api_token(*, user, now: datetime) -> tuple[ApiToken, str]:
    """A new token for the user, recorded as a sign-in; the key is returned once and only its
    hash is kept."""
    key = secrets.token_urlsafe(32)
    with regulated_transaction(actor=user):
        token = ApiToken.objects.create(
            user=user,
            key_hash=hash_key(key),
            # Bound to the password: a changed or reset password ends every token issued before.
            password_fingerprint=user.get_session_auth_hash(),
            expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
        record_event(
            AuditAction.LOGIN,
            target=user,
            actor=user,
            site_id=user.home_site_id,
            changes={"via": "API token", "token_expires_at": token.expires_at},
        )
    return token, key


def record_heartbeat(*, name: str, now: datetime) -> None:
    with transaction.atomic():
        Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": now})


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
