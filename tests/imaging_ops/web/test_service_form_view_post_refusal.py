"""A person without the right is refused on POST before the form is read: they learn nothing
of what the rules would say (a taken asset tag) and nothing is saved."""

import pytest
from django.urls import reverse

from equipment.models import Equipment
from equipment.services.registry import TAG_TAKEN
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_inspectors_invalid_post_is_refused_not_checked(client, inspector, site_a):
    factories.EquipmentFactory(site=site_a, asset_tag="CT-1")
    client.force_login(inspector)

    response = client.post(
        reverse("equipment:create"),
        {"site": site_a.pk, "asset_tag": "CT-1", "name": "", "installed_on": "soon"},
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert TAG_TAKEN not in page
    assert response.context["form"].non_field_errors()
    assert Equipment.objects.count() == 1
