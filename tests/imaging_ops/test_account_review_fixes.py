"""Sign-in answers that teach a guesser nothing, tokens that die with the password, and token
sign-ins in the audit trail."""

import pytest
from django.utils import timezone

from imaging_ops.audit import AuditAction
from imaging_ops.models import AuditEvent, User
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.req("11.300")]


def lock(user):
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() + timezone.timedelta(minutes=30)
    )


def test_a_locked_account_answers_the_same_to_the_right_and_a_wrong_password(client, tech):
    lock(tech)
    right = client.post("/login/", {"username": tech.username, "password": factories.PASSWORD})
    wrong = client.post("/login/", {"username": tech.username, "password": "not it at all"})
    assert right.status_code == wrong.status_code == 200
    right_errors = right.context["form"].non_field_errors()
    assert right_errors == wrong.context["form"].non_field_errors()
    assert "locked" in right_errors[0]
    assert "_auth_user_id" not in client.session


def test_the_token_endpoint_answers_a_locked_account_the_same_either_way(api, tech):
    lock(tech)
    right = api.post(
        "/api/v1/auth/token/", {"username": tech.username, "password": factories.PASSWORD}
    )
    wrong = api.post("/api/v1/auth/token/", {"username": tech.username, "password": "nope"})
    assert right.status_code == wrong.status_code == 400
    assert right.json() == wrong.json()


def test_after_the_lock_the_right_password_signs_in_again(client, tech):
    User.objects.filter(pk=tech.pk).update(
        locked_until=timezone.now() - timezone.timedelta(seconds=1)
    )
    response = client.post("/login/", {"username": tech.username, "password": factories.PASSWORD})
    assert response.status_code == 302


@pytest.mark.req("11.10(e)")
def test_a_token_issued_is_recorded_as_a_sign_in(api, tech):
    response = api.post(
        "/api/v1/auth/token/", {"username": tech.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN).latest("seq")
    assert event.actor_id == tech.pk and event.changes["via"] == "API token"


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
