"""API sign-in: expiring tokens, the session, and `account_may_act` behind both."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import ApiToken, AuditEvent
from imaging_ops.security.backends import sign_in_refused_message
from imaging_ops.security.tokens import issue_api_token
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
SITES_URL = "/api/v1/sites/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The token endpoint is rate limited per client address; the counts live in the cache.
    cache.clear()
    yield
    cache.clear()


def deactivate(user) -> None:
    user.is_active = False
    user.save()


def get_token(api, username, password=factories.PASSWORD):
    return api.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_a_username_and_password_get_a_token_with_its_expiry(api, tech, settings):
    before = timezone.now()

    response = get_token(api, "tess")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    expires_at = parse_datetime(body["expires_at"])
    ttl = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert before + ttl <= expires_at <= timezone.now() + ttl


def test_the_token_is_stored_only_as_a_hash(api, tech):
    key = get_token(api, "tess").json()["token"]

    stored = ApiToken.objects.get(user=tech)
    assert key not in stored.key_hash
    assert not ApiToken.objects.filter(key_hash=key).exists()


@pytest.mark.req("11.300", "11.10(e)")
def test_a_token_issued_is_recorded_as_a_sign_in(api, tech):
    response = api.post(
        "/api/v1/auth/token/", {"username": tech.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN).latest("seq")
    assert event.actor_id == tech.pk and event.changes["via"] == "API token"


def test_the_username_is_matched_ignoring_case(api, tech):
    assert get_token(api, "TESS").status_code == 200


@pytest.mark.req("11.10(d)")
def test_a_wrong_password_gets_400_with_an_error_and_no_token(api, tech):
    response = get_token(api, "tess", "not the password")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [sign_in_refused_message()]}
    assert not ApiToken.objects.exists()


def test_missing_fields_get_field_errors(api):
    response = api.post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_a_body_that_is_not_json_gets_400(api):
    response = api.generic("POST", TOKEN_URL, "{not json", content_type="application/json")

    assert response.status_code == 400


@pytest.mark.req("11.10(d)")
def test_a_token_signs_requests_in(api, tech, site_a):
    key = get_token(api, "tess").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api.get(SITES_URL)

    assert response.status_code == 200
    assert [s["code"] for s in response.json()["results"]] == ["ALPHA"]


@pytest.mark.req("11.10(d)")
def test_a_made_up_token_is_refused(api, tech):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api.get(SITES_URL)

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


@pytest.mark.req("11.10(d)")
def test_an_expired_token_is_refused(api, tech, settings):
    issued_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(issued_at, tick=False):
        _token, key = issue_api_token(user=tech, now=timezone.now())
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    ttl = timedelta(hours=settings.API_TOKEN_TTL_HOURS)

    with time_machine.travel(issued_at + ttl - timedelta(minutes=1), tick=False):
        assert api.get(SITES_URL).status_code == 200
    with time_machine.travel(issued_at + ttl, tick=False):
        response = api.get(SITES_URL)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.req("11.10(d)")
def test_a_revoked_token_is_refused(api, tech):
    token, key = issue_api_token(user=tech, now=timezone.now())
    token.revoked_at = timezone.now()
    token.save()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api.get(SITES_URL).status_code == 401


@pytest.mark.req("11.300")
def test_a_changed_password_ends_every_token_issued_before(api, tech):
    key = api.post(
        "/api/v1/auth/token/", {"username": tech.username, "password": factories.PASSWORD}
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/sites/").status_code == 200
    tech.set_password("a brand new passphrase 42")
    tech.save()
    response = api.get("/api/v1/sites/")
    assert response.status_code == 401
    assert "password changed" in response.json()["detail"]


@pytest.mark.req("11.10(d)")
def test_an_inspectors_token_stops_working_when_their_access_expires(api, person, site_a):
    """GIVEN a token issued on the inspector's last day, THEN the next day it is refused."""
    person(Role.INSPECTOR, site_a, username="ines", expires_on=date(2026, 3, 10))
    with time_machine.travel(datetime(2026, 3, 10, 14, 0, tzinfo=UTC), tick=False):
        key = get_token(api, "ines").json()["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get(SITES_URL).status_code == 200

    # 01:00 on 11 March in New York, still well inside the token's own lifetime.
    with time_machine.travel(datetime(2026, 3, 11, 5, 0, tzinfo=UTC), tick=False):
        response = api.get(SITES_URL)

    assert response.status_code == 401
    assert response.json()["detail"] == "Your inspector access has expired."


@pytest.mark.req("11.10(d)")
def test_an_expired_inspector_gets_no_token(api, person, site_a):
    person(Role.INSPECTOR, site_a, username="ines", expires_on=factories.days_from_today(-2))

    response = get_token(api, "ines")

    assert response.status_code == 403
    assert response.json()["detail"] == "Your inspector access has expired."
    assert not ApiToken.objects.exists()


@pytest.mark.req("11.10(d)")
def test_a_deactivated_persons_token_is_refused(api, tech):
    _token, key = issue_api_token(user=tech, now=timezone.now())
    deactivate(tech)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api.get(SITES_URL)

    assert response.status_code == 401
    assert response.json()["detail"] == "This account is deactivated."


@pytest.mark.req("11.10(d)")
def test_a_deactivated_person_gets_no_token(api, tech):
    deactivate(tech)

    assert get_token(api, "tess").status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.req("11.10(d)")
def test_a_locked_persons_token_is_refused(api, tech):
    _token, key = issue_api_token(user=tech, now=timezone.now())
    tech.locked_until = timezone.now() + timedelta(minutes=10)
    tech.save()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api.get(SITES_URL).status_code == 401


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize(
    "url",
    [
        SITES_URL,
        "/api/v1/locations/",
        "/api/v1/equipment/",
    ],
)
def test_requests_without_credentials_are_refused(api, url):
    response = api.get(url)

    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."


@pytest.mark.req("11.10(d)")
def test_an_unauthenticated_write_is_refused(api, site_a):
    response = api.post(
        "/api/v1/equipment/",
        {"site": site_a.pk, "asset_tag": "X1", "name": "CT", "modalities": ["CT"]},
        format="json",
    )

    assert response.status_code == 401


def test_the_browser_session_signs_api_requests_in(client, tech):
    client.force_login(tech)

    assert client.get(SITES_URL).status_code == 200


@pytest.mark.req("11.10(d)")
def test_an_expired_inspectors_session_is_refused_by_the_api(client, person, site_a):
    inspector = person(Role.INSPECTOR, site_a, expires_on=date(2026, 3, 10))
    # 23:55 on 10 March in New York, the inspector's last day; then ten minutes later.
    with time_machine.travel(datetime(2026, 3, 11, 3, 55, tzinfo=UTC), tick=False):
        client.force_login(inspector)
        assert client.get(SITES_URL).status_code == 200

    with time_machine.travel(datetime(2026, 3, 11, 4, 5, tzinfo=UTC), tick=False):
        response = client.get(SITES_URL)

    assert response.status_code == 401
    assert response.json()["detail"] == "Your inspector access has expired."
