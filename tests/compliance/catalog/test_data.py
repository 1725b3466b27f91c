"""The shipped data files themselves: every procedure is one the equipment services accept, has
a citation, and carries the limits, intervals and failure behaviour its source names."""

from decimal import Decimal
from pathlib import Path

import pytest

from compliance.catalog.shipped import (
    CatalogFileError,
    catalog_entries,
    read_source,
    shipped_catalog,
)
from equipment.models import ProcedureKind
from equipment.services.procedures import (
    build_checks,
    validate_catalog_fields,
    validate_procedure_content,
)

ENTRIES = catalog_entries()
SOURCES = {
    "acr_ct",
    "acr_mr",
    "acr_nm",
    "acr_pet",
    "mqsa",
    "nrc_part35",
    "iec_62353",
    "ultrasound",
    "fluoroscopy",
}


def entry(code):
    return next(e for e in ENTRIES if e.code == code)


def check(code, key):
    return next(c for c in entry(code).checks if c["key"] == key)


def test_one_data_file_per_source_document():
    assert {source.key for source in shipped_catalog()} == SOURCES


@pytest.mark.parametrize("shipped", ENTRIES, ids=lambda e: e.code)
def test_every_shipped_procedure_is_one_the_services_accept(shipped):
    assert shipped.kind in ProcedureKind.values
    validate_procedure_content(shipped.version_content())
    build_checks(shipped.service_arguments()["checks"])
    validate_catalog_fields(shipped.catalog_fields())


@pytest.mark.parametrize("shipped", ENTRIES, ids=lambda e: e.code)
def test_every_shipped_procedure_has_a_citation_and_a_stable_version(shipped):
    assert shipped.citation.strip()
    assert shipped.version.isdigit()
    if shipped.verify_locally:
        assert shipped.verify_locally_note.strip()


def test_the_issues_list_of_procedures_is_shipped():
    codes = {e.code for e in ENTRIES}
    assert {
        "ACR-CT-DAILY-WATER",
        "ACR-CT-MONTHLY",
        "ACR-CT-ANNUAL",
        "ACR-MR-WEEKLY-PHANTOM",
        "ACR-MR-ANNUAL",
        "ACR-NM-DAILY",
        "ACR-NM-WEEKLY-BAR",
        "ACR-NM-ANNUAL",
        "ACR-PET-DAILY",
        "ACR-PET-PHANTOM",
        "MQSA-DM-WEEKLY",
        "MQSA-ANNUAL-SURVEY",
        "MQSA-MEE",
        "ACR-US-SEMIANNUAL",
        "ACR-US-ANNUAL",
        "TJC-FLUORO-ANNUAL",
        "NRC-DC-CONSTANCY",
        "NRC-DC-LINEARITY",
        "NRC-DC-ACCURACY",
        "NRC-DC-GEOMETRY",
        "NRC-SURVEY-METER-CAL",
        "NRC-LEAK-TEST",
        "NRC-SOURCE-INVENTORY",
        "NRC-AREA-SURVEY",
        "IEC62353-ELECTRICAL-SAFETY",
    } <= codes


@pytest.mark.parametrize("code", ["ACR-NM-ANNUAL", "ACR-PET-ANNUAL", "MQSA-ANNUAL-SURVEY"])
def test_annual_surveys_are_yearly_with_a_14_month_hard_limit(code):
    recurrence = entry(code).recurrence
    assert recurrence["default_interval_months"] == 12
    assert recurrence["default_hard_limit_months"] == 14


def test_the_mqsa_report_is_due_within_30_days():
    report = check("MQSA-ANNUAL-SURVEY", "report_days")
    assert (report["unit"], Decimal(report["action_high"])) == ("days", Decimal(30))
    assert report.get("action_high_inclusive", True)
    assert "30 days" in entry("MQSA-ANNUAL-SURVEY").content["instructions"]


def test_the_mee_follows_installation_and_major_repair_and_blocks_clinical_use():
    mee = entry("MQSA-MEE")
    assert {"installation", "major_repair"} <= set(mee.content["required_after"])
    assert all(c["stop_use"] for c in mee.checks)


def test_the_leak_test_never_exceeds_six_months_and_withdraws_at_185_bq():
    leak = entry("NRC-LEAK-TEST")
    assert leak.recurrence["default_interval_months"] == 6
    assert leak.recurrence["default_hard_limit_months"] == 6
    assert leak.recurrence.get("default_grace_days", 0) == 0
    wipe = check("NRC-LEAK-TEST", "removable_activity")
    assert (wipe["unit"], Decimal(wipe["action_high"])) == ("Bq", Decimal(185))
    # At or above 185 Bq fails: the limit itself is outside the band.
    assert wipe["action_high_inclusive"] is False
    assert wipe["stop_use"] is True and wipe["correct_within_days"] == 5
    assert "35.67" in leak.citation


def test_the_inventory_is_every_six_months():
    inventory = entry("NRC-SOURCE-INVENTORY")
    assert inventory.recurrence["default_interval_months"] == 6
    assert inventory.kind == ProcedureKind.INVENTORY


def test_a_survey_meter_in_error_by_more_than_20_percent_is_out_of_use():
    meter = entry("NRC-SURVEY-METER-CAL")
    assert meter.recurrence["default_interval_months"] == 12
    error = check("NRC-SURVEY-METER-CAL", "calibration_error")
    assert (Decimal(error["action_low"]), Decimal(error["action_high"])) == (-20, 20)
    # Exactly 20 % is still in use; more is not.
    assert error.get("action_high_inclusive", True) and error.get("action_low_inclusive", True)
    assert error["stop_use"] is True
    assert "35.61" in error["citation"]


def test_the_dose_calibrator_tests_follow_their_frequencies():
    assert entry("NRC-DC-CONSTANCY").recurrence["default_preset"] == "each_day_of_use"
    assert entry("NRC-DC-LINEARITY").recurrence["default_interval_months"] == 3
    assert entry("NRC-DC-ACCURACY").recurrence["default_interval_months"] == 12
    geometry = entry("NRC-DC-GEOMETRY")
    assert geometry.recurrence == {} and "installation" in geometry.content["required_after"]


def test_end_of_day_surveys_fall_due_at_closing_on_each_day_of_use():
    survey = entry("NRC-AREA-SURVEY")
    assert survey.recurrence["default_preset"] == "each_day_of_use"
    assert survey.recurrence["default_due_time"] == "closing"


def test_ct_daily_water_is_judged_against_absolute_hu_and_the_noise_baseline():
    daily = entry("ACR-CT-DAILY-WATER")
    assert daily.recurrence["default_preset"] == "each_clinical_day"
    hu = check("ACR-CT-DAILY-WATER", "water_hu")
    assert (Decimal(hu["tolerance_low"]), Decimal(hu["tolerance_high"])) == (-5, 5)
    noise = check("ACR-CT-DAILY-WATER", "water_noise")
    assert noise["band_mode"] == "percent" and Decimal(noise["tolerance_high"]) == 20
    assert check("ACR-CT-DAILY-WATER", "artifacts_free")["kind"] == "boolean"


def test_iec_62353_carries_its_protective_earth_and_leakage_limits():
    limits = {
        key: Decimal(check("IEC62353-ELECTRICAL-SAFETY", key)["action_high"])
        for key in (
            "protective_earth",
            "equipment_leakage",
            "applied_part_leakage_bf",
            "applied_part_leakage_cf",
        )
    }
    assert limits == {
        "protective_earth": 300,
        "equipment_leakage": 500,
        "applied_part_leakage_bf": 5000,
        "applied_part_leakage_cf": 50,
    }
    # The reference confirms the protective earth [V]; the leakage limits are from memory [M].
    assert not check("IEC62353-ELECTRICAL-SAFETY", "protective_earth").get("verify_locally")
    assert check("IEC62353-ELECTRICAL-SAFETY", "equipment_leakage")["verify_locally"]
    # After any repair that opened the enclosure, too (docs/catalog.md, docs/review.md).
    assert {"installation", "relocation", "major_repair", "enclosure_opened"} <= set(
        entry("IEC62353-ELECTRICAL-SAFETY").content["required_after"]
    )


def test_pet_phantom_background_suv_keeps_its_digits():
    suv = check("ACR-PET-PHANTOM", "background_suv")
    assert (suv["tolerance_low"], suv["tolerance_high"]) == ("0.90", "1.10")


@pytest.mark.parametrize(
    "code",
    [
        "ACR-CT-DAILY-WATER",
        "ACR-MR-WEEKLY-PHANTOM",
        "ACR-NM-DAILY",
        "ACR-NM-WEEKLY-BAR",
        "MQSA-DM-WEEKLY",
        "TJC-FLUORO-ANNUAL",
        "ACR-US-ANNUAL",
        "IEC62353-ELECTRICAL-SAFETY",
    ],
)
def test_what_the_reference_marks_unconfirmed_is_flagged_verify_locally(code):
    assert entry(code).verify_locally
    assert entry(code).flagged


@pytest.mark.parametrize("code", ["NRC-LEAK-TEST", "NRC-SURVEY-METER-CAL", "MQSA-MEE"])
def test_what_the_reference_confirms_is_not_flagged(code):
    assert not entry(code).flagged


def test_a_broken_data_file_names_the_file_and_the_procedure(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text(
        '[source]\nkey = "x"\ntitle = "X"\n[[procedure]]\ncode = "X-1"\nversion = "1"\n'
        'kind = "qc"\nname = "X"\ncitation = "X"\n[[procedure.check]]\nkey = "a"\n'
        'name = "A"\nkind = "numeric"\naction_high = 5.0\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogFileError, match=r"broken.toml, X-1: write the limit"):
        read_source(path)
