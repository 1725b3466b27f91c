"""Writes of the shared core: API tokens and the worker heartbeat."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from .api.authentication import hash_key
from .models import ApiToken, Heartbeat


def issue_api_token(*, user, now: datetime) -> tuple[ApiToken, str]:
    """A new token for the user; the key is returned once and only its hash is kept."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=hash_key(key),
        expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    return token, key


def record_heartbeat(*, name: str, now: datetime) -> None:
    with transaction.atomic():
        Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": now})
