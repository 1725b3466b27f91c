"""Rate limits counted in Django's default cache, so that every web worker counts together
when the cache is Redis (REDIS_URL set; see settings), and each process alone with the local
memory cache of development and tests.

A limit allows `limit` requests per key (a client address, an e-mail address) in each fixed
window of `window` seconds. The count is one atomic increment (`cache.add` then `cache.incr`,
INCR in Redis), never read-then-write, so two workers cannot both let the last request through.
Keys are hashed: no address or e-mail is stored in the cache in clear.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from imaging_ops.security.lockout import request_address

KEY_PREFIX = "rate-limit"


@dataclass(frozen=True)
class RateLimit:
    """`limit` requests per key in each window of `window` seconds, under `scope`."""

    scope: str
    limit: int
    window: int

    def _key(self, ident: str, window_start: int) -> str:
        digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]
        return f"{KEY_PREFIX}:{self.scope}:{window_start}:{digest}"

    def hit(self, ident: str, *, cache=None, now: float | None = None) -> int | None:
        """Count one request of `ident`; None when it is allowed, else the whole seconds until
        the window ends (the Retry-After)."""
        cache = caches["default"] if cache is None else cache
        now = time.time() if now is None else now
        window_start = int(now // self.window) * self.window
        key = self._key(ident, window_start)
        # Kept a little past its window so a slow clock never resets a count early.
        cache.add(key, 0, timeout=self.window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: this request starts the count
            cache.add(key, 1, timeout=self.window + 5)
            count = 1
        if count <= self.limit:
            return None
        return max(1, int(window_start + self.window - now + 0.999))


def per_minute(scope: str, setting: str) -> RateLimit:
    return RateLimit(scope=scope, limit=getattr(settings, setting), window=60)


def per_hour(scope: str, setting: str) -> RateLimit:
    return RateLimit(scope=scope, limit=getattr(settings, setting), window=3600)


def client_ident(request) -> str:
    """The client's address as the rate limits count it (the connection's, REMOTE_ADDR)."""
    return request_address(request) or "unknown"


def token_limit() -> RateLimit:
    return per_minute("token", "RATE_LIMIT_TOKEN_PER_MINUTE")


def verify_limit() -> RateLimit:
    return per_minute("verify", "RATE_LIMIT_VERIFY_PER_MINUTE")


def password_reset_limit() -> RateLimit:
    return per_hour("password-reset", "RATE_LIMIT_PASSWORD_RESET_PER_HOUR")


class SharedRateThrottle(BaseThrottle):
    """A DRF throttle over a RateLimit per client address; `limit` names the RateLimit."""

    limit = staticmethod(token_limit)

    def allow_request(self, request, view) -> bool:
        self._wait = self.limit().hit(client_ident(request))
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
