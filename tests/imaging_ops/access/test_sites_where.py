"""`sites_where(user, action)` for a system administrator: every site, ALL_SITES, without a
superuser case in each caller."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from imaging_ops.access.permissions import ALL_SITES, Action, can, sites_where
from imaging_ops.audit.selectors import audit_events_for
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.people.selectors import managed_sites
from imaging_ops.vocabulary import Role
from imaging_ops.web.navigation import navigation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return factories.UserFactory(username="root", is_superuser=True)


@pytest.mark.parametrize("action", Action.values)
def test_a_superuser_may_take_every_action_at_every_site(action, admin, site_a):
    sites = sites_where(admin, action)

    assert sites is ALL_SITES
    assert sites
    assert site_a.pk in sites
    assert can(admin, action, site_a)


def test_every_site_includes_those_made_later_and_any_set_of_sites(admin, site_a, site_b):
    sites = sites_where(admin, Action.MANAGE_PEOPLE)
    later = factories.SiteFactory(code="GAMMA")

    assert later.pk in sites
    assert {site_a.pk, site_b.pk, later.pk} <= sites
    assert frozenset() <= sites


def test_every_site_cannot_be_listed_by_mistake(admin):
    with pytest.raises(TypeError, match="cannot be listed"):
        sorted(sites_where(admin, Action.SEARCH_AUDIT))


def test_sites_where_reads_no_roles_for_a_superuser(admin, django_assert_num_queries):
    with django_assert_num_queries(0):
        sites_where(admin, Action.EDIT_EQUIPMENT)


def test_a_person_with_roles_still_gets_their_sites(person, site_a, site_b):
    manager = person(Role.MANAGER, site_a)

    assert sites_where(manager, Action.MANAGE_PEOPLE) == {site_a.pk}
    assert site_b.pk not in sites_where(manager, Action.MANAGE_PEOPLE)
    assert not ({site_a.pk, site_b.pk} <= sites_where(manager, Action.MANAGE_PEOPLE))


def test_nobody_signed_in_may_do_anything_anywhere(site_a):
    assert sites_where(AnonymousUser(), Action.VIEW_RECORDS) == frozenset()


def test_a_superuser_without_roles_gets_the_managers_sections(admin):
    request = RequestFactory().get("/")
    request.user = admin

    context = navigation(request)

    assert context["may_search_audit"] and context["may_manage_people"]
    assert context["may_manage_sites"]


def test_a_superuser_manages_every_site_and_searches_every_event(admin, site_a, site_b):
    with regulated_transaction():
        record_event(AuditAction.EXPORT, object_type="audit trail", site_id=None)
        record_event(AuditAction.EXPORT, object_type="audit trail", site_id=site_a.pk)

    assert list(managed_sites(admin)) == [site_a, site_b]
    assert audit_events_for(admin).filter(site__isnull=True).exists()
