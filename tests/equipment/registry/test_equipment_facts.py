"""The registry's facts about a machine beyond its identity: the maintenance strategy CMS
allows, its dates, and a sealed source's certificate and secured storage, as the registry
service rules on them, with field-level errors."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from equipment.models import Category, Equipment, EquipmentStatus, MaintenanceStrategy
from equipment.services import registry as services
from equipment.services.status import change_equipment_status
from imaging_ops.vocabulary import AreaClass
from tests import factories
from tests.factories import CT_FACTS, SOURCE_FACTS
from tests.factories import registered_equipment as create
from tests.factories import registered_source as source

pytestmark = pytest.mark.django_db

ALT = MaintenanceStrategy.ALTERNATIVE


def refusal(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


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
