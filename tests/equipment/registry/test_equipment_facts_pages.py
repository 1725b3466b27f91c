"""The registry's facts on the equipment form and the detail page: the form's groups, round
trips of every fact, and each error shown on its field."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from equipment.models import Equipment
from tests.factories import CT_FACTS
from tests.factories import registered_equipment as create
from tests.factories import registered_source as source

pytestmark = pytest.mark.django_db

CREATE = reverse("equipment:create")


# --- the form and the detail page -------------------------------------------------------------


def form_post(site, location=None, **fields) -> dict:
    data = {
        "site": site.pk,
        "asset_tag": "ALPHA-CT9",
        "name": "CT scanner",
        "category": "imaging_system",
        "primary_modality": "CT",
        "location": location.pk if location else "",
        "manufacturer": "Siemens",
        "model": "SOMATOM go.Top",
        "serial_number": "SN-99",
        "software_version": "VA40A-SP2",
        "installed_on": "2023-04-03",
        "accepted_on": "2023-04-17",
        "warranty_ends_on": "2024-04-16",
        "vendor": "Siemens Healthineers",
        "contract_reference": "SH-PM-88412",
        "contract_ends_on": "2027-03-31",
        "high_risk": "on",
        "maintenance_strategy": "manufacturer",
        "has_maintenance_history": "on",
        # The CT was accepted in 2023: it is entered as equipment already in clinical use.
        "adopt_in_service": "on",
        "adoption_reason": "In clinical use since its acceptance in April 2023",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_groups_the_fields(client, manager):
    client.force_login(manager)

    form = client.get(CREATE).context["form"]

    sections = {s["key"]: [f.name for f in s["fields"]] for s in form.sections()}
    assert list(sections) == ["identity", "dates", "maintenance", "sealed_source", "adoption"]
    assert "software_version" in sections["identity"]
    assert sections["maintenance"] == [
        "high_risk",
        "maintenance_strategy",
        "has_maintenance_history",
    ]
    assert sections["sealed_source"] == [
        "radionuclide",
        "reference_activity",
        "activity_unit",
        "reference_date",
    ]
    open_ = {s["key"]: s["open"] for s in form.sections()}
    assert open_["sealed_source"] is False  # closed for a new imaging system
    assert 'id="section-sealed_source"' in client.get(CREATE).content.decode()


def test_the_form_saves_every_new_field_and_the_edit_form_shows_them(client, manager, site_a):
    client.force_login(manager)

    response = client.post(CREATE, form_post(site_a))

    assert response.status_code == 302
    ct = Equipment.objects.get(asset_tag="ALPHA-CT9")
    assert {field: getattr(ct, field) for field in CT_FACTS} == CT_FACTS
    initial = client.get(reverse("equipment:edit", args=[ct.pk])).context["form"].initial
    assert {field: initial[field] for field in CT_FACTS} == CT_FACTS


def test_a_sealed_source_round_trips_through_the_form(client, rso, site_a, hot_lab):
    client.force_login(rso)
    data = form_post(
        site_a,
        hot_lab,
        asset_tag="SRC-1",
        name="Cs-137 vial",
        category="sealed_source",
        primary_modality="",
        high_risk=None,
        accepted_on=None,
        adopt_in_service=None,
        adoption_reason=None,
        radionuclide="Cs-137",
        reference_activity="200",
        activity_unit="uCi",
        reference_date="2024-01-15",
    )

    assert client.post(CREATE, data).status_code == 302
    vial = Equipment.objects.get(asset_tag="SRC-1")
    edit_form = client.get(reverse("equipment:edit", args=[vial.pk])).context["form"]
    saved = client.post(reverse("equipment:edit", args=[vial.pk]), data)

    assert (vial.radionuclide, vial.reference_activity) == ("Cs-137", Decimal("200"))
    assert edit_form.initial["reference_activity"] == "200"
    assert {s["key"]: s["open"] for s in edit_form.sections()}["sealed_source"] is True
    assert saved.status_code == 302


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"maintenance_strategy": "alternative"}, "maintenance_strategy", "CMS S&C 14-07"),
        ({"accepted_on": "2023-04-01"}, "accepted_on", "before installation"),
        ({"installed_on": "3 April"}, "installed_on", "valid date"),
        ({"radionuclide": "Cs-137"}, "radionuclide", "Only sealed sources"),
        ({"reference_activity": "lots"}, "reference_activity", "number"),
        ({"maintenance_strategy": "whatever"}, "maintenance_strategy", "valid choice"),
    ],
)
def test_bad_registry_input_on_the_form_is_400_with_the_error_on_its_field(
    fields, field, words, client, manager, site_a
):
    client.force_login(manager)

    response = client.post(CREATE, form_post(site_a, **fields))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert words in " ".join(errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Equipment.objects.exists()


def test_a_missing_certificate_opens_the_sealed_source_group_with_its_errors(
    client, rso, site_a, hot_lab
):
    client.force_login(rso)

    response = client.post(
        CREATE,
        form_post(site_a, hot_lab, category="sealed_source", primary_modality="", high_risk=None),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert {"radionuclide", "reference_activity", "activity_unit", "reference_date"} <= set(
        form.errors
    )
    assert {s["key"]: s["open"] for s in form.sections()}["sealed_source"] is True


def test_the_detail_page_shows_the_new_facts(client, tech, manager, site_a):
    ct = create(manager, site_a, asset_tag="ALPHA-CT9", **CT_FACTS)
    client.force_login(tech)

    page = client.get(reverse("equipment:detail", args=[ct.pk])).content.decode()

    for shown in (
        "VA40A-SP2",
        "2023-04-03",
        "2023-04-17",
        "2024-04-16",
        "Siemens Healthineers",
        "SH-PM-88412",
        "2027-03-31",
        "High-risk equipment",
        "Manufacturer&#x27;s recommendations",
    ):
        assert shown in page, shown
    assert 'id="sealed-source"' not in page


def test_the_detail_page_shows_a_sources_activity_today_in_both_unit_systems(
    client, tech, rso, site_a, hot_lab
):
    with time_machine.travel(datetime(2026, 3, 1, 17, 0, tzinfo=UTC), tick=False):
        vial = source(rso, site_a, hot_lab, reference_date=date(2016, 3, 1))
        client.force_login(tech)
        page = client.get(reverse("equipment:detail", args=[vial.pk])).content.decode()

    assert "Cs-137" in page and "30.08 years" in page
    assert "200 µCi (7.40 MBq) on 2016-03-01" in page
    assert '<strong id="current-activity">5.88 MBq (158.8 µCi)</strong>' in page
    assert "as of 2026-03-01" in page
