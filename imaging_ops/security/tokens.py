"""API tokens: issued on sign-in through the API, expiring, bound to the password."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings

from imaging_ops.api.authentication import hash_key
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.models import ApiToken


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
