"""One submit of a people form shows every field error at once: the form's own (a bad email
address) beside the service's (a taken username, an inspector without a last day), each on its
field, and nothing is saved."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from imaging_ops.models import AuditEvent, SiteMembership, User
from imaging_ops.people import details as person_details
from imaging_ops.people import services as people
from imaging_ops.text import BIDI_REFUSED
from imaging_ops.vocabulary import Role
from tests.page_errors import shown_on

pytestmark = pytest.mark.django_db

TAKEN = (
    "That username is taken. Choose another, or enter the email address of that account to "
    "give its holder a role here."
)
NO_LAST_DAY = "An inspector's access needs a last day."
BAD_EMAIL = "Enter a valid email address."


def invite(client, site, capture, **data):
    form = {
        "email": "not-an-address",
        "username": "tess",
        "full_name": "Ines Inspector",
        "role": Role.INSPECTOR,
        "identity_verified_by": "State ID card",
        **data,
    }
    with capture(execute=True):
        return client.post(f"/sites/{site.code}/people/invite/", form)


def test_a_bad_email_a_taken_username_and_no_last_day_show_at_once(
    client, tech, manager, site_a, django_capture_on_commit_callbacks
):
    """
    GIVEN "tess" is taken, and a manager invites an inspector with a mistyped email address,
    the username "tess" and no last day of access
    WHEN they submit once
    THEN all three messages show, each on its field, and nobody is invited
    """
    client.force_login(manager)
    people_before, events_before = User.objects.count(), AuditEvent.objects.count()

    response = invite(client, site_a, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert shown_on(response, "email") == [BAD_EMAIL]
    assert shown_on(response, "username") == [TAKEN]
    assert shown_on(response, "expires_on") == [NO_LAST_DAY]
    assert User.objects.count() == people_before
    assert not SiteMembership.objects.filter(role=Role.INSPECTOR).exists()
    assert AuditEvent.objects.count() == events_before
    assert mail.outbox == []


def test_a_field_the_form_refused_keeps_only_its_own_message(
    client, manager, site_a, django_capture_on_commit_callbacks
):
    """An empty email is the form's "required", not also the service's "enter the email"."""
    client.force_login(manager)

    response = invite(client, site_a, django_capture_on_commit_callbacks, email="", username="x y")

    assert shown_on(response, "email") == ["This field is required."]
    assert shown_on(response, "username") == [
        "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ "
        "characters."
    ]


def test_a_name_with_hidden_direction_characters_is_reported_with_the_rest(
    client, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = invite(
        client,
        site_a,
        django_capture_on_commit_callbacks,
        username="ines",
        full_name="Ines \u202eInspector",
    )

    assert shown_on(response, "email") == [BAD_EMAIL]
    assert shown_on(response, "full_name") == [BIDI_REFUSED]
    assert shown_on(response, "expires_on") == [NO_LAST_DAY]
    assert not User.objects.filter(username="ines").exists()


def test_the_service_itself_raises_every_invitation_error_at_once(tech, manager, site_a):
    with pytest.raises(ValidationError) as refused:
        people.invite_person(
            actor=manager,
            site=site_a,
            role=Role.INSPECTOR,
            email="",
            username="tess",
            identity_verified_by="",
            is_trainee=True,
            now=timezone.now(),
        )

    assert set(refused.value.message_dict) == {
        "email",
        "username",
        "identity_verified_by",
        "is_trainee",
        "expires_on",
    }


def test_the_details_form_shows_a_bad_email_a_bad_name_and_no_reason_at_once(
    client, tech, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    before = (tech.full_name, tech.email)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/sites/{site_a.code}/people/{tech.pk}/details/",
            {
                "full_name": "Tess \u202eOkafor",
                "credentials": "RT(R)",
                "email": "tess@",
                "employee_id": "",
                "reason": "",
            },
        )

    assert response.status_code == 400
    assert shown_on(response, "email") == [BAD_EMAIL]
    assert shown_on(response, "full_name") == [BIDI_REFUSED]
    assert shown_on(response, "reason") == ["This field is required."]
    tech.refresh_from_db()
    assert (tech.full_name, tech.email) == before
    assert mail.outbox == []


def test_the_details_service_is_asked_only_about_what_parsed(tech, manager):
    """The check the page asks is the one the service uses: it names every field it refuses."""
    with pytest.raises(ValidationError) as refused:
        person_details.validate_person_details(
            actor=manager, person=tech, full_name="", email="", reason=""
        )

    assert set(refused.value.message_dict) == {"full_name", "email", "reason"}
