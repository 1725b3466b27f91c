"""Sign-in answers that teach a guesser nothing, tokens that die with the password, and token
sign-ins in the audit trail."""

import pytest
from django.utils import timezone

from imaging_ops.audit.trail import AuditAction
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


@pytest.mark.req("11.10(e)")
def test_a_password_chosen_by_link_is_recorded_as_the_persons_own_act(client, tech):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(tech.pk))
    token = default_token_generator.make_token(tech)
    page = client.get(f"/password/set/{uid}/{token}/", follow=True)
    new = "a sturdy new passphrase 77"
    response = client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(
        object_type="imaging_ops.user", object_id=str(tech.pk)
    ).latest("seq")
    assert event.actor_id == tech.pk
    assert event.reason == "Password chosen through a one-time link"
    assert event.changes == {"password": ["[redacted]", "[redacted]"]}


@pytest.mark.req("11.10(e)")
def test_versioned_records_name_the_actor_outside_a_request(manager, site_a):
    from imaging_ops.audit.context import audit_actor

    equipment = factories.EquipmentFactory(site=site_a)
    with audit_actor("celery task test"):
        note = factories.acceptance_note(actor=manager, equipment=equipment)
    events = AuditEvent.objects.filter(
        object_type="equipment.acceptancenote", object_id=str(note.pk)
    )
    assert events.exists()
    assert all(e.actor_id == manager.pk for e in events)


def test_the_api_schema_and_docs_need_a_sign_in(client, tech):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(tech)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.req("11.100")
def test_a_signers_identity_is_never_reused_or_removed(tech):
    """People are deactivated, never deleted, and a username cannot come back in another case,
    so a signature's signer stays one person for good."""
    from django.db import IntegrityError, transaction

    from imaging_ops.audit.trail import RegulatedWriteError

    with pytest.raises(RegulatedWriteError):
        tech.delete()
    with pytest.raises(RegulatedWriteError):
        User.objects.filter(pk=tech.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.UserFactory.create(username=tech.username.upper(), email="other@example.org")
    assert User.objects.filter(pk=tech.pk).exists()
