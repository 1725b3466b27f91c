"""Who a person is at each site, and `account_may_act`: one check for session and token alike."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from imaging_ops.access.authority import (
    account_may_act,
    memberships_in_force,
    roles_at,
    user_site_ids,
)
from imaging_ops.models import User
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

# Alpha (site_a) is in America/New_York: on 2026-03-10, local midnight is 04:00 UTC (EDT).
LAST_DAY = date(2026, 3, 10)
LAST_MINUTE_LOCAL = datetime(2026, 3, 11, 3, 59, tzinfo=UTC)  # 23:59 EDT on the 10th
FIRST_MINUTE_AFTER = datetime(2026, 3, 11, 4, 1, tzinfo=UTC)  # 00:01 EDT on the 11th


def fresh(user) -> User:
    """The user as the next request would load it (memberships are cached per user object)."""
    return User.objects.get(pk=user.pk)


@pytest.mark.req("11.10(d)")
def test_an_active_person_with_a_role_may_act(tech):
    assert account_may_act(tech, timezone.now()) == (True, "")


@pytest.mark.req("11.10(d)")
def test_a_deactivated_account_may_not_act(tech):
    tech.is_active = False
    tech.save()

    allowed, why = account_may_act(fresh(tech), timezone.now())

    assert not allowed
    assert why == "This account is deactivated."


@pytest.mark.req("11.10(d)")
def test_a_locked_account_may_not_act_until_the_lock_ends(tech):
    now = timezone.now()
    tech.locked_until = now + timedelta(minutes=15)
    tech.save()
    user = fresh(tech)

    allowed, why = account_may_act(user, now)
    assert not allowed
    assert "locked" in why
    assert account_may_act(user, now + timedelta(minutes=16)) == (True, "")


@pytest.mark.req("11.10(d)")
def test_an_inspector_may_act_through_the_last_day_of_access_in_the_sites_time_zone(person, site_a):
    inspector = person(Role.INSPECTOR, site_a, expires_on=LAST_DAY)

    assert account_may_act(inspector, LAST_MINUTE_LOCAL) == (True, "")
    allowed, why = account_may_act(inspector, FIRST_MINUTE_AFTER)
    assert not allowed
    assert why == "Your inspector access has expired."


@pytest.mark.req("11.10(d)")
def test_the_same_instant_counts_by_each_sites_own_calendar(person, site_b):
    """GIVEN access to the last day at a Chicago site, THEN at 04:30 UTC it is still that day."""
    inspector = person(Role.INSPECTOR, site_b, expires_on=LAST_DAY)

    assert account_may_act(inspector, datetime(2026, 3, 11, 4, 30, tzinfo=UTC))[0]
    assert not account_may_act(inspector, datetime(2026, 3, 11, 5, 1, tzinfo=UTC))[0]


@pytest.mark.req("11.10(d)")
def test_an_inspector_with_one_expired_and_one_current_site_may_act(person, site_a, site_b):
    inspector = person(Role.INSPECTOR, site_a, expires_on=LAST_DAY)
    factories.MembershipFactory(
        user=inspector, site=site_b, role=Role.INSPECTOR, expires_on=date(2026, 6, 30)
    )

    assert account_may_act(fresh(inspector), FIRST_MINUTE_AFTER) == (True, "")


def test_an_inspector_at_one_site_and_technician_at_another_may_act(person, site_a, site_b):
    """An expired inspector role does not lock out the person's work at their own site."""
    user = person(Role.INSPECTOR, site_a, expires_on=LAST_DAY)
    factories.MembershipFactory(user=user, site=site_b, role=Role.TECHNICIAN)
    user = fresh(user)

    assert account_may_act(user, FIRST_MINUTE_AFTER) == (True, "")
    in_force = memberships_in_force(user, FIRST_MINUTE_AFTER)
    assert [(g.site_id, g.role) for g in in_force] == [(site_b.pk, Role.TECHNICIAN)]


def test_a_superuser_without_memberships_may_act():
    admin = factories.UserFactory(username="root", is_superuser=True)

    assert account_may_act(admin, timezone.now()) == (True, "")


def test_a_deactivated_superuser_may_not_act():
    admin = factories.UserFactory(username="root", is_superuser=True, is_active=False)

    assert not account_may_act(admin, timezone.now())[0]


def test_memberships_in_force_leave_out_expired_and_deactivated_roles(person, site_a, site_b):
    user = person(Role.PHYSICIST, site_a)
    factories.MembershipFactory(user=user, site=site_a, role=Role.RSO, is_active=False)
    factories.MembershipFactory(
        user=user, site=site_b, role=Role.TECHNICIAN, expires_on=date(2020, 1, 1)
    )
    user = fresh(user)

    grants = memberships_in_force(user)

    assert [(g.site_id, g.role) for g in grants] == [(site_a.pk, Role.PHYSICIST)]
    assert roles_at(user, site_a.pk) == {Role.PHYSICIST}
    assert roles_at(user, site_b.pk) == frozenset()
    assert user_site_ids(user) == {site_a.pk}


def test_a_person_may_hold_several_roles_at_one_site(person, site_a):
    user = person(Role.PHYSICIST, site_a)
    factories.MembershipFactory(user=user, site=site_a, role=Role.RSO)

    assert roles_at(fresh(user), site_a.pk) == {Role.PHYSICIST, Role.RSO}


def test_memberships_are_read_once_per_user_object(tech, django_assert_num_queries):
    user = fresh(tech)
    with django_assert_num_queries(1):
        memberships_in_force(user)
        roles_at(user, 1)
        user_site_ids(user)
        account_may_act(user, timezone.now())


# --- the same check in session sign-in ------------------------------------------------------


@pytest.mark.req("11.10(d)")
def test_an_expired_inspector_cannot_sign_in(client, person, site_a):
    inspector = person(Role.INSPECTOR, site_a, expires_on=LAST_DAY)

    with time_machine.travel(FIRST_MINUTE_AFTER, tick=False):
        response = client.post(
            reverse("login"), {"username": inspector.username, "password": factories.PASSWORD}
        )

    assert response.status_code == 200
    assert "Your inspector access has expired." in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.req("11.10(d)")
def test_a_signed_in_inspector_is_signed_out_when_access_expires(client, person, site_a):
    inspector = person(Role.INSPECTOR, site_a, expires_on=LAST_DAY)
    with time_machine.travel(LAST_MINUTE_LOCAL, tick=False):
        client.force_login(inspector)
        assert client.get(reverse("home")).status_code == 200

    with time_machine.travel(FIRST_MINUTE_AFTER, tick=False):
        response = client.get(reverse("equipment:list"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    with time_machine.travel(FIRST_MINUTE_AFTER, tick=False):
        login_page = client.get(response.url)
    assert "Your inspector access has expired." in login_page.content.decode()
