"""The scoped choice filter: a FilterSet offers only rows at the requester's sites, and filtering
by another site's row is refused exactly like filtering by a row that does not exist."""

import django_filters
import pytest
from django import forms
from django.test import RequestFactory

from equipment.filters import AcceptanceNoteFilter, EquipmentFilter, LocationFilter
from equipment.models import Equipment, Location
from imaging_ops.access.scoping import ScopedModelChoiceFilter
from imaging_ops.access.site_paths import site_id_of
from imaging_ops.filters import AuditEventFilter
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.req("11.10(d)")]


class _EquipmentByRoom(django_filters.FilterSet):
    location = ScopedModelChoiceFilter(queryset=Location.objects.all())

    class Meta:
        model = Equipment
        fields = ["location"]


@pytest.fixture
def rooms(site_a, site_b):
    """A CT room with its scanner at each site."""
    rows = {}
    for site in (site_a, site_b):
        room = factories.LocationFactory(site=site, building="Main", room="CT 1")
        factories.EquipmentFactory(site=site, location=room, asset_tag=f"{site.code}-CT1")
        rows[site.code] = room
    return rows


def by(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def choices(filterset, name):
    return list(filterset.form.fields[name].queryset)


def test_the_choices_are_the_rows_at_the_requesters_sites(rooms, tech):
    assert choices(_EquipmentByRoom(request=by(tech)), "location") == [rooms["ALPHA"]]


def test_a_room_at_another_site_is_refused_like_a_missing_one(rooms, tech):
    other = _EquipmentByRoom({"location": rooms["BETA"].pk}, request=by(tech))
    missing = _EquipmentByRoom({"location": 999_999}, request=by(tech))

    assert not other.is_valid()
    assert not missing.is_valid()
    assert other.errors["location"] == missing.errors["location"]


def test_a_room_at_ones_own_site_filters_the_list(rooms, tech):
    own = _EquipmentByRoom(
        {"location": rooms["ALPHA"].pk}, queryset=Equipment.objects.all(), request=by(tech)
    )

    assert own.is_valid()
    assert [equipment.asset_tag for equipment in own.qs] == ["ALPHA-CT1"]


def test_a_person_at_two_sites_may_choose_rooms_at_both(rooms, person, site_a, site_b):
    user = person(Role.TECHNICIAN, site_a)
    factories.MembershipFactory(user=user, site=site_b, role=Role.PHYSICIST)

    assert set(choices(_EquipmentByRoom(request=by(user)), "location")) == set(rooms.values())


def test_a_system_administrator_may_choose_any_sites_room(rooms):
    admin = factories.UserFactory(username="root", is_superuser=True)

    assert set(choices(_EquipmentByRoom(request=by(admin)), "location")) == set(rooms.values())


def test_a_person_without_a_role_is_offered_nothing(rooms):
    nobody = factories.UserFactory(username="nobody")

    assert choices(_EquipmentByRoom(request=by(nobody)), "location") == []


def test_a_filterset_built_without_a_request_offers_nothing(rooms):
    assert choices(_EquipmentByRoom(), "location") == []


# --- every FilterSet of pages and the API -----------------------------------------------------


def mr_room_with_scanner(site):
    room = factories.LocationFactory(site=site, building="Main", room="MR 1")
    return room, factories.EquipmentFactory(site=site, location=room, asset_tag=f"{site.code}-MR1")


@pytest.fixture
def beta_rows(site_a, site_b):
    """An MR room with its scanner at each site; Beta's rows by kind."""
    mr_room_with_scanner(site_a)
    room, scanner = mr_room_with_scanner(site_b)
    return {"site": site_b, "location": room, "equipment": scanner}


@pytest.mark.parametrize(
    "filterset_class",
    [EquipmentFilter, LocationFilter, AcceptanceNoteFilter, AuditEventFilter],
    ids=lambda filterset_class: filterset_class.__name__,
)
def test_no_filterset_offers_another_sites_rows(filterset_class, tech, site_a, beta_rows):
    fields = filterset_class(request=by(tech)).form.fields
    row_choices = {
        name: list(field.queryset)
        for name, field in fields.items()
        if isinstance(field, forms.ModelChoiceField)
    }

    assert row_choices
    for name, rows in row_choices.items():
        assert rows, name
        assert {site_id_of(row) for row in rows} == {site_a.pk}, name


@pytest.mark.parametrize(
    ("url", "name", "row"),
    [
        ("/api/v1/equipment/", "site", "site"),
        ("/api/v1/equipment/", "location", "location"),
        ("/api/v1/locations/", "site", "site"),
        ("/api/v1/acceptance-notes/", "equipment", "equipment"),
        ("/api/v1/audit-events/", "site", "site"),
    ],
)
def test_filtering_the_api_by_another_sites_row_is_a_400_naming_the_filter(
    url, name, row, api, physicist, beta_rows
):
    api.force_authenticate(physicist)

    response = api.get(url, {name: beta_rows[row].pk})

    assert response.status_code == 400
    assert name in response.json()
