"""API authentication: expiring tokens and the session, both through `account_may_act`."""

import hashlib

from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework import authentication, exceptions

from imaging_ops.access.authority import account_may_act
from imaging_ops.models import ApiToken


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _check_account(user) -> None:
    allowed, why = account_may_act(user, timezone.now())
    if not allowed:
        raise exceptions.AuthenticationFailed(why)


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` with a token that has not expired or been revoked."""

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This token has expired; request a new one.")
        if not constant_time_compare(
            token.password_fingerprint, token.user.get_session_auth_hash()
        ):
            raise exceptions.AuthenticationFailed(
                "The password changed since this token was issued; request a new one."
            )
        _check_account(token.user)
        return token.user, token


class CheckedSessionAuthentication(authentication.SessionAuthentication):
    """The browser session, held to the same account check as tokens."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            _check_account(result[0])
        return result
