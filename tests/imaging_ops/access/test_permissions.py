"""The role matrix: `can(user, action, site)` for every role, action and site.

The cases are generated from `MATRIX`; `EXPECTED` below is DESIGN.md's table written out again
by hand, so a wrong cell in `MATRIX` fails here instead of being copied into the tests.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from imaging_ops.access.permissions import (
    FULL,
    MATRIX,
    NONE,
    Action,
    Limited,
    can,
    grant_for,
    require,
    sites_where,
)
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db

YES, NO, SOME = "yes", "—", "limited"
ROLES = (Role.TECHNICIAN, Role.PHYSICIST, Role.RSO, Role.MANAGER, Role.INSPECTOR)

# DESIGN.md, "People, sites and authority", column order: technician, physicist, RSO, manager,
# inspector. ADOPT_IN_SERVICE comes from the Foundation issue: "adopted in service by a manager".
# fmt: off
EXPECTED = {
    Action.VIEW_RECORDS:        (YES,  YES,  YES,  YES, YES),
    Action.EDIT_EQUIPMENT:      (NO,   YES,  SOME, YES, NO),
    Action.TAKE_OUT_OF_SERVICE: (YES,  YES,  YES,  YES, NO),
    Action.RETURN_TO_SERVICE:   (YES,  YES,  YES,  YES, NO),
    Action.ADOPT_IN_SERVICE:    (NO,   NO,   NO,   YES, NO),
    Action.EDIT_PROCEDURES:     (NO,   YES,  SOME, YES, NO),
    Action.PERFORM_RECORDS:     (YES,  YES,  YES,  YES, NO),
    Action.REVIEW_RECORDS:      (NO,   YES,  SOME, YES, NO),
    Action.AMEND_RECORDS:       (SOME, YES,  SOME, YES, NO),
    Action.MANAGE_WORK_ORDERS:  (NO,   YES,  NO,   YES, NO),
    Action.CANCEL_WORK_ORDERS:  (NO,   YES,  NO,   YES, NO),
    Action.MANAGE_PEOPLE:       (NO,   NO,   NO,   YES, NO),
    Action.APPROVE_LOGS:        (NO,   SOME, SOME, YES, NO),
    Action.SEARCH_AUDIT:        (NO,   YES,  YES,  YES, YES),
    # The safety-training issue: record training and sign as instructor; manage courses and
    # requirements (the RSO: radiation-safety courses).
    Action.RECORD_TRAINING:     (YES,  YES,  YES,  YES, NO),
    Action.MANAGE_COURSES:      (NO,   NO,   SOME, YES, NO),
}
# fmt: on

CELLS = [(action, role) for action in Action.values for role in ROLES]
TRAINEE_MAY = {Action.VIEW_RECORDS, Action.PERFORM_RECORDS}


def _kind(cell) -> str:
    if cell is FULL:
        return YES
    if cell is NONE:
        return NO
    assert isinstance(cell, Limited), f"a cell is FULL, NONE or Limited, not {cell!r}"
    return SOME


def _site_day(site, days: int):
    """A date counted from today in the site's own time zone, where expiry is counted."""
    return timezone.localdate(timezone=site.zone) + timedelta(days=days)


def _grants(cell) -> bool:
    return cell is not NONE


def test_the_matrix_names_every_action_and_every_role():
    assert set(MATRIX) == set(Action.values)
    for action, row in MATRIX.items():
        assert set(row) == set(Role.values), action


@pytest.mark.parametrize(("action", "role"), CELLS)
def test_matrix_cell_matches_the_design(action, role):
    assert _kind(MATRIX[action][role]) == EXPECTED[action][ROLES.index(role)]


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize(("action", "role"), CELLS)
def test_a_role_may_act_at_its_own_site_as_the_matrix_says(action, role, person, site_a, site_b):
    user = person(role, site_a)

    assert can(user, action, site_a) is _grants(MATRIX[action][role])
    assert grant_for(user, action, site_a) == MATRIX[action][role]


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize(("action", "role"), CELLS)
def test_a_role_grants_nothing_at_another_site(action, role, person, site_a, site_b):
    user = person(role, site_a)

    assert can(user, action, site_b) is False
    assert can(user, action, site_b.pk) is False


@pytest.mark.parametrize("action", Action.values)
def test_a_superuser_may_do_everything_everywhere(action, site_a, site_b):
    admin = factories.UserFactory(username="root", is_superuser=True, is_staff=True)

    assert can(admin, action, site_a)
    assert can(admin, action, site_b)


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize(("action", "role"), CELLS)
def test_a_trainee_may_only_view_and_perform(action, role, person, site_a):
    trainee = person(role, site_a, is_trainee=True)

    expected = action in TRAINEE_MAY and _grants(MATRIX[action][role])
    assert can(trainee, action, site_a) is expected


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("role", ROLES)
def test_an_expired_membership_grants_nothing(role, person, site_a):
    user = person(role, site_a, expires_on=_site_day(site_a, -1))

    assert not any(can(user, action, site_a) for action in Action.values)


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("role", ROLES)
def test_a_deactivated_membership_grants_nothing(role, person, site_a):
    user = person(role, site_a, is_active=False)

    assert not any(can(user, action, site_a) for action in Action.values)


def test_a_membership_that_expires_today_still_grants(person, site_a):
    user = person(Role.PHYSICIST, site_a, expires_on=_site_day(site_a, 0))

    assert can(user, Action.EDIT_EQUIPMENT, site_a)


def test_an_anonymous_visitor_may_do_nothing(site_a):
    from django.contrib.auth.models import AnonymousUser

    assert not any(can(AnonymousUser(), action, site_a) for action in Action.values)


def test_a_person_with_two_roles_at_a_site_gets_the_wider_grant(person, site_a):
    """GIVEN a physicist who is also the site's RSO, THEN the physicist's full grant wins."""
    user = person(Role.RSO, site_a)
    factories.MembershipFactory(user=user, site=site_a, role=Role.PHYSICIST)

    assert grant_for(user, Action.EDIT_EQUIPMENT, site_a) is FULL
    both = MATRIX[Action.APPROVE_LOGS][Role.RSO] | MATRIX[Action.APPROVE_LOGS][Role.PHYSICIST]
    assert grant_for(user, Action.APPROVE_LOGS, site_a) == both


def test_roles_at_one_site_do_not_leak_into_another(person, site_a, site_b):
    """GIVEN the RSO of site A who is a technician at site B, THEN each site has its own grant."""
    user = person(Role.RSO, site_a)
    factories.MembershipFactory(user=user, site=site_b, role=Role.TECHNICIAN)

    assert can(user, Action.EDIT_EQUIPMENT, site_a)
    assert not can(user, Action.EDIT_EQUIPMENT, site_b)
    assert can(user, Action.TAKE_OUT_OF_SERVICE, site_b)


def test_require_refuses_with_a_sentence_and_returns_the_grant(person, site_a):
    rso = person(Role.RSO, site_a)
    tech = person(Role.TECHNICIAN, site_a)

    assert require(rso, Action.EDIT_EQUIPMENT, site_a) == MATRIX[Action.EDIT_EQUIPMENT][Role.RSO]
    with pytest.raises(PermissionDenied, match="not allowed to create and edit equipment"):
        require(tech, Action.EDIT_EQUIPMENT, site_a)


def test_sites_where_lists_only_the_sites_that_grant_the_action(person, site_a, site_b):
    user = person(Role.MANAGER, site_a)
    factories.MembershipFactory(
        user=user,
        site=site_b,
        role=Role.INSPECTOR,
        expires_on=factories.days_from_today(30),
    )

    assert sites_where(user, Action.EDIT_EQUIPMENT) == {site_a.pk}
    assert sites_where(user, Action.VIEW_RECORDS) == {site_a.pk, site_b.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(Action))
def test_sites_where_agrees_with_can_at_every_site(action, person, site_a, site_b):
    """GIVEN a person holding every role at one site and a trainee role at another
    THEN sites_where() names exactly the sites where can() says yes."""
    user = person(Role.INSPECTOR, site_a, username="many-roles")
    for role in (Role.TECHNICIAN, Role.PHYSICIST, Role.RSO):
        factories.MembershipFactory(user=user, site=site_a, role=role)
    factories.MembershipFactory(user=user, site=site_b, role=Role.MANAGER, is_trainee=True)
    expected = {site.pk for site in (site_a, site_b) if can(user, action, site)}
    assert sites_where(user, action) == expected


@pytest.mark.django_db
def test_two_limited_roles_at_a_site_keep_both_grants(person, site_a):
    """A physicist who is also the RSO approves physics AND radioactive-materials logs."""
    from imaging_ops.access.permissions import (
        OWN_BEFORE_REVIEW,
        PHYSICS_LOGS,
        RADIATION_RECORDS,
        RADIOACTIVE_MATERIALS_LOGS,
        grants,
    )

    user = person(Role.PHYSICIST, site_a, username="phys-rso")
    factories.MembershipFactory(user=user, site=site_a, role=Role.RSO)
    approve = grant_for(user, Action.APPROVE_LOGS, site_a)
    assert grants(approve, PHYSICS_LOGS) and grants(approve, RADIOACTIVE_MATERIALS_LOGS)

    tech_rso = person(Role.TECHNICIAN, site_a, username="tech-rso")
    factories.MembershipFactory(user=tech_rso, site=site_a, role=Role.RSO)
    amend = grant_for(tech_rso, Action.AMEND_RECORDS, site_a)
    assert grants(amend, OWN_BEFORE_REVIEW) and grants(amend, RADIATION_RECORDS)
    assert not grants(grant_for(tech_rso, Action.APPROVE_LOGS, site_a), PHYSICS_LOGS)
