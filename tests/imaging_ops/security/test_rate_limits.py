"""Rate limits in the shared cache: the token endpoint and the forgot-password page per client
address (and per address asked for), answered 429 with Retry-After and a clear message, the
counts shared by every web worker through Redis when REDIS_URL is set."""

import ipaddress
import os
import re
import secrets
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.core.cache.backends.redis import RedisCache
from django.test import Client

from imaging_ops.security.rate_limits import RateLimit
from tests import factories

pytestmark = pytest.mark.django_db

# Mid-minute: the requests of one test fall in one window of the fixed-window counts.
MID_MINUTE = datetime(2026, 3, 4, 14, 0, 20, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(MID_MINUTE, tick=False):
        yield


TOKEN_URL = "/api/v1/auth/token/"
FORGOT_URL = "/password/forgot/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


# --- the counter -------------------------------------------------------------------------------


def test_a_limit_allows_its_requests_in_a_window_then_says_how_long_to_wait():
    limit = RateLimit(scope="test", limit=2, window=60)
    assert limit.hit("10.0.0.1", now=120.0) is None
    assert limit.hit("10.0.0.1", now=130.0) is None
    assert limit.hit("10.0.0.1", now=150.5) == 30  # until 180, the window's end, rounded up
    assert limit.hit("10.0.0.2", now=150.5) is None  # another address counts alone
    assert limit.hit("10.0.0.1", now=180.0) is None  # a new window


# --- the token endpoint ------------------------------------------------------------------------


def test_the_token_endpoint_answers_429_with_retry_after_beyond_its_rate(
    settings, api, tech, frozen
):
    settings.RATE_LIMIT_TOKEN_PER_MINUTE = 2
    for _ in range(2):
        ok = api.post(
            TOKEN_URL, {"username": "tess", "password": factories.PASSWORD}, format="json"
        )
        assert ok.status_code == 200
    refused = api.post(
        TOKEN_URL, {"username": "tess", "password": factories.PASSWORD}, format="json"
    )
    assert refused.status_code == 429 and refused["Retry-After"] == "40"
    assert "Too many token requests from this address" in refused.json()["detail"]
    other = api.post(
        TOKEN_URL,
        {"username": "tess", "password": factories.PASSWORD},
        format="json",
        REMOTE_ADDR="192.0.2.7",
    )
    assert other.status_code == 200


# --- forgot password ---------------------------------------------------------------------------


def _forgot(client, email, capture, address="127.0.0.1"):
    with capture(execute=True):
        return client.post(FORGOT_URL, {"email": email}, REMOTE_ADDR=address)


def test_forgot_password_is_limited_per_client_address_with_a_page_not_an_error(
    settings, client, tech, django_capture_on_commit_callbacks
):
    settings.RATE_LIMIT_PASSWORD_RESET_PER_HOUR = 2
    for email in ("a@example.org", "b@example.org"):
        assert _forgot(client, email, django_capture_on_commit_callbacks).status_code == 302
    refused = _forgot(client, "tess@example.org", django_capture_on_commit_callbacks)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many password reset requests" in refused.text and "<form" in refused.text
    assert mail.outbox == []  # tess's address was refused before any link was sent


def test_forgot_password_is_limited_per_address_asked_for_from_any_client(
    settings, client, tech, django_capture_on_commit_callbacks
):
    settings.RATE_LIMIT_PASSWORD_RESET_PER_HOUR = 2
    for address in ("192.0.2.1", "192.0.2.2"):
        response = _forgot(client, "TESS@example.org", django_capture_on_commit_callbacks, address)
        assert response.status_code == 302
    assert len(mail.outbox) == 2
    refused = _forgot(client, "tess@example.org", django_capture_on_commit_callbacks, "192.0.2.3")
    assert refused.status_code == 429 and len(mail.outbox) == 2


def test_the_refusal_reads_the_same_whether_or_not_an_account_has_the_address(
    settings, tech, django_capture_on_commit_callbacks, frozen
):
    settings.RATE_LIMIT_PASSWORD_RESET_PER_HOUR = 1
    answers = []
    for email, address in (("tess@example.org", "192.0.2.1"), ("ghost@example.org", "192.0.2.2")):
        client = Client()
        _forgot(client, email, django_capture_on_commit_callbacks, address)
        refused = _forgot(client, email, django_capture_on_commit_callbacks, address)
        page = CSRF.sub("", refused.text).replace(email, "ADDRESS")
        answers.append((refused.status_code, refused["Retry-After"], page))
    known, unknown = answers
    assert known[0] == unknown[0] == 429
    assert known == unknown


# --- shared by the web workers through Redis ---------------------------------------------------


def _redis_cache() -> RedisCache:
    """A cache client of its own, as another web worker's process would have."""
    from django.conf import settings

    return RedisCache(settings.CACHES["default"]["LOCATION"], {"KEY_PREFIX": "imaging-ops"})


def _fresh_address() -> str:
    """An address no other run has counted (the counts outlive a test by their window)."""
    return str(ipaddress.ip_address(f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"))


@pytest.mark.needs_redis
def test_two_web_workers_share_the_count_through_redis(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert settings.CACHES["default"]["LOCATION"] != os.environ["REDIS_URL"]  # not the broker's db
    first, second = _redis_cache(), _redis_cache()
    assert first._cache is not second._cache  # two clients, two connection pools
    limit = RateLimit(scope="shared", limit=3, window=60)
    ident, now = _fresh_address(), 1_000_040.0  # 20 s into a window
    assert limit.hit(ident, cache=first, now=now) is None
    assert limit.hit(ident, cache=second, now=now) is None
    assert limit.hit(ident, cache=first, now=now) is None
    assert limit.hit(ident, cache=second, now=now) == 40  # the fourth, wherever it lands


@pytest.mark.needs_redis
def test_the_token_endpoint_counts_in_redis(settings, tech, frozen):
    settings.RATE_LIMIT_TOKEN_PER_MINUTE = 2
    address = _fresh_address()
    answers = [
        Client(REMOTE_ADDR=address)
        .post(
            TOKEN_URL,
            {"username": "tess", "password": factories.PASSWORD},
            content_type="application/json",
        )
        .status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 429]
    # Counted in Redis: a client of its own (another worker) sees the count.
    refused = RateLimit(scope="token", limit=2, window=60).hit(address, cache=_redis_cache())
    assert refused is not None
