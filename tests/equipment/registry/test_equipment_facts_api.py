"""The registry's facts through the API: every fact round trips, a source's current activity is
read-only and costs no queries, and bad input is a 400 naming its field."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import Category, Equipment, EquipmentStatus
from imaging_ops.vocabulary import AreaClass, Role
from tests import factories
from tests.factories import CT_FACTS, SOURCE_FACTS
from tests.factories import registered_equipment as create
from tests.factories import registered_source as source

pytestmark = pytest.mark.django_db

EQUIPMENT_API = "/api/v1/equipment/"


# --- the API ---------------------------------------------------------------------------------


def api_payload(site, **fields) -> dict:
    return {
        "site": site.pk,
        "asset_tag": "ALPHA-CT9",
        "name": "CT scanner",
        "modalities": ["CT"],
        **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in CT_FACTS.items()},
        # The CT was accepted in 2023: it is entered as equipment already in clinical use.
        "adopt_in_service": True,
        "adoption_reason": "In clinical use since its acceptance in April 2023",
        **fields,
    }


def test_the_api_round_trips_every_new_field(api, manager, site_a):
    api.force_authenticate(manager)

    created = api.post(EQUIPMENT_API, api_payload(site_a), format="json")
    item = f"{EQUIPMENT_API}{created.json()['id']}/"
    read = api.get(item).json()
    patched = api.patch(
        item, {"software_version": "VA50A", "contract_ends_on": "2028-03-31"}, format="json"
    )

    assert created.status_code == 201, created.json()
    sent = api_payload(site_a)
    assert {field: read[field] for field in CT_FACTS} == {field: sent[field] for field in CT_FACTS}
    assert (read["current_activity_bq"], read["current_activity_display"]) == (None, None)
    assert patched.status_code == 200
    ct = Equipment.objects.get(pk=read["id"])
    assert (ct.software_version, ct.contract_ends_on, ct.vendor) == (
        "VA50A",
        date(2028, 3, 31),
        "Siemens Healthineers",
    )


def test_the_api_gives_a_sources_current_activity_read_only(api, rso, site_a, hot_lab):
    api.force_authenticate(rso)
    payload = {
        "site": site_a.pk,
        "asset_tag": "SRC-1",
        "name": "Cs-137 vial",
        "category": "sealed_source",
        "location": hot_lab.pk,
        "radionuclide": "Cs-137",
        "reference_activity": "200",
        "activity_unit": "uCi",
        "reference_date": "2016-03-01",
        "current_activity_bq": "1",
    }

    with time_machine.travel(datetime(2026, 3, 1, 17, 0, tzinfo=UTC), tick=False):
        created = api.post(EQUIPMENT_API, payload, format="json")
        listed = api.get(EQUIPMENT_API).json()["results"][0]

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["reference_activity"] == "200.000000"
    assert body["current_activity_bq"] == "5877150"  # 7.4 MBq * 2^(-3652 d / 30.08 y)
    assert body["current_activity_display"] == "5.88 MBq (158.8 µCi)"
    assert listed["current_activity_display"] == "5.88 MBq (158.8 µCi)"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"maintenance_strategy": "alternative"}, "maintenance_strategy"),
        ({"maintenance_strategy": "cheapest"}, "maintenance_strategy"),
        ({"installed_on": "yesterday"}, "installed_on"),
        ({"accepted_on": "2023-04-01"}, "accepted_on"),
        ({"high_risk": "perhaps"}, "high_risk"),
        ({"radionuclide": "Cs-137"}, "radionuclide"),
        ({"reference_activity": "lots"}, "reference_activity"),
        ({"reference_activity": "1" * 20}, "reference_activity"),
        ({"activity_unit": "rad"}, "activity_unit"),
        ({"software_version": "v" * 101}, "software_version"),
    ],
)
def test_bad_registry_input_through_the_api_is_a_400_naming_the_field(
    change, field, api, manager, site_a
):
    api.force_authenticate(manager)

    response = api.post(EQUIPMENT_API, api_payload(site_a, **change), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not Equipment.objects.exists()


def test_a_patch_of_a_sealed_source_into_unsecured_storage_is_a_400(api, rso, site_a, hot_lab):
    vial = source(rso, site_a, hot_lab)
    open_room = factories.LocationFactory(site=site_a, area_class=AreaClass.RESTRICTED)
    api.force_authenticate(rso)

    response = api.patch(f"{EQUIPMENT_API}{vial.pk}/", {"location": open_room.pk}, format="json")

    assert response.status_code == 400
    assert "20.1801" in response.json()["location"][0]


def test_status_stays_read_only_beside_the_new_fields(api, manager, site_a):
    ct = create(manager, site_a)
    api.force_authenticate(manager)

    response = api.patch(
        f"{EQUIPMENT_API}{ct.pk}/", {"software_version": "2.0", "status": "retired"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"status"}
    ct.refresh_from_db()
    assert (ct.software_version, ct.status) == ("", EquipmentStatus.AWAITING_ACCEPTANCE)


def test_a_reference_date_tomorrow_through_the_api_is_a_400(api, person, site_a, hot_lab):
    rso = person(Role.RSO, site_a)
    api.force_authenticate(rso)
    tomorrow = date.today() + timedelta(days=2)

    response = api.post(
        EQUIPMENT_API,
        {
            "site": site_a.pk,
            "asset_tag": "SRC-9",
            "name": "Co-57 flood",
            "category": "sealed_source",
            "location": hot_lab.pk,
            "radionuclide": "Co-57",
            "reference_activity": "10",
            "activity_unit": "mCi",
            "reference_date": tomorrow.isoformat(),
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"reference_date": ["The reference date cannot be in the future."]}


def test_current_activities_in_the_api_list_add_no_queries(api, manager, site_a, hot_lab):
    """Each source decays to its site's today from rows the list already loaded."""

    def add_sources(start, count):
        for n in range(start, start + count):
            factories.EquipmentFactory(
                site=site_a,
                location=hot_lab,
                asset_tag=f"SRC-{n:03d}",
                category=Category.SEALED_SOURCE,
                modalities=[],
                **SOURCE_FACTS,
            )

    def queries() -> int:
        api.get(EQUIPMENT_API)
        with CaptureQueriesContext(connection) as captured:
            response = api.get(EQUIPMENT_API, {"page_size": 100})
        assert all(row["current_activity_display"] for row in response.json()["results"])
        return len(captured)

    api.force_authenticate(manager)
    add_sources(0, 3)
    few = queries()
    add_sources(3, 40)

    assert queries() == few
