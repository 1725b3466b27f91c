"""Managing a site's people: who may, invitations, roles, trainees, inspector expiry,
deactivation, the last manager, unlocking, and the people list's queries."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imaging_ops.access.authority import user_site_ids
from imaging_ops.access.permissions import Action, can
from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent, Notification, SiteMembership, User
from imaging_ops.people import roles
from imaging_ops.people import services as people
from imaging_ops.vocabulary import Role
from tests import factories
from tests.imaging_ops.access.roles import NOT_MANAGERS

pytestmark = pytest.mark.django_db

BASE = "https://imaging.example.org"
LINK = re.compile(r"https?://\S+/password/set/\S+/")
NEW_PASSWORD = "amber lantern quietly 4417"
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def membership(user, site, role):
    return SiteMembership.objects.get(user=user, site=site, role=role)


def invite_data(**changes):
    data = {
        "email": "nadia@example.org",
        "username": "nadia",
        "full_name": "Nadia Novak",
        "credentials": "RT(R)(CT)",
        "role": Role.TECHNICIAN,
        "identity_verified_by": "Hospital ID badge",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def invite(client, site, capture, **changes):
    with capture(execute=True):
        return client.post(f"/sites/{site.code}/people/invite/", invite_data(**changes))


def field_errors(response, form="form"):
    return response.context[form].errors


# --- who may: every role tries every action ------------------------------------------------


@pytest.fixture
def target(person, site_a):
    """A technician of site A, locked, who has not chosen a password yet."""
    user = person(Role.TECHNICIAN, site_a, username="terry")
    user.set_unusable_password()
    user.save()
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() + timedelta(hours=1))
    return fresh(user)


def people_actions(site, user):
    row = membership(user, site, Role.TECHNICIAN)
    code = site.code
    return {
        "see the people list": ("get", f"/sites/{code}/people/", {}),
        "open a person's page": ("get", f"/sites/{code}/people/{user.pk}/", {}),
        "open the invitation form": ("get", f"/sites/{code}/people/invite/", {}),
        "invite a person": ("post", f"/sites/{code}/people/invite/", invite_data()),
        "add a role": ("post", f"/sites/{code}/people/{user.pk}/roles/", {"role": Role.PHYSICIST}),
        "mark a trainee": (
            "post",
            f"/sites/{code}/roles/{row.pk}/",
            {f"m{row.pk}-is_trainee": "on"},
        ),
        "remove a role": (
            "post",
            f"/sites/{code}/roles/{row.pk}/deactivate/",
            {f"d{row.pk}-reason": "Left the department"},
        ),
        "resend the password link": ("post", f"/sites/{code}/people/{user.pk}/invitation/", {}),
        "unlock an account": ("post", f"/people/{user.pk}/unlock/", {}),
    }


ACTIONS = [
    "see the people list",
    "open a person's page",
    "open the invitation form",
    "invite a person",
    "add a role",
    "mark a trainee",
    "remove a role",
    "resend the password link",
    "unlock an account",
]


def state(user):
    """What any of the actions would change."""
    return (
        sorted(
            SiteMembership.objects.values_list(
                "user_id", "site_id", "role", "is_trainee", "is_active"
            )
        ),
        User.objects.count(),
        fresh(user).locked_until,
        len(mail.outbox),
    )


def attempt(client, action, site, user, capture):
    method, url, data = people_actions(site, user)[action]
    with capture(execute=True):
        return getattr(client, method)(url, data)


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", list(NOT_MANAGERS))
def test_only_managers_manage_people(
    client, person, site_a, target, who, action, django_capture_on_commit_callbacks
):
    grant = NOT_MANAGERS[who]
    actor = person(
        grant["role"], site_a, username="actor", is_trainee=grant.get("is_trainee", False)
    )
    client.force_login(actor)
    before = state(target)

    response = attempt(client, action, site_a, target, django_capture_on_commit_callbacks)

    assert response.status_code == 403
    assert state(target) == before


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("action", ACTIONS)
def test_a_manager_of_another_site_gets_404_at_this_one(
    client, person, site_a, site_b, target, action, django_capture_on_commit_callbacks
):
    client.force_login(person(Role.MANAGER, site_b, username="boss-b"))
    before = state(target)

    response = attempt(client, action, site_a, target, django_capture_on_commit_callbacks)

    assert response.status_code == 404
    assert state(target) == before


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("action", ACTIONS)
def test_a_manager_of_the_site_may_take_each_action(
    client, site_a, manager, target, action, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    before = state(target)

    response = attempt(client, action, site_a, target, django_capture_on_commit_callbacks)

    if people_actions(site_a, target)[action][0] == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 302, getattr(response, "context", None)
        assert state(target) != before


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize(
    "call",
    [
        lambda actor, site, user: people.invite_person(
            actor=actor, site=site, now=NOW, **{**invite_data(), "role": Role.TECHNICIAN}
        ),
        lambda actor, site, user: roles.add_role(
            actor=actor, site=site, user=user, role=Role.PHYSICIST, now=NOW
        ),
        lambda actor, site, user: roles.update_membership(
            actor=actor,
            membership=membership(user, site, Role.TECHNICIAN),
            is_trainee=True,
            expires_on=None,
            now=NOW,
        ),
        lambda actor, site, user: roles.deactivate_membership(
            actor=actor, membership=membership(user, site, Role.TECHNICIAN), reason="x", now=NOW
        ),
        lambda actor, site, user: people.resend_invitation(
            actor=actor, site=site, user=user, now=NOW
        ),
    ],
    ids=["invite", "add role", "update", "deactivate", "resend"],
)
def test_the_services_refuse_everyone_but_the_sites_managers(person, site_a, site_b, target, call):
    actors = [
        person(role, site_a, username=f"a-{role}") for role in Role.values if role != "manager"
    ]
    actors.append(person(Role.MANAGER, site_b, username="boss-b"))
    for actor in actors:
        with pytest.raises(PermissionDenied):
            call(actor, site_a, target)


def test_the_navigation_offers_people_and_site_settings_to_managers_only(client, manager, tech):
    client.force_login(manager)
    page = client.get("/").text
    assert 'href="/people/"' in page
    assert 'href="/sites/"' in page

    client.force_login(tech)
    page = client.get("/").text
    assert 'href="/people/"' not in page
    assert 'href="/sites/"' not in page


def test_the_people_entry_leads_a_manager_of_one_site_straight_to_its_list(client, manager):
    client.force_login(manager)

    response = client.get("/people/")

    assert response.status_code == 302
    assert response.url == "/sites/ALPHA/people/"


def test_a_manager_of_several_sites_chooses_one(client, person, site_a, site_b):
    boss = person(Role.MANAGER, site_a, username="boss")
    factories.MembershipFactory(user=boss, site=site_b, role=Role.MANAGER)
    client.force_login(boss)

    response = client.get("/people/")

    assert response.status_code == 200
    assert [s.code for s in response.context["sites"]] == ["ALPHA", "BETA"]


def test_the_people_entry_is_refused_to_people_who_manage_no_site(client, physicist):
    client.force_login(physicist)

    assert client.get("/people/").status_code == 403


# --- the people list ------------------------------------------------------------------------


def test_the_people_list_shows_each_persons_details_and_roles_here(
    client, person, site_a, site_b, manager
):
    ines = person(Role.INSPECTOR, site_a, username="ines", expires_on=date(2099, 1, 31))
    phil = person(Role.PHYSICIST, site_a, username="phil", is_trainee=True)
    factories.MembershipFactory(user=phil, site=site_a, role=Role.RSO)
    factories.MembershipFactory(user=phil, site=site_b, role=Role.MANAGER)
    person(Role.TECHNICIAN, site_b, username="stranger")
    User.objects.filter(pk=ines.pk).update(locked_until=timezone.now() + timedelta(hours=1))
    client.force_login(manager)

    response = client.get("/sites/ALPHA/people/")

    assert response.status_code == 200
    rows = {p.username: p for p in response.context["people"]}
    assert set(rows) == {"max", "ines", "phil"}
    assert [(m.role, m.is_trainee) for m in rows["phil"].roles_here] == [
        ("physicist", True),
        ("rso", False),
    ]
    assert rows["ines"].is_locked and not rows["phil"].is_locked
    text = response.text
    assert phil.email in text and phil.credentials in text
    assert "Physicist · trainee" in text
    assert "Inspector · until 2099-01-31" in text
    assert "Radiation safety officer" in text
    assert f'aria-label="Unlock {ines.display_name}"' in text
    assert "stranger" not in text


def test_deactivated_roles_are_listed_apart(client, person, site_a, manager):
    gone = person(Role.TECHNICIAN, site_a, username="gone", is_active=False)
    both = person(Role.PHYSICIST, site_a, username="both")
    factories.MembershipFactory(user=both, site=site_a, role=Role.RSO, is_active=False)
    client.force_login(manager)

    response = client.get("/sites/ALPHA/people/")

    assert {p.username for p in response.context["people"]} == {"max", "both"}
    deactivated = [(m.user.username, m.role) for m in response.context["deactivated"]]
    assert sorted(deactivated) == [("both", "rso"), ("gone", "technician")]
    assert "Deactivated roles" in response.text
    assert gone.display_name in response.text


def test_the_people_list_searches_by_name_username_or_email(client, person, site_a, manager):
    person(Role.TECHNICIAN, site_a, username="alice")
    person(Role.TECHNICIAN, site_a, username="bob")
    client.force_login(manager)

    response = client.get("/sites/ALPHA/people/", {"q": "BOB@example"})

    assert [p.username for p in response.context["people"]] == ["bob"]


@pytest.mark.parametrize("many", [5, 50])
def test_the_people_list_runs_the_same_queries_for_5_or_50_people(
    client, person, site_a, site_b, manager, many
):
    """GIVEN people with several roles, trainees, inspectors, locks and deactivated roles."""
    client.force_login(manager)

    def add(n, start):
        for i in range(start, start + n):
            role = [Role.TECHNICIAN, Role.PHYSICIST, Role.INSPECTOR][i % 3]
            user = person(role, site_a, username=f"p{i}", is_trainee=role == Role.TECHNICIAN)
            factories.MembershipFactory(user=user, site=site_b, role=Role.RSO)
            factories.MembershipFactory(user=user, site=site_a, role=Role.RSO, is_active=i % 2)
            if i % 4 == 0:
                User.objects.filter(pk=user.pk).update(
                    locked_until=timezone.now() + timedelta(hours=1)
                )

    add(5, 0)
    client.get("/sites/ALPHA/people/")
    with CaptureQueriesContext(connection) as five:
        response = client.get("/sites/ALPHA/people/")
    assert len(response.context["people"]) == 6
    add(many - 5, 5)

    with CaptureQueriesContext(connection) as more:
        response = client.get("/sites/ALPHA/people/")

    assert len(response.context["people"]) == min(many + 1, 50)
    assert len(more.captured_queries) == len(five.captured_queries)


# --- invitations ----------------------------------------------------------------------------


@pytest.mark.req("11.300", "11.200(a)")
def test_an_invited_person_chooses_their_own_password_through_the_emailed_link(
    client, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = invite(client, site_a, django_capture_on_commit_callbacks)

    nadia = User.objects.get(username="nadia")
    assert response.status_code == 302
    assert response.url == f"/sites/ALPHA/people/{nadia.pk}/"
    assert not nadia.has_usable_password(), "no password is set by the manager"
    assert (nadia.full_name, nadia.credentials, nadia.home_site) == (
        "Nadia Novak",
        "RT(R)(CT)",
        site_a,
    )
    assert membership(nadia, site_a, Role.TECHNICIAN).is_active
    (message,) = mail.outbox
    assert message.to == ["nadia@example.org"]
    (link,) = LINK.findall(message.body)
    assert link.startswith(f"{BASE}/password/set/")

    newcomer = Client()
    opened = newcomer.get(link.removeprefix(BASE))
    assert opened.status_code == 302
    chosen = newcomer.post(
        opened.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert chosen.status_code == 302
    assert (
        Client().post("/login/", {"username": "nadia", "password": NEW_PASSWORD}).status_code == 302
    )
    assert newcomer.get(link.removeprefix(BASE), follow=True).status_code == 200
    assert "This link no longer works" in newcomer.get(link.removeprefix(BASE), follow=True).text


def test_the_invitation_form_has_no_password_field(client, manager):
    client.force_login(manager)

    page = client.get("/sites/ALPHA/people/invite/").text

    assert 'type="password"' not in page
    assert "one-time link" in page


@pytest.mark.req("11.10(e)")
def test_an_invitation_is_audited_with_how_the_identity_was_verified(
    client, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    invite(client, site_a, django_capture_on_commit_callbacks)

    nadia = User.objects.get(username="nadia")
    created = AuditEvent.objects.filter(action=AuditAction.CREATE)
    account = created.get(object_type="imaging_ops.user", object_id=str(nadia.pk))
    role = created.get(
        object_type="imaging_ops.sitemembership",
        object_id=str(membership(nadia, site_a, Role.TECHNICIAN).pk),
    )
    for event in (account, role):
        assert event.actor_id == manager.pk
        assert event.reason == "Invited to ALPHA; identity verified: Hospital ID badge"
    assert role.site_id == site_a.pk
    assert account.changes["password"] == [None, "[redacted]"]


@pytest.mark.parametrize("taken", ["tess", "TESS", "Tess"])
def test_a_taken_username_is_a_clear_field_error_ignoring_case(
    client, tech, manager, site_a, taken, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = invite(client, site_a, django_capture_on_commit_callbacks, username=taken)

    assert response.status_code == 400
    assert field_errors(response)["username"][0].startswith("That username is taken.")
    assert "That username is taken." in response.text
    assert User.objects.filter(username__iexact="tess").count() == 1
    assert mail.outbox == []


def test_a_username_with_spaces_is_a_field_error(
    client, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = invite(client, site_a, django_capture_on_commit_callbacks, username="nadia novak")

    assert response.status_code == 400
    assert "username" in field_errors(response)
    assert not User.objects.filter(email="nadia@example.org").exists()


def test_an_email_address_of_another_account_is_a_field_error(
    client, tech, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = invite(client, site_a, django_capture_on_commit_callbacks, email="TESS@example.org")

    assert response.status_code == 400
    assert field_errors(response)["email"] == [
        "Another account already uses this email address. To give that person a role here, "
        "enter their username."
    ]
    assert not User.objects.filter(username="nadia").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-address"), ("email", ""), ("identity_verified_by", ""), ("role", "boss")],
)
def test_bad_invitation_input_is_a_field_error(
    client, manager, site_a, field, value, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = invite(client, site_a, django_capture_on_commit_callbacks, **{field: value})

    assert response.status_code == 400
    assert field in field_errors(response)
    assert not User.objects.filter(username="nadia").exists()


def test_someone_with_an_account_elsewhere_gets_the_role_and_a_notice_but_no_email(
    client, person, manager, site_a, site_b, django_capture_on_commit_callbacks
):
    bea = person(Role.TECHNICIAN, site_b, username="bea")
    client.force_login(manager)

    response = invite(
        client,
        site_a,
        django_capture_on_commit_callbacks,
        username="BEA",
        email="bea@example.org",
        role=Role.PHYSICIST,
    )

    assert response.status_code == 302
    assert membership(bea, site_a, Role.PHYSICIST).is_active
    assert User.objects.filter(username__iexact="bea").count() == 1
    assert mail.outbox == []
    (notice,) = Notification.objects.filter(user=bea)
    assert notice.title == "You now have the physicist role at ALPHA"


def test_an_invitation_for_a_role_the_person_holds_is_refused(
    client, tech, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = invite(
        client, site_a, django_capture_on_commit_callbacks, username="tess", email=tech.email
    )

    assert response.status_code == 400
    assert field_errors(response)["role"] == ["This person already holds that role at this site."]


def test_a_new_link_is_sent_to_someone_who_has_not_chosen_a_password(
    client, manager, site_a, target, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sites/ALPHA/people/{target.pk}/invitation/", follow=True)

    (message,) = mail.outbox
    assert message.to == [target.email]
    assert f"A new one-time link was sent to {target.email}." in response.text


def test_no_new_link_for_someone_who_has_a_password(
    client, tech, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sites/ALPHA/people/{tech.pk}/invitation/", follow=True)

    assert mail.outbox == []
    assert "has already chosen a password" in response.text


# --- roles, trainees and inspector expiry ---------------------------------------------------


def update(client, row, **data):
    return client.post(
        f"/sites/{row.site.code}/roles/{row.pk}/", {f"m{row.pk}-{k}": v for k, v in data.items()}
    )


def remove(client, row, reason="Left the department"):
    return client.post(
        f"/sites/{row.site.code}/roles/{row.pk}/deactivate/", {f"d{row.pk}-reason": reason}
    )


@pytest.mark.req("11.10(d)", "11.10(e)")
def test_a_manager_adds_a_role_and_the_person_gains_its_authority(client, tech, manager, site_a):
    client.force_login(manager)
    assert not can(tech, Action.EDIT_EQUIPMENT, site_a)

    response = client.post(
        f"/sites/ALPHA/people/{tech.pk}/roles/", {"role": Role.PHYSICIST, "reason": "Qualified"}
    )

    assert response.status_code == 302
    row = membership(tech, site_a, Role.PHYSICIST)
    assert row.is_active
    assert can(fresh(tech), Action.EDIT_EQUIPMENT, site_a)
    event = AuditEvent.objects.get(
        object_type="imaging_ops.sitemembership", object_id=str(row.pk), action=AuditAction.CREATE
    )
    assert (event.actor_id, event.reason, event.site_id) == (manager.pk, "Qualified", site_a.pk)


def test_adding_a_role_the_person_holds_is_a_field_error(client, tech, manager):
    client.force_login(manager)

    response = client.post(f"/sites/ALPHA/people/{tech.pk}/roles/", {"role": Role.TECHNICIAN})

    assert response.status_code == 400
    assert field_errors(response, "add_form")["role"] == [
        "This person already holds that role at this site."
    ]


@pytest.mark.req("11.10(e)")
def test_removing_a_role_deactivates_it_with_the_reason_and_never_deletes_it(
    client, tech, manager, site_a
):
    client.force_login(manager)
    row = membership(tech, site_a, Role.TECHNICIAN)

    response = remove(client, row)

    assert response.status_code == 302
    row = fresh(row)
    assert row.is_active is False
    assert site_a.pk not in user_site_ids(fresh(tech))
    event = AuditEvent.objects.get(
        object_type="imaging_ops.sitemembership", object_id=str(row.pk), action=AuditAction.UPDATE
    )
    assert event.changes == {"is_active": [True, False]}
    assert event.reason == "Left the department"
    assert event.actor_id == manager.pk


def test_removing_a_role_needs_a_reason(client, tech, manager, site_a):
    client.force_login(manager)
    row = membership(tech, site_a, Role.TECHNICIAN)

    response = remove(client, row, reason="  ")

    assert response.status_code == 400
    assert "reason" in response.context["active"][0].deactivate_form.errors
    assert fresh(row).is_active


def test_a_removed_role_given_back_reuses_its_row(client, tech, manager, site_a):
    client.force_login(manager)
    row = membership(tech, site_a, Role.TECHNICIAN)
    remove(client, row)

    response = client.post(f"/sites/ALPHA/people/{tech.pk}/roles/", {"role": Role.TECHNICIAN})

    assert response.status_code == 302
    assert SiteMembership.objects.filter(user=tech, site=site_a).count() == 1
    assert fresh(row).is_active


def test_someone_who_was_never_at_the_site_is_not_found_there(client, person, manager, site_b):
    stranger = person(Role.TECHNICIAN, site_b, username="stan")
    client.force_login(manager)

    assert client.get(f"/sites/ALPHA/people/{stranger.pk}/").status_code == 404
    response = client.post(f"/sites/ALPHA/people/{stranger.pk}/roles/", {"role": Role.PHYSICIST})
    assert response.status_code == 404
    row = membership(stranger, site_b, Role.TECHNICIAN)
    assert remove(client, row).status_code == 404
    assert fresh(row).is_active


@pytest.mark.req("11.10(d)")
def test_a_trainee_may_perform_but_no_longer_review(client, physicist, manager, site_a):
    client.force_login(manager)
    row = membership(physicist, site_a, Role.PHYSICIST)

    response = update(client, row, is_trainee="on", reason="New to the team")

    assert response.status_code == 302
    assert fresh(row).is_trainee
    physicist = fresh(physicist)
    assert can(physicist, Action.PERFORM_RECORDS, site_a)
    assert not can(physicist, Action.REVIEW_RECORDS, site_a)
    page = client.get(f"/sites/ALPHA/people/{physicist.pk}/").text
    assert "Trainee" in page

    update(client, row)

    assert not fresh(row).is_trainee


def test_an_inspector_cannot_be_a_trainee(client, inspector, manager, site_a):
    client.force_login(manager)
    row = membership(inspector, site_a, Role.INSPECTOR)

    response = update(client, row, is_trainee="on", expires_on=row.expires_on.isoformat())

    assert response.status_code == 400
    assert not fresh(row).is_trainee


def test_an_inspector_needs_a_last_day_of_access(
    client, manager, site_a, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    response = invite(client, site_a, django_capture_on_commit_callbacks, role=Role.INSPECTOR)

    assert response.status_code == 400
    assert field_errors(response)["expires_on"] == ["An inspector's access needs a last day."]
    assert not User.objects.filter(username="nadia").exists()


def test_an_inspectors_expiry_cannot_be_removed(client, inspector, manager, site_a):
    client.force_login(manager)
    row = membership(inspector, site_a, Role.INSPECTOR)

    response = update(client, row, expires_on="")

    assert response.status_code == 400
    assert fresh(row).expires_on == row.expires_on


def test_a_past_last_day_of_access_is_refused(client, inspector, manager, site_a):
    client.force_login(manager)
    row = membership(inspector, site_a, Role.INSPECTOR)
    yesterday = timezone.localdate(timezone=site_a.zone) - timedelta(days=1)

    response = update(client, row, expires_on=yesterday.isoformat())

    assert response.status_code == 400
    assert "or later" in response.context["active"][0].edit_form.errors["expires_on"][0]
    assert fresh(row).expires_on == row.expires_on


def test_an_inspectors_access_is_extended_and_audited(client, inspector, manager, site_a):
    client.force_login(manager)
    row = membership(inspector, site_a, Role.INSPECTOR)
    later = row.expires_on + timedelta(days=14)

    response = update(client, row, expires_on=later.isoformat(), reason="Survey extended")

    assert response.status_code == 302
    assert fresh(row).expires_on == later
    event = AuditEvent.objects.get(
        object_type="imaging_ops.sitemembership", object_id=str(row.pk), action=AuditAction.UPDATE
    )
    assert event.changes == {"expires_on": [row.expires_on.isoformat(), later.isoformat()]}
    assert event.reason == "Survey extended"


@pytest.mark.parametrize(
    ("zone", "last_day", "accepted"),
    [
        # 03:30 UTC on 5 March is still 4 March in Chicago (21:30 CST) ...
        ("America/Chicago", date(2026, 3, 4), True),
        ("America/Chicago", date(2026, 3, 3), False),
        # ... and already 5 March in Tokyo (12:30 JST), so 4 March has passed there.
        ("Asia/Tokyo", date(2026, 3, 4), False),
        ("Asia/Tokyo", date(2026, 3, 5), True),
    ],
)
def test_the_last_day_of_access_is_counted_in_the_sites_time_zone(person, zone, last_day, accepted):
    site = factories.SiteFactory(code="ZONE", time_zone=zone)
    boss = person(Role.MANAGER, site, username="boss")
    guest = person(Role.TECHNICIAN, site, username="guest")
    now = datetime(2026, 3, 5, 3, 30, tzinfo=UTC)

    def give():
        return roles.add_role(
            actor=boss, site=site, user=guest, role=Role.INSPECTOR, expires_on=last_day, now=now
        )

    if accepted:
        assert give().expires_on == last_day
    else:
        with pytest.raises(ValidationError) as refused:
            give()
        assert "expires_on" in refused.value.message_dict


def test_the_invitation_page_accepts_today_at_the_site_while_utc_is_already_tomorrow(
    client, person, site_b, django_capture_on_commit_callbacks
):
    client.force_login(person(Role.MANAGER, site_b, username="boss-b"))

    with time_machine.travel(datetime(2026, 3, 5, 3, 30, tzinfo=UTC), tick=False):
        response = invite(
            client,
            site_b,
            django_capture_on_commit_callbacks,
            role=Role.INSPECTOR,
            expires_on="2026-03-04",
        )

    assert response.status_code == 302
    assert membership(User.objects.get(username="nadia"), site_b, Role.INSPECTOR).expires_on == (
        date(2026, 3, 4)
    )


def test_a_mistyped_year_is_refused(client, inspector, manager, site_a):
    client.force_login(manager)
    row = membership(inspector, site_a, Role.INSPECTOR)

    response = update(client, row, expires_on="2206-03-04")

    assert response.status_code == 400
    assert "check the year" in response.text


def test_a_malformed_date_is_a_field_error_not_a_500(client, inspector, manager, site_a):
    client.force_login(manager)
    row = membership(inspector, site_a, Role.INSPECTOR)

    response = update(client, row, expires_on="31/02/2026")

    assert response.status_code == 400
    assert "expires_on" in response.context["active"][0].edit_form.errors


# --- the last manager -----------------------------------------------------------------------


@pytest.mark.req("11.10(d)")
def test_a_manager_cannot_remove_their_own_manager_role(client, manager, site_a):
    client.force_login(manager)
    row = membership(manager, site_a, Role.MANAGER)

    response = remove(client, row)

    assert response.status_code == 400
    assert "You cannot change your own manager role" in response.text
    assert fresh(row).is_active


def test_a_manager_cannot_make_themselves_a_trainee_or_set_their_own_expiry(
    client, manager, site_a
):
    client.force_login(manager)
    row = membership(manager, site_a, Role.MANAGER)

    assert update(client, row, is_trainee="on").status_code == 400
    assert update(client, row, expires_on="2099-01-01").status_code == 400

    row = fresh(row)
    assert (row.is_trainee, row.expires_on) == (False, None)


def test_the_page_offers_no_change_to_ones_own_manager_role(client, manager):
    client.force_login(manager)

    page = client.get(f"/sites/ALPHA/people/{manager.pk}/").text

    assert "Remove role" not in page
    assert "another manager of ALPHA can change it" in page


def test_a_manager_may_change_their_other_roles(client, manager, site_a):
    factories.MembershipFactory(user=manager, site=site_a, role=Role.RSO)
    client.force_login(manager)

    response = remove(client, membership(manager, site_a, Role.RSO), reason="Handed over")

    assert response.status_code == 302


def test_a_manager_may_remove_another_manager(client, person, manager, site_a):
    other = person(Role.MANAGER, site_a, username="mona")
    client.force_login(manager)

    response = remove(client, membership(other, site_a, Role.MANAGER), reason="Moved on")

    assert response.status_code == 302
    assert not membership(other, site_a, Role.MANAGER).is_active


@pytest.mark.parametrize(
    "change",
    [
        lambda admin, row: roles.deactivate_membership(
            actor=admin, membership=row, reason="Left", now=timezone.now()
        ),
        lambda admin, row: roles.update_membership(
            actor=admin, membership=row, is_trainee=True, expires_on=None, now=timezone.now()
        ),
    ],
    ids=["removed", "made a trainee"],
)
def test_the_last_standing_manager_of_a_site_is_never_taken_away(manager, site_a, change):
    admin = factories.UserFactory(username="root", is_superuser=True)
    row = membership(manager, site_a, Role.MANAGER)

    with pytest.raises(ValidationError, match="is the last manager of ALPHA"):
        change(admin, row)

    row = fresh(row)
    assert row.is_active and not row.is_trainee


def test_with_a_second_manager_an_administrator_may_remove_the_first(person, manager, site_a):
    admin = factories.UserFactory(username="root", is_superuser=True)
    person(Role.MANAGER, site_a, username="mona")
    row = membership(manager, site_a, Role.MANAGER)

    roles.deactivate_membership(actor=admin, membership=row, reason="Left", now=timezone.now())

    assert not fresh(row).is_active


def test_an_expired_or_trainee_manager_does_not_count_as_a_standing_one(person, manager, site_a):
    admin = factories.UserFactory(username="root", is_superuser=True)
    person(Role.MANAGER, site_a, username="trainee", is_trainee=True)
    person(Role.MANAGER, site_a, username="expired", expires_on=date(2020, 1, 1))

    with pytest.raises(ValidationError, match="last manager"):
        roles.deactivate_membership(
            actor=admin,
            membership=membership(manager, site_a, Role.MANAGER),
            reason="Left",
            now=timezone.now(),
        )


# --- unlocking from the people pages --------------------------------------------------------


@pytest.mark.req("11.300", "11.10(d)")
def test_a_manager_unlocks_from_the_people_list_and_returns_to_it(client, target, manager):
    client.force_login(manager)

    response = client.post(f"/people/{target.pk}/unlock/", {"next": "/sites/ALPHA/people/?q=terry"})

    assert response.status_code == 302
    assert response.url == "/sites/ALPHA/people/?q=terry"
    assert fresh(target).locked_until <= timezone.now()


def test_unlock_ignores_a_next_address_outside_the_app(client, target, manager):
    client.force_login(manager)

    response = client.post(f"/people/{target.pk}/unlock/", {"next": "https://evil.example/"})

    assert response.url == "/people/locked/"


@pytest.mark.req("11.10(d)")
def test_unlocking_is_scoped_to_the_managers_sites(client, person, site_b, target):
    """GIVEN terry is locked and works at ALPHA only; a manager of BETA cannot reach him."""
    client.force_login(person(Role.MANAGER, site_b, username="boss-b"))

    assert client.post(f"/people/{target.pk}/unlock/").status_code == 404
    assert client.get(f"/sites/BETA/people/{target.pk}/").status_code == 404
    assert fresh(target).locked_until > timezone.now()


def test_a_person_with_a_role_at_both_sites_is_unlocked_by_either_sites_manager(
    client, person, site_a, site_b, target
):
    factories.MembershipFactory(user=target, site=site_b, role=Role.TECHNICIAN)
    client.force_login(person(Role.MANAGER, site_b, username="boss-b"))

    response = client.post(f"/people/{target.pk}/unlock/", {"next": "/sites/BETA/people/"})

    assert response.url == "/sites/BETA/people/"
    assert fresh(target).locked_until <= timezone.now()


def test_a_username_taken_between_the_check_and_the_save_is_still_a_field_error(
    tech, manager, site_a, monkeypatch
):
    """GIVEN another manager creates "tess" just after this invitation checked the name."""
    monkeypatch.setattr(people, "_existing_account", lambda **kwargs: None)

    with pytest.raises(ValidationError) as refused:
        people.invite_person(actor=manager, site=site_a, now=NOW, **invite_data(username="TESS"))

    assert refused.value.message_dict == {
        "username": ["That username or email address is already in use. Check both."]
    }
    assert not User.objects.filter(email="nadia@example.org").exists()
