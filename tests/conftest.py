"""Shared test setup: service markers, named people at two sites, and an API client.

Tests that need PostgreSQL, Redis, Chromium or poppler-utils carry `needs_postgres`,
`needs_redis`, `needs_browser` or `needs_poppler`. Outside CI they skip when the service is
missing, and pytest's summary counts the skips; with CI=true a missing service fails the test
instead.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from imaging_ops.vocabulary import Role
from tests import factories

pytest_plugins = ["tests.validation_report"]

CHROMIUM = "/usr/bin/chromium"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _postgres_missing() -> str | None:
    if "postgresql" not in django_settings.DATABASES["default"]["ENGINE"]:
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    return None


def _redis_missing() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "needs Redis: set REDIS_URL=redis://..."
    if not _reachable(url, 6379):
        return f"needs Redis: {url} does not answer"
    return None


def _browser_missing() -> str | None:
    if not shutil.which(CHROMIUM):
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs Playwright for Python (make test installs it)"
    return None


def _poppler_missing() -> str | None:
    missing = [tool for tool in ("pdftoppm", "pdftotext", "pdfsig") if not shutil.which(tool)]
    if missing:
        return f"needs poppler-utils ({', '.join(missing)}): apt-get install poppler-utils"
    return None


SERVICE_CHECKS = {
    "needs_postgres": _postgres_missing,
    "needs_redis": _redis_missing,
    "needs_browser": _browser_missing,
    "needs_poppler": _poppler_missing,
}


def pytest_runtest_setup(item):
    in_ci = os.environ.get("CI", "").lower() == "true"
    for marker, check in SERVICE_CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        missing = check()
        if missing:
            if in_ci:
                pytest.fail(f"{missing} (CI=true: tests may not skip for a missing service)")
            pytest.skip(missing)


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_trigger():
    """Transactional tests empty every table when they end; the audit table's append-only
    trigger refuses that, so the test flush lifts the trigger inside its own transaction and
    puts it back at once. Nothing outside the test flush is affected."""
    from django.db import connection

    from tests.audit_tools import lift_trigger_statements, restore_trigger_statements

    operations = type(connection.ops)
    original = operations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if "imaging_ops_auditevent" not in tables:
            return statements
        vendor = self.connection.vendor
        return [
            *lift_trigger_statements(vendor),
            *statements,
            *restore_trigger_statements(vendor),
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # The production manifest storage needs collectstatic; tests serve files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _own_cache(request, settings):
    """Each test counts its rate limits in a cache of its own (local memory), so no count
    leaks from one test into the next, even where REDIS_URL points the settings at Redis;
    a `needs_redis` test keeps the Redis cache the settings configure."""
    if request.node.get_closest_marker("needs_redis") is None:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": request.node.nodeid,
            }
        }
    yield


@pytest.fixture
def site_a(db):
    return factories.SiteFactory(code="ALPHA", name="Alpha General", time_zone="America/New_York")


@pytest.fixture
def site_b(db):
    return factories.SiteFactory(code="BETA", name="Beta Imaging", time_zone="America/Chicago")


@pytest.fixture
def person(db):
    """Make a person holding `role` at `site`: person(Role.TECHNICIAN, site_a)."""

    def make(role: str, site, username: str | None = None, **membership):
        user = factories.UserFactory(username=username or f"{role}-{site.code}".lower())
        if role == Role.INSPECTOR:
            membership.setdefault("expires_on", factories.days_from_today(30))
        factories.MembershipFactory(user=user, site=site, role=role, **membership)
        return user

    return make


@pytest.fixture
def tech(person, site_a):
    return person(Role.TECHNICIAN, site_a, username="tess")


@pytest.fixture
def physicist(person, site_a):
    return person(Role.PHYSICIST, site_a, username="phil")


@pytest.fixture
def rso(person, site_a):
    return person(Role.RSO, site_a, username="rosa")


@pytest.fixture
def manager(person, site_a):
    return person(Role.MANAGER, site_a, username="max")


@pytest.fixture
def inspector(person, site_a):
    return person(Role.INSPECTOR, site_a, username="ines")


@pytest.fixture
def api():
    """A DRF client; `api.force_authenticate(user)` or `api.credentials(...)` to sign in."""
    return APIClient()


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Production redirects plain HTTP to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher costs ~0.3 s a password; tests create hundreds of people.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
