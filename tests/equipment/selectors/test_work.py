"""The work waiting for a person: a system administrator's answer covers every site."""

import pytest

from equipment.models import EquipmentStatus
from equipment.selectors.work import acceptance_work
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_system_administrator_sees_all_equipment_awaiting_acceptance(site_a, site_b):
    admin = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    for site in (site_a, site_b):
        factories.EquipmentFactory(site=site, status=EquipmentStatus.AWAITING_ACCEPTANCE)
    factories.EquipmentFactory(site=site_a, status=EquipmentStatus.IN_SERVICE)

    waiting = acceptance_work(admin)

    assert waiting.count == 2
    assert {item.site_id for item in waiting} == {site_a.pk, site_b.pk}
