"""Teach the OpenAPI schema about Imaging Ops' authentication classes."""

from drf_spectacular.authentication import SessionScheme, TokenScheme


class ExpiringTokenScheme(TokenScheme):
    target_class = "imaging_ops.api.authentication.ExpiringTokenAuthentication"


class CheckedSessionScheme(SessionScheme):
    target_class = "imaging_ops.api.authentication.CheckedSessionAuthentication"
