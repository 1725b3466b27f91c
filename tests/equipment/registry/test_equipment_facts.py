"""The registry's remaining fields: their rules in the service, and round trips through the
equipment form, the detail page and the API, with field-level errors everywhere."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import Category, Equipment, EquipmentStatus, MaintenanceStrategy
from equipment.services import registry as services
from equipment.services.status import change_equipment_status
from imaging_ops.vocabulary import AreaClass, Role
from tests import factories

pytestmark = pytest.mark.django_db

ALT = MaintenanceStrategy.ALTERNATIVE
EQUIPMENT_API = "/api/v1/equipment/"
CREATE = reverse("equipment:create")

CT_FACTS = {
    "software_version": "VA40A-SP2",
    "installed_on": date(2023, 4, 3),
    "accepted_on": date(2023, 4, 17),
    "high_risk": True,
    "maintenance_strategy": MaintenanceStrategy.MANUFACTURER,
    "has_maintenance_history": True,
    "warranty_ends_on": date(2024, 4, 16),
    "contract_ends_on": date(2027, 3, 31),
    "vendor": "Siemens Healthineers",
    "contract_reference": "SH-PM-88412",
}
SOURCE_FACTS = {
    "radionuclide": "Cs-137",
    "reference_activity": Decimal("200"),
    "activity_unit": "uCi",
    "reference_date": date(2024, 1, 15),
}


@pytest.fixture
def hot_lab(site_a):
    return factories.LocationFactory(
        site=site_a,
        building="Nuclear Medicine",
        room="Hot lab",
        area_class=AreaClass.RESTRICTED,
        secured_storage=True,
    )


def create(actor, site, **fields):
    fields.setdefault("asset_tag", "NEW-1")
    fields.setdefault("name", "New equipment")
    fields.setdefault("modalities", ["CT"] if fields.get("category") is None else [])
    return services.create_equipment(actor=actor, site=site, **fields)


def refusal(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def source(actor, site, location, **fields):
    return create(
        actor,
        site,
        asset_tag=fields.pop("asset_tag", "SRC-1"),
        name="Cs-137 vial source",
        category=Category.SEALED_SOURCE,
        location=location,
        **{**SOURCE_FACTS, **fields},
    )


# --- alternative maintenance (CMS S&C 14-07) ------------------------------------------------


@pytest.mark.parametrize(
    ("category", "modalities", "history", "why"),
    [
        (Category.IMAGING_SYSTEM, ["MR"], True, "imaging and radiologic equipment"),
        (Category.QA_INSTRUMENT, ["CT"], True, "imaging and radiologic equipment"),
        (Category.RADIATION_INSTRUMENT, ["NM"], True, "imaging and radiologic equipment"),
        (Category.LASER, [], True, "lasers"),
        (Category.QA_INSTRUMENT, [], False, "maintenance history"),
        (Category.OTHER, [], False, "maintenance history"),
    ],
    ids=[
        "imaging-system",
        "phantom-with-a-modality",
        "dose-calibrator",
        "laser",
        "no-history",
        "other-no-history",
    ],
)
def test_alternative_maintenance_is_refused_where_cms_forbids_it(
    category, modalities, history, why, manager, site_a
):
    with pytest.raises(ValidationError) as excinfo:
        create(
            manager,
            site_a,
            category=category,
            modalities=modalities,
            maintenance_strategy=ALT,
            has_maintenance_history=history,
        )

    (message,) = refusal(excinfo)["maintenance_strategy"]
    assert why in message
    assert "CMS S&C 14-07" in message
    assert "manufacturer's schedule" in message
    assert not Equipment.objects.exists()


def test_the_imaging_refusal_reads_as_the_issue_words_it(manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        create(manager, site_a, maintenance_strategy=ALT, has_maintenance_history=True)

    assert refusal(excinfo) == {
        "maintenance_strategy": [
            "Alternative maintenance is not allowed for imaging and radiologic equipment "
            "(CMS S&C 14-07); follow the manufacturer's schedule."
        ]
    }


def test_a_qa_instrument_with_a_maintenance_history_may_follow_alternative_maintenance(
    physicist, site_a
):
    electrometer = create(
        physicist,
        site_a,
        name="Electrometer",
        category=Category.QA_INSTRUMENT,
        maintenance_strategy=ALT,
        has_maintenance_history=True,
    )

    electrometer.refresh_from_db()
    assert electrometer.maintenance_strategy == ALT


def test_an_edit_cannot_slip_a_scanner_into_alternative_maintenance(manager, site_a):
    """GIVEN an electrometer on AEM, WHEN someone gives it a modality, THEN it is refused."""
    meter = create(
        manager,
        site_a,
        category=Category.QA_INSTRUMENT,
        maintenance_strategy=ALT,
        has_maintenance_history=True,
    )

    with pytest.raises(ValidationError) as excinfo:
        services.update_equipment(actor=manager, equipment=meter, modalities=["DX"])

    assert set(refusal(excinfo)) == {"maintenance_strategy"}
    meter.refresh_from_db()
    assert meter.modalities == []


# --- dates ----------------------------------------------------------------------------------


def test_acceptance_cannot_come_before_installation(manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        create(manager, site_a, installed_on=date(2024, 5, 2), accepted_on=date(2024, 5, 1))

    assert refusal(excinfo) == {
        "accepted_on": ["Acceptance cannot come before installation (installed on 2024-05-02)."]
    }


def test_acceptance_on_the_day_of_installation_is_fine(manager, site_a):
    ct = create(manager, site_a, installed_on=date(2024, 5, 2), accepted_on=date(2024, 5, 2))

    assert ct.accepted_on == ct.installed_on


def test_a_date_that_does_not_parse_is_that_fields_error_alone(manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        create(manager, site_a, installed_on="2024-02-30", accepted_on=date(2024, 1, 1))

    assert set(refusal(excinfo)) == {"installed_on"}


def test_blank_dates_from_an_import_are_stored_as_no_date(manager, site_a):
    ct = create(manager, site_a, installed_on="", accepted_on="  ", warranty_ends_on="")
    services.update_equipment(actor=manager, equipment=ct, contract_ends_on="")

    ct.refresh_from_db()
    assert (ct.installed_on, ct.accepted_on, ct.warranty_ends_on, ct.contract_ends_on) == (
        None,
        None,
        None,
        None,
    )


def test_a_source_with_blank_cells_is_told_what_is_missing(rso, site_a, hot_lab):
    with pytest.raises(ValidationError) as excinfo:
        source(rso, site_a, hot_lab, reference_activity="", reference_date="")

    assert set(refusal(excinfo)) == {"reference_activity", "reference_date"}


def test_every_new_fact_is_stored(manager, site_a):
    ct = create(manager, site_a, **CT_FACTS)

    ct.refresh_from_db()
    assert {field: getattr(ct, field) for field in CT_FACTS} == CT_FACTS


# --- sealed sources ---------------------------------------------------------------------------


def test_a_sealed_source_in_secured_storage_with_its_certificate_is_accepted(rso, site_a, hot_lab):
    vial = source(rso, site_a, hot_lab)

    vial.refresh_from_db()
    assert (vial.radionuclide, vial.reference_activity, vial.activity_unit) == (
        "Cs-137",
        Decimal("200"),
        "uCi",
    )


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("radionuclide", "Choose the radionuclide of this sealed source."),
        ("reference_activity", "Give the activity on the source's certificate."),
        ("activity_unit", "Choose the unit of the reference activity (Bq or Ci family)."),
        ("reference_date", "Give the date of the certified reference activity."),
    ],
)
def test_a_sealed_source_needs_each_fact_of_its_certificate(missing, message, rso, site_a, hot_lab):
    blank = None if missing in {"reference_activity", "reference_date"} else ""

    with pytest.raises(ValidationError) as excinfo:
        source(rso, site_a, hot_lab, **{missing: blank})

    assert refusal(excinfo) == {missing: [message]}
    assert not Equipment.objects.exists()


@pytest.mark.parametrize("activity", [Decimal(0), Decimal("-5")])
def test_the_reference_activity_must_be_greater_than_zero(activity, rso, site_a, hot_lab):
    with pytest.raises(ValidationError) as excinfo:
        source(rso, site_a, hot_lab, reference_activity=activity)

    assert refusal(excinfo) == {
        "reference_activity": ["The reference activity must be greater than zero."]
    }


@pytest.mark.parametrize(("field", "value"), [("radionuclide", "U-235"), ("activity_unit", "rad")])
def test_an_unknown_radionuclide_or_unit_is_a_field_error(field, value, rso, site_a, hot_lab):
    with pytest.raises(ValidationError) as excinfo:
        source(rso, site_a, hot_lab, **{field: value})

    assert set(refusal(excinfo)) == {field}


def test_the_reference_date_may_be_the_sites_today_but_not_its_tomorrow(rso, site_a, hot_lab):
    """At 02:00 UTC on 1 March it is still 28 February at Alpha (New York)."""
    with time_machine.travel(datetime(2026, 3, 1, 2, 0, tzinfo=UTC), tick=False):
        with pytest.raises(ValidationError) as excinfo:
            source(rso, site_a, hot_lab, reference_date=date(2026, 3, 1))
        today = source(rso, site_a, hot_lab, asset_tag="SRC-2", reference_date=date(2026, 2, 28))

    assert refusal(excinfo) == {"reference_date": ["The reference date cannot be in the future."]}
    assert today.reference_date == date(2026, 2, 28)


@pytest.mark.parametrize("secured", [False, None], ids=["unsecured-room", "no-room"])
def test_a_sealed_source_must_be_kept_in_secured_storage(secured, rso, site_a):
    room = None
    if secured is not None:
        room = factories.LocationFactory(site=site_a, area_class=AreaClass.RESTRICTED)

    with pytest.raises(ValidationError) as excinfo:
        source(rso, site_a, room)

    (message,) = refusal(excinfo)["location"]
    assert "secured-storage location" in message
    assert "20.1801" in message


def test_moving_a_source_out_of_secured_storage_is_refused(rso, site_a, hot_lab):
    vial = source(rso, site_a, hot_lab)
    office = factories.LocationFactory(site=site_a, area_class=AreaClass.RESTRICTED)

    with pytest.raises(ValidationError) as excinfo:
        services.update_equipment(actor=rso, equipment=vial, location=office)

    assert set(refusal(excinfo)) == {"location"}
    vial.refresh_from_db()
    assert vial.location == hot_lab


def test_a_disposed_source_is_no_longer_kept_anywhere(manager, site_a, hot_lab):
    vial = source(manager, site_a, hot_lab)
    for status in (EquipmentStatus.RETIRED, EquipmentStatus.DISPOSED):
        change_equipment_status(
            equipment=vial, to=status, reason="Returned to the supplier.", actor=manager
        )

    services.update_equipment(actor=manager, equipment=vial, location=None)

    vial.refresh_from_db()
    assert vial.location is None


@pytest.mark.parametrize("field", sorted(SOURCE_FACTS))
def test_sealed_source_facts_on_other_equipment_are_refused(field, manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        create(manager, site_a, **{field: SOURCE_FACTS[field]})

    (message,) = refusal(excinfo)[field]
    assert message.startswith("Only sealed sources have a radionuclide")
    assert set(refusal(excinfo)) == {field}


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


# --- the API ---------------------------------------------------------------------------------


def api_payload(site, **fields) -> dict:
    return {
        "site": site.pk,
        "asset_tag": "ALPHA-CT9",
        "name": "CT scanner",
        "modalities": ["CT"],
        **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in CT_FACTS.items()},
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


@pytest.mark.parametrize("field", ["installed_on", "warranty_ends_on", "contract_ends_on"])
def test_a_date_before_1950_is_a_mistyped_year(manager, site_a, field):
    from django.core.exceptions import ValidationError

    from equipment.services import registry as services

    with pytest.raises(ValidationError) as excinfo:
        services.create_equipment(
            actor=manager,
            site=site_a,
            asset_tag="OLD-1",
            name="CT scanner",
            modalities=["CT"],
            **{field: date(1, 1, 1)},
        )
    assert "check the year" in excinfo.value.message_dict[field][0]
