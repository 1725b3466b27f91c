"""The equipment page loads its newest audit events after itself and links the rest in the
audit search."""

from urllib.parse import parse_qs, urlsplit

import pytest

from equipment.services.registry import update_equipment
from equipment.views.registry import PAGE_HISTORY
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_newest_events_are_shown_and_the_rest_linked_for_those_who_search(
    client, manager, tech, site_a
):
    unit = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1")
    for n in range(PAGE_HISTORY + 2):
        update_equipment(actor=manager, equipment=unit, name=f"CT scanner {n}")
    client.force_login(manager)
    history = f"/equipment/{unit.pk}/history/"
    assert f'hx-get="{history}"' in client.get(f"/equipment/{unit.pk}/").content.decode()
    page = client.get(history, headers={"HX-Request": "true"})
    assert "<html" not in page.content.decode()
    assert len(page.context["audit_history"]) == PAGE_HISTORY
    more = urlsplit(page.context["audit_more_url"])
    assert parse_qs(more.query) == {
        "object_type": ["equipment.equipment"],
        "object_id": [str(unit.pk)],
    }
    listed = client.get(page.context["audit_more_url"])
    assert listed.status_code == 200
    assert "CT scanner 0" in listed.content.decode()
    client.force_login(tech)  # technicians do not search the trail: no link to a 403
    assert client.get(history).context["audit_more_url"] is None
    # Without JavaScript, the history is a page of its own; outside the site, not found.
    assert "<html" in client.get(history).content.decode()


def test_another_sites_history_is_not_found(client, person, site_b, site_a):
    unit = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT2")
    client.force_login(person("technician", site_b))
    assert client.get(f"/equipment/{unit.pk}/history/").status_code == 404
