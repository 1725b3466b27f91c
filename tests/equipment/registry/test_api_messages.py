"""The API refuses a site move or a status edit in the words of the equipment services."""

import pytest

from equipment.services.registry import EQUIPMENT_SITE_FIXED, LOCATION_SITE_FIXED
from equipment.services.status import STATUS_NOT_EDITED_IN_API
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_of_both(person, site_a, site_b):
    manager = person(Role.MANAGER, site_a, username="max")
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)
    return manager


def test_a_location_never_moves_to_another_site(api, manager_of_both, site_a, site_b):
    room = factories.LocationFactory(site=site_a, building="Main", room="CT 1")
    api.force_authenticate(manager_of_both)

    response = api.patch(f"/api/v1/locations/{room.pk}/", {"site": site_b.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"site": [LOCATION_SITE_FIXED]}
    room.refresh_from_db()
    assert room.site == site_a


def test_equipment_never_moves_to_another_site(api, manager_of_both, site_a, site_b):
    ct = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1", name="CT scanner")
    api.force_authenticate(manager_of_both)

    response = api.patch(f"/api/v1/equipment/{ct.pk}/", {"site": site_b.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"site": [EQUIPMENT_SITE_FIXED]}
    ct.refresh_from_db()
    assert ct.site == site_a


def test_the_same_site_is_no_move(api, manager_of_both, site_a):
    ct = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1", name="CT scanner")
    api.force_authenticate(manager_of_both)

    response = api.patch(
        f"/api/v1/equipment/{ct.pk}/", {"site": site_a.pk, "name": "CT 1"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "CT 1"


def test_status_is_refused_with_the_way_to_change_it(api, manager_of_both, site_a):
    ct = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1", name="CT scanner")
    api.force_authenticate(manager_of_both)

    response = api.patch(f"/api/v1/equipment/{ct.pk}/", {"status": "retired"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"status": [STATUS_NOT_EDITED_IN_API]}
