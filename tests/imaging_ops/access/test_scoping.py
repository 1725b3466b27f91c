"""`scope()` and the scoped form and serializer fields: a person sees only their sites' rows."""

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework import serializers

from equipment.models import Equipment, EquipmentStatusChange, Location
from imaging_ops.access.scoping import ScopedFormMixin, ScopedRelatedField, scope
from imaging_ops.access.site_paths import site_id_of
from imaging_ops.models import ApiToken, Site, SiteMembership
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.req("11.10(d)")]


@pytest.fixture
def two_sites(site_a, site_b):
    """One location and one piece of equipment with a status change at each site."""
    actor = factories.UserFactory(username="history-writer")
    rows = {}
    for site in (site_a, site_b):
        equipment = factories.EquipmentFactory(site=site, asset_tag=f"{site.code}-CT1")
        EquipmentStatusChange.objects.create(
            equipment=equipment,
            to_status="in_service",
            reason="accepted",
            actor=actor,
            changed_at="2026-01-05T12:00:00Z",
        )
        rows[site.code] = equipment
    return rows


def test_scope_limits_each_kind_of_row_to_the_users_sites(two_sites, tech, site_a):
    assert list(scope(Site.objects.all(), tech)) == [site_a]
    assert {e.site_id for e in scope(Equipment.objects.all(), tech)} == {site_a.pk}
    assert {loc.site_id for loc in scope(Location.objects.all(), tech)} == {site_a.pk}
    changes = scope(EquipmentStatusChange.objects.all(), tech)
    assert [c.equipment.site_id for c in changes] == [site_a.pk]


def test_a_person_at_two_sites_sees_both(two_sites, person, site_a, site_b):
    user = person(Role.TECHNICIAN, site_a)
    factories.MembershipFactory(user=user, site=site_b, role=Role.PHYSICIST)

    assert scope(Equipment.objects.all(), user).count() == 2


def test_a_superuser_sees_every_site(two_sites):
    admin = factories.UserFactory(username="root", is_superuser=True)

    assert scope(Equipment.objects.all(), admin).count() == 2
    assert scope(Site.objects.all(), admin).count() == 2


def test_an_anonymous_visitor_sees_nothing(two_sites):
    assert not scope(Equipment.objects.all(), AnonymousUser()).exists()


def test_a_person_without_a_role_sees_nothing(two_sites):
    nobody = factories.UserFactory(username="nobody")

    assert not scope(Equipment.objects.all(), nobody).exists()
    assert not scope(Site.objects.all(), nobody).exists()


def test_an_expired_inspector_sees_nothing(two_sites, person, site_a):
    inspector = person(Role.INSPECTOR, site_a, expires_on=factories.days_from_today(-2))

    assert not scope(Equipment.objects.all(), inspector).exists()


def test_a_deactivated_membership_sees_nothing(two_sites, person, site_a):
    user = person(Role.MANAGER, site_a, is_active=False)

    assert not scope(Equipment.objects.all(), user).exists()


def test_scope_keeps_the_querysets_own_filters(two_sites, manager, site_a):
    factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-MR1", modalities=["MR"])

    mr = scope(Equipment.objects.filter(modality="MR"), manager)

    assert [e.asset_tag for e in mr] == ["ALPHA-MR1"]


def test_a_model_without_a_scope_path_cannot_be_scoped(tech):
    with pytest.raises(TypeError, match="ApiToken declares no scope_path"):
        scope(ApiToken.objects.all(), tech)


def test_site_id_of_follows_the_scope_path(two_sites, site_a):
    equipment = two_sites["ALPHA"]

    assert site_id_of(site_a) == site_a.pk
    assert site_id_of(equipment) == site_a.pk
    assert site_id_of(equipment.location) == site_a.pk
    assert site_id_of(equipment.status_changes.get()) == site_a.pk
    assert site_id_of(SiteMembership(site=site_a, role=Role.TECHNICIAN)) == site_a.pk


class _LocationPicker(ScopedFormMixin, forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.all())


def test_a_scoped_form_offers_and_accepts_only_the_users_sites(two_sites, tech):
    own = two_sites["ALPHA"].location
    other = two_sites["BETA"].location

    form = _LocationPicker(user=tech)
    assert list(form.fields["location"].queryset) == [own]

    refused = _LocationPicker({"location": other.pk}, user=tech)
    assert not refused.is_valid()
    assert "location" in refused.errors
    assert _LocationPicker({"location": own.pk}, user=tech).is_valid()


class _LocationRef(serializers.Serializer):
    location = ScopedRelatedField(queryset=Location.objects.all())


def test_a_scoped_serializer_field_refuses_another_sites_row_like_a_missing_one(two_sites, tech):
    request = RequestFactory().post("/")
    request.user = tech
    other = two_sites["BETA"].location

    refused = _LocationRef(data={"location": other.pk}, context={"request": request})
    missing = _LocationRef(data={"location": 999_999}, context={"request": request})

    assert not refused.is_valid()
    assert not missing.is_valid()
    assert refused.errors["location"] == [
        m.replace("999999", str(other.pk)) for m in missing.errors["location"]
    ]
    accepted = _LocationRef(
        data={"location": two_sites["ALPHA"].location.pk}, context={"request": request}
    )
    assert accepted.is_valid(), accepted.errors
