"""Which roles stand on a day: `SiteMembership.objects.in_force(today)`, `standing_managers()`
and the row's own `in_force_at(now)`, at the last day of access.

Alpha (site_a) is in America/New_York: on 2026-03-10 its midnight is 04:00 UTC (EDT).
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.utils import timezone

from imaging_ops.models import SiteMembership
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

LAST_DAY = date(2026, 3, 10)


def in_force_on(today: date) -> set[str]:
    return set(SiteMembership.objects.in_force(today).values_list("user__username", flat=True))


def test_a_role_stands_through_its_last_day_and_not_the_day_after(person, site_a):
    person(Role.INSPECTOR, site_a, username="ines", expires_on=LAST_DAY)

    assert in_force_on(LAST_DAY) == {"ines"}
    assert in_force_on(date(2026, 3, 11)) == set()


def test_a_role_without_a_last_day_stands_on_any_day(person, site_a):
    person(Role.TECHNICIAN, site_a, username="tess")

    assert in_force_on(date(2100, 1, 1)) == {"tess"}


def test_deactivated_roles_and_deactivated_people_do_not_stand(person, site_a):
    person(Role.TECHNICIAN, site_a, username="tess")
    person(Role.TECHNICIAN, site_a, username="gone", is_active=False)
    left = person(Role.PHYSICIST, site_a, username="left")
    left.is_active = False
    left.save()

    assert in_force_on(LAST_DAY) == {"tess"}


@pytest.mark.parametrize(
    ("moment", "stands"),
    [
        (datetime(2026, 3, 11, 3, 59, 59, tzinfo=UTC), True),  # 23:59:59 EDT on the 10th
        (datetime(2026, 3, 11, 4, 0, tzinfo=UTC), False),  # midnight at the site
    ],
)
def test_a_row_stands_until_midnight_at_its_site_on_its_last_day(person, site_a, moment, stands):
    person(Role.INSPECTOR, site_a, username="ines", expires_on=LAST_DAY)
    membership = SiteMembership.objects.select_related("site").get()

    with time_machine.travel(moment, tick=False):
        now = timezone.now()
        assert membership.in_force_at(now) is stands
        assert membership.has_expired(site_a.today(now)) is not stands
        assert (in_force_on(site_a.today(now)) == {"ines"}) is stands


def test_standing_managers_are_the_manager_roles_that_are_not_trainee_roles(person, site_a):
    person(Role.MANAGER, site_a, username="max")
    person(Role.MANAGER, site_a, username="mia", is_trainee=True)
    person(Role.PHYSICIST, site_a, username="phil")
    person(Role.MANAGER, site_a, username="old", expires_on=date(2026, 3, 9))

    standing = SiteMembership.objects.standing_managers().in_force(LAST_DAY)

    assert set(standing.values_list("user__username", flat=True)) == {"max"}


def test_a_row_stands_as_manager_on_the_same_terms(person, site_a, site_b):
    max_ = person(Role.MANAGER, site_a, username="max")
    factories.MembershipFactory(user=max_, site=site_b, role=Role.MANAGER, is_trainee=True)
    rows = {m.site_id: m for m in SiteMembership.objects.filter(user=max_)}

    assert rows[site_a.pk].stands_as_manager(LAST_DAY)
    assert not rows[site_b.pk].stands_as_manager(LAST_DAY)
    rows[site_a.pk].expires_on = date(2026, 3, 9)
    assert not rows[site_a.pk].stands_as_manager(LAST_DAY)
