"""Playwright fixtures: one Chromium for all browser tests, a fresh browser context per test.

Debian's Chromium at /usr/bin/chromium drives the pages (Playwright's own download is not used).
The pages are served by pytest-django's live server over plain HTTP, with the production HTTPS
redirect and secure cookies turned off for these tests only.
"""

import os

import pytest
from django.test import override_settings
from pytest_django.live_server_helper import LiveServer

from tests.conftest import CHROMIUM
from tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests, started once.

    While Playwright's sync API is alive it marks an asyncio loop as running in this thread, so
    Django would refuse the ORM calls of the test, its fixtures and the database flush after it:
    DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that time. Package scope, not session scope,
    so the loop (and the variable) are gone before the rest of the suite runs.
    """
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture(scope="package")
def live_server(request, django_db_setup):
    """pytest-django's live server, started over plain HTTP.

    Django's SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server builds its
    handler, so the production HTTPS settings are switched off before the server starts (a
    per-test `settings` change would come too late) and switched back on after these tests.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(
        SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False
    ):
        server = LiveServer(addr)
        yield server
        server.stop()


def _new_page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A desktop-sized page in a context of its own (no cookies shared between tests)."""
    context, page = _new_page(browser, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server, transactional_db):
    """A page the size of a 390 x 844 phone screen."""
    context, page = _new_page(browser, PHONE)
    yield page
    context.close()


@pytest.fixture
def sign_in(live_server):
    """Sign a user in through the login page: sign_in(page, user)."""

    def do(page, user):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")

    return do
