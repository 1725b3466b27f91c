"""One-time password links: a forgotten password, and a new person choosing their first one."""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent
from imaging_ops.security.password_links import send_set_password_link
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "https://imaging.example.org"
FORGOT_URL = "/password/forgot/"
NEW_PASSWORD = "amber lantern quietly 4417"
LINK = re.compile(r"https?://\S+/password/set/\S+/")


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]


def link_in(message) -> str:
    (link,) = LINK.findall(message.body)
    return link


def path_of(link: str) -> str:
    assert link.startswith(BASE), link
    return link.removeprefix(BASE)


def choose_password(client, link, password1, password2=None):
    """Open the link (which moves the token into the session) and post the new password."""
    opened = client.get(path_of(link))
    assert opened.status_code == 302, "a valid link redirects to the set-password form"
    return client.post(
        opened.url,
        {"new_password1": password1, "new_password2": password2 or password1},
    )


def signs_in(username, password) -> bool:
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302


def request_reset(client, email, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(FORGOT_URL, {"email": email}, **extra)


# --- Forgot password ------------------------------------------------------------------------


def test_the_login_page_links_to_forgot_password(client):
    response = client.get("/login/")

    assert "Forgot your password?" in response.text
    assert f'href="{FORGOT_URL}"' in response.text


@pytest.mark.req("11.300")
def test_a_known_address_gets_a_link_built_from_the_public_base_url(
    client, tech, django_capture_on_commit_callbacks
):
    response = request_reset(
        client, "TESS@example.org", django_capture_on_commit_callbacks, HTTP_HOST="evil.example"
    )

    assert response.status_code == 302
    assert response.url == "/password/forgot/sent/"
    (message,) = mail.outbox
    assert message.to == ["tess@example.org"]
    assert message.subject == "Imaging Ops: choose a new password"
    assert link_in(message).startswith(f"{BASE}/password/set/")
    assert "evil.example" not in message.body
    assert factories.PASSWORD not in message.body


@pytest.mark.req("11.300")
def test_an_unknown_address_gets_the_same_answer_and_no_email(
    client, tech, django_capture_on_commit_callbacks
):
    known = request_reset(client, "tess@example.org", django_capture_on_commit_callbacks)
    mail.outbox.clear()

    unknown = request_reset(client, "nobody@example.org", django_capture_on_commit_callbacks)

    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert mail.outbox == []
    page = client.get(unknown.url)
    assert "If an account uses that address" in page.text


def test_a_malformed_address_is_a_field_error(client):
    response = client.post(FORGOT_URL, {"email": "not-an-address"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert "Enter a valid email address." in response.text


def test_deactivated_people_and_people_without_a_password_get_no_link(
    client, tech, django_capture_on_commit_callbacks
):
    tech.is_active = False
    tech.save()
    invited = factories.UserFactory(username="newbie", email="newbie@example.org")
    invited.set_unusable_password()
    invited.save()

    request_reset(client, "tess@example.org", django_capture_on_commit_callbacks)
    request_reset(client, "newbie@example.org", django_capture_on_commit_callbacks)

    assert mail.outbox == []


@pytest.mark.req("11.300")
def test_the_link_lets_the_person_choose_a_new_password_once(
    client, tech, django_capture_on_commit_callbacks
):
    request_reset(client, "tess@example.org", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])

    response = choose_password(client, link, NEW_PASSWORD)

    assert response.status_code == 302
    assert response.url == "/password/set/done/"
    assert signs_in("tess", NEW_PASSWORD)
    assert not signs_in("tess", factories.PASSWORD)
    used_again = Client().get(path_of(link), follow=True)
    assert "This link no longer works" in used_again.text


@pytest.mark.req("11.300")
def test_the_password_validators_apply_with_field_errors(
    client, tech, django_capture_on_commit_callbacks
):
    request_reset(client, "tess@example.org", django_capture_on_commit_callbacks)

    response = choose_password(client, link_in(mail.outbox[0]), "12345678")

    assert response.status_code == 400
    errors = response.context["form"].errors["new_password2"]
    assert "This password is too short. It must contain at least 12 characters." in errors
    assert "This password is entirely numeric." in errors
    assert "This password is too short" in response.text
    assert signs_in("tess", factories.PASSWORD)


def test_two_different_passwords_are_a_field_error(
    client, tech, django_capture_on_commit_callbacks
):
    request_reset(client, "tess@example.org", django_capture_on_commit_callbacks)

    response = choose_password(client, link_in(mail.outbox[0]), NEW_PASSWORD, "something else 9")

    assert response.status_code == 400
    assert response.context["form"].errors["new_password2"] == [
        "The two password fields didn\u2019t match."
    ]


def test_a_made_up_link_does_not_work(client, tech):
    response = client.get("/password/set/MQ/made-up-token/", follow=True)

    assert "This link no longer works" in response.text
    assert "new_password1" not in response.text


@pytest.mark.req("11.10(e)")
def test_choosing_a_password_is_audited_without_the_password(
    client, tech, django_capture_on_commit_callbacks
):
    request_reset(client, "tess@example.org", django_capture_on_commit_callbacks)

    choose_password(client, link_in(mail.outbox[0]), NEW_PASSWORD)

    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(tech.pk)).first()
    assert event.changes["password"] == ["[redacted]", "[redacted]"]
    assert not AuditEvent.objects.filter(canonical__contains=NEW_PASSWORD).exists()


@pytest.mark.req("11.300", "11.10(e)")
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


# --- New people -----------------------------------------------------------------------------


@pytest.fixture
def newcomer(site_a):
    user = factories.UserFactory(username="nadia", email="nadia@example.org", home_site=site_a)
    user.set_unusable_password()
    user.save()
    return user


@pytest.mark.req("11.300")
def test_a_new_person_gets_a_link_after_commit_and_chooses_their_password(
    client, newcomer, django_capture_on_commit_callbacks
):
    now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks() as callbacks:
        send_set_password_link(user=newcomer, now=now)
        assert mail.outbox == [], "nothing is sent inside the transaction"
    for callback in callbacks:
        callback()

    (message,) = mail.outbox
    assert message.to == ["nadia@example.org"]
    assert message.subject == "Imaging Ops: choose your password"
    assert "Your username: nadia" in message.body
    assert "until 2026-03-05 09:00 EST" in message.body  # three days, in the home site's zone
    assert f"{BASE}/login/" in message.body

    response = choose_password(client, link_in(message), NEW_PASSWORD)

    assert response.status_code == 302
    assert signs_in("nadia", NEW_PASSWORD)


def test_a_new_person_without_an_email_address_is_a_field_error(newcomer):
    newcomer.email = ""

    with pytest.raises(ValidationError) as caught:
        send_set_password_link(user=newcomer, now=datetime(2026, 3, 2, tzinfo=UTC))

    assert caught.value.message_dict == {
        "email": ["This person has no email address to send the link to."]
    }


def test_a_deactivated_person_is_not_invited(newcomer):
    newcomer.is_active = False

    with pytest.raises(ValidationError, match="deactivated"):
        send_set_password_link(user=newcomer, now=datetime(2026, 3, 2, tzinfo=UTC))
