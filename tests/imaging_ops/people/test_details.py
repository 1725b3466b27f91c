"""Managers correct a person's details: full name, credentials, email and employee id, with a
reason; the username never changes and past signatures keep the name they were signed with."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent, SiteMembership, User
from imaging_ops.people import details as person_details
from imaging_ops.people import roles
from imaging_ops.records.signatures import manifestation
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def fresh(user):
    return User.objects.get(pk=user.pk)


def details_url(site, user):
    return f"/sites/{site.code}/people/{user.pk}/details/"


def details_of(user):
    user = fresh(user)
    return (user.username, user.full_name, user.credentials, user.email, user.employee_id)


def corrections(**changes):
    data = {
        "full_name": "Tess Okafor-Reyes",
        "credentials": "RT(R)(CT)",
        "email": "tess.reyes@example.org",
        "employee_id": "E-1042",
        "reason": "Name changed after marriage; CT certification added",
    }
    data.update(changes)
    return data


def post(client, site, user, capture, **changes):
    with capture(execute=True):
        return client.post(details_url(site, user), corrections(**changes))


def account_updates(user):
    """Updates of the person's account made by someone (the fixtures' own saves have no actor)."""
    return AuditEvent.objects.filter(
        object_type="imaging_ops.user",
        object_id=str(user.pk),
        action=AuditAction.UPDATE,
        actor__isnull=False,
    )


@pytest.fixture
def tess(person, site_a):
    """A technician of site A with a name, credentials and email of her own."""
    user = person(Role.TECHNICIAN, site_a, username="tess")
    user.full_name, user.credentials, user.employee_id = "Tess Okafor", "RT(R)", "E-1042"
    user.save()
    return fresh(user)


# --- a manager corrects the details ---------------------------------------------------------


@pytest.mark.req("11.10(e)")
def test_a_manager_corrects_name_credentials_and_email_and_the_change_is_audited_with_the_reason(
    client, tess, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = post(client, site_a, tess, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response.url == f"/sites/ALPHA/people/{tess.pk}/"
    assert details_of(tess) == (
        "tess",
        "Tess Okafor-Reyes",
        "RT(R)(CT)",
        "tess.reyes@example.org",
        "E-1042",
    )
    (event,) = account_updates(tess)
    assert event.changes == {
        "full_name": ["Tess Okafor", "Tess Okafor-Reyes"],
        "credentials": ["RT(R)", "RT(R)(CT)"],
        "email": ["tess@example.org", "tess.reyes@example.org"],
    }
    assert event.reason == "Name changed after marriage; CT certification added"
    assert event.actor_id == manager.pk
    page = client.get(response.url).text
    assert "Saved the details of Tess Okafor-Reyes, RT(R)(CT)." in page
    assert "Name changed after marriage; CT certification added" in page, "in the history"


def test_the_old_address_is_told_when_the_email_changes(
    client, tess, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    post(client, site_a, tess, django_capture_on_commit_callbacks)

    (notice,) = mail.outbox
    assert notice.to == ["tess@example.org"]
    assert "tess.reyes@example.org" in notice.body
    assert "(tess)" in notice.body


def test_the_form_shows_the_current_details_and_the_username_only_as_text(
    client, tess, manager, site_a
):
    client.force_login(manager)

    response = client.get(details_url(site_a, tess))

    assert response.status_code == 200
    form = response.context["form"]
    assert {name: form[name].value() for name in person_details.DETAIL_FIELDS} == {
        "full_name": "Tess Okafor",
        "credentials": "RT(R)",
        "email": "tess@example.org",
        "employee_id": "E-1042",
    }
    assert "username" not in form.fields
    assert 'name="username"' not in response.text
    assert "Past signatures keep the name and credentials they were signed with" in response.text


def test_the_username_is_never_changed_even_when_posted(
    client, tess, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = post(client, site_a, tess, django_capture_on_commit_callbacks, username="tessa")

    assert response.status_code == 302
    assert fresh(tess).username == "tess"
    assert "username" not in account_updates(tess).get().changes


def test_the_person_page_offers_edit_details_to_its_managers(client, tess, manager, site_a):
    client.force_login(manager)

    page = client.get(f"/sites/ALPHA/people/{tess.pk}/").text

    assert f'href="{details_url(site_a, tess)}"' in page
    assert "Edit details" in page


def test_a_manager_may_correct_their_own_details(
    client, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = post(
        client, site_a, manager, django_capture_on_commit_callbacks, email="max@example.org"
    )

    assert response.status_code == 302
    assert fresh(manager).full_name == "Tess Okafor-Reyes"
    assert fresh(manager).username == "max"


def test_someone_whose_roles_here_are_all_removed_can_still_be_corrected(
    client, tess, manager, site_a, django_capture_on_commit_callbacks
):
    row = SiteMembership.objects.get(user=tess, site=site_a)
    roles.deactivate_membership(actor=manager, membership=row, reason="Left", now=NOW)
    client.force_login(manager)

    response = post(client, site_a, tess, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert fresh(tess).full_name == "Tess Okafor-Reyes"


def test_nothing_is_written_when_nothing_differs(
    client, tess, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    same = {
        "full_name": " Tess Okafor ",
        "credentials": "RT(R)",
        "email": "tess@example.org",
        "employee_id": "E-1042",
    }

    response = post(client, site_a, tess, django_capture_on_commit_callbacks, **same)

    assert response.status_code == 302
    assert not account_updates(tess).exists()
    assert mail.outbox == []
    assert "Nothing changed" in client.get(response.url).text


# --- refusals -------------------------------------------------------------------------------


def test_the_reason_is_required(client, tess, manager, site_a, django_capture_on_commit_callbacks):
    client.force_login(manager)
    before = details_of(tess)

    response = post(client, site_a, tess, django_capture_on_commit_callbacks, reason="   ")

    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert details_of(tess) == before
    assert not account_updates(tess).exists()


def test_the_service_refuses_a_change_without_a_reason(tess, manager, site_a):
    with pytest.raises(ValidationError) as refused:
        person_details.update_person_details(
            actor=manager, site=site_a, person=tess, now=NOW, **corrections(reason="")
        )

    assert "reason" in refused.value.message_dict
    assert fresh(tess).full_name == "Tess Okafor"


@pytest.mark.parametrize("taken", ["phil@example.org", "PHIL@Example.org"])
def test_an_email_address_of_another_account_is_refused_ignoring_case(
    client, tess, physicist, manager, site_a, taken, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = post(client, site_a, tess, django_capture_on_commit_callbacks, email=taken)

    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [
        "Another account already uses this email address."
    ]
    assert fresh(tess).email == "tess@example.org"
    assert mail.outbox == []


def test_a_person_may_keep_their_own_address_in_other_letter_case(
    client, tess, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = post(
        client, site_a, tess, django_capture_on_commit_callbacks, email="Tess@example.org"
    )

    assert response.status_code == 302
    assert fresh(tess).email == "Tess@example.org"


@pytest.mark.parametrize(
    "field, value",
    [
        ("full_name", "  "),
        ("email", "not-an-address"),
        ("email", ""),
        ("full_name", "x" * 201),
        ("employee_id", "9" * 51),
    ],
)
def test_bad_details_are_field_errors(
    client, tess, manager, site_a, field, value, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    before = details_of(tess)

    response = post(client, site_a, tess, django_capture_on_commit_callbacks, **{field: value})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert details_of(tess) == before


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("full_name", "", "Enter the person's full name"),
        ("email", "not-an-address", "Enter a valid email address"),
        ("credentials", "R" * 101, "At most 100 characters."),
    ],
)
def test_the_service_names_the_field_it_refuses(tess, manager, site_a, field, value, message):
    with pytest.raises(ValidationError) as refused:
        person_details.update_person_details(
            actor=manager, site=site_a, person=tess, now=NOW, **corrections(**{field: value})
        )

    assert refused.value.message_dict[field][0].startswith(message)


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PHYSICIST, Role.RSO, Role.INSPECTOR])
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_managers_open_or_save_the_details(
    client, person, tess, site_a, role, method, django_capture_on_commit_callbacks
):
    client.force_login(person(role, site_a, username="actor"))
    before = details_of(tess)

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(details_url(site_a, tess), corrections())

    assert response.status_code == 403
    assert details_of(tess) == before


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_manager_of_another_site_gets_404(
    client, person, tess, site_a, site_b, method, django_capture_on_commit_callbacks
):
    client.force_login(person(Role.MANAGER, site_b, username="boss-b"))
    before = details_of(tess)

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(details_url(site_a, tess), corrections())

    assert response.status_code == 404
    assert details_of(tess) == before


def test_someone_never_at_the_site_is_not_found_there(client, person, manager, site_a, site_b):
    stranger = person(Role.TECHNICIAN, site_b, username="stranger")
    client.force_login(manager)

    assert client.get(details_url(site_b, stranger)).status_code == 404
    assert client.get(f"/sites/ALPHA/people/{stranger.pk}/details/").status_code == 404
    with pytest.raises(ValidationError):
        person_details.update_person_details(
            actor=manager, site=site_a, person=stranger, now=NOW, **corrections()
        )
    assert fresh(stranger).full_name != "Tess Okafor-Reyes"


@pytest.mark.req("11.10(d)")
def test_the_service_refuses_everyone_but_the_sites_managers(person, tess, site_a, site_b):
    actors = [
        person(role, site_a, username=f"a-{role}") for role in Role.values if role != "manager"
    ]
    actors.append(person(Role.MANAGER, site_a, username="trainee-boss", is_trainee=True))
    actors.append(person(Role.MANAGER, site_b, username="boss-b"))

    for actor in actors:
        with pytest.raises(PermissionDenied):
            person_details.update_person_details(
                actor=actor, site=site_a, person=tess, now=NOW, **corrections()
            )

    assert fresh(tess).full_name == "Tess Okafor"


@pytest.mark.req("11.10(d)")
def test_the_email_of_someone_also_at_another_site_moves_only_by_a_manager_of_both(
    client, tess, manager, person, site_a, site_b, django_capture_on_commit_callbacks
):
    """GIVEN Tess is also an RSO at site B, which Max does not manage. Whoever sets her email
    can reset her password, and with it act with her authority at site B."""
    factories.MembershipFactory(user=tess, site=site_b, role=Role.RSO)
    client.force_login(manager)

    refused = post(client, site_a, tess, django_capture_on_commit_callbacks)
    kept = post(client, site_a, tess, django_capture_on_commit_callbacks, email="tess@example.org")

    assert refused.status_code == 400
    assert "site you do not manage" in refused.context["form"].errors["email"][0]
    assert kept.status_code == 302, "her name may still be corrected"
    assert details_of(tess)[1:4] == ("Tess Okafor-Reyes", "RT(R)(CT)", "tess@example.org")
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)
    assert post(client, site_a, tess, django_capture_on_commit_callbacks).status_code == 302
    assert fresh(tess).email == "tess.reyes@example.org"


def test_a_system_administrators_details_are_left_to_system_administrators(
    client, tess, manager, site_a, django_capture_on_commit_callbacks
):
    tess.is_superuser = True
    tess.save()
    client.force_login(manager)

    page = client.get(f"/sites/ALPHA/people/{tess.pk}/").text
    response = post(client, site_a, tess, django_capture_on_commit_callbacks)

    assert "Edit details" not in page
    assert response.status_code == 403
    assert fresh(tess).email == "tess@example.org"


# --- signatures keep their printed name -----------------------------------------------------


@pytest.mark.req("11.50")
def test_a_past_signature_still_shows_the_name_it_was_signed_with(
    client, tess, manager, site_a, django_capture_on_commit_callbacks
):
    scanner = factories.EquipmentFactory(site=site_a)
    factories.signed_acceptance(actor=tess, equipment=scanner, now=NOW)
    client.force_login(manager)

    post(client, site_a, tess, django_capture_on_commit_callbacks)

    signature = fresh(tess).signatures.get()
    assert manifestation(signature).startswith("Tess Okafor, RT(R) — 2026-03-04 10:00 EST")
    assert "Okafor-Reyes" not in manifestation(signature)


# --- queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("more", [1, 20])
def test_the_details_page_runs_the_same_queries_however_many_roles_and_changes(
    client, tess, manager, site_a, more
):
    """GIVEN a person with roles at several sites and earlier corrections of their details."""
    client.force_login(manager)

    def grow(n, start):
        for i in range(start, start + n):
            site = factories.SiteFactory(code=f"X{i:02d}")
            factories.MembershipFactory(user=tess, site=site, role=Role.PHYSICIST)
            person_details.update_person_details(
                actor=manager,
                site=site_a,
                person=tess,
                now=NOW,
                **corrections(full_name=f"Tess {i}", email="tess@example.org"),
            )

    grow(1, 0)
    client.get(details_url(site_a, tess))
    with CaptureQueriesContext(connection) as few:
        client.get(details_url(site_a, tess))
    grow(more, 1)

    with CaptureQueriesContext(connection) as many:
        response = client.get(details_url(site_a, tess))

    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
