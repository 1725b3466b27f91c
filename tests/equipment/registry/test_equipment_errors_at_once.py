"""The equipment form shows every field error of one submit at once: a date it cannot read
beside what the registry's rules say of the other fields (a taken asset tag, acceptance before
installation), and nothing is saved."""

import pytest
from django.urls import reverse

from equipment.models import Equipment
from equipment.services.registry import TAG_TAKEN
from tests import factories
from tests.page_errors import shown_on

pytestmark = pytest.mark.django_db
BAD_DATE = "Enter a valid date."


def form(site, **fields) -> dict:
    return {
        "site": site.pk,
        "asset_tag": "CT-1",
        "name": "CT scanner",
        "category": "imaging_system",
        "primary_modality": "CT",
        "maintenance_strategy": "manufacturer",
        **fields,
    }


def test_a_bad_date_and_a_taken_tag_show_in_one_submit(client, physicist, site_a):
    factories.EquipmentFactory(site=site_a, asset_tag="CT-1")
    client.force_login(physicist)

    response = client.post(reverse("equipment:create"), form(site_a, installed_on="soon"))

    assert response.status_code == 400
    assert shown_on(response, "installed_on") == [BAD_DATE]
    assert shown_on(response, "asset_tag") == [TAG_TAKEN]
    assert Equipment.objects.filter(site=site_a).count() == 1


def test_the_edit_form_shows_a_rule_beside_a_bad_date(client, manager, site_a):
    ct = factories.registered_equipment(
        manager,
        site_a,
        asset_tag="CT-2",
        adopt_in_service=True,
        adoption_reason="In clinical use",
        installed_on="2024-05-02",
    )
    client.force_login(manager)

    response = client.post(
        reverse("equipment:edit", args=[ct.pk]),
        form(
            site_a,
            asset_tag="CT-2",
            installed_on="2024-05-02",
            accepted_on="2024-05-01",
            warranty_ends_on="someday",
        ),
    )

    assert response.status_code == 400
    assert shown_on(response, "warranty_ends_on") == [BAD_DATE]
    assert shown_on(response, "accepted_on") == [
        "Acceptance cannot come before installation (installed on 2024-05-02)."
    ]
    ct.refresh_from_db()
    assert ct.accepted_on is None and ct.warranty_ends_on is None
