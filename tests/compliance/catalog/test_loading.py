"""`manage.py load_catalog`: what is missing is created in the library, loading twice changes
nothing, a newer catalog version becomes a new version, and a procedure edited here — in the
library or as a site's copy — is never overwritten; the difference is printed instead."""

import dataclasses

import pytest
from django.core.management import CommandError

from compliance.catalog.shipped import catalog_entries
from compliance.services import catalog as catalog_service
from equipment.models import Check, Procedure, ProcedureVersion
from equipment.services.procedures import (
    copy_library_procedure,
    create_procedure,
    new_procedure_version,
)
from imaging_ops.models import AuditEvent
from tests.compliance.catalog.conftest import NOW, load

pytestmark = pytest.mark.django_db

SHIPPED = len(catalog_entries())


def counts() -> tuple[int, int, int, int]:
    return (
        Procedure.objects.count(),
        ProcedureVersion.objects.count(),
        Check.objects.count(),
        AuditEvent.objects.count(),
    )


def library(code: str) -> Procedure:
    return Procedure.objects.select_related("current_version").get(site=None, code=code)


def test_loading_creates_every_shipped_procedure_in_the_library(loaded):
    assert Procedure.objects.filter(site=None).count() == SHIPPED
    leak = library("NRC-LEAK-TEST")
    version = leak.current_version
    assert (version.catalog_code, version.catalog_version) == ("NRC-LEAK-TEST", "1")
    assert version.default_hard_limit_months == 6 and version.default_grace_days == 0
    wipe = version.checks.get(key="removable_activity")
    assert (wipe.action_high, wipe.action_high_inclusive) == (185, False)
    assert (wipe.stop_use, wipe.correct_within_days) == (True, 5)
    assert "35.67" in wipe.citation
    assert library("NRC-AREA-SURVEY").current_version.default_due_time == "closing"
    assert f"{SHIPPED} were created" in loaded


def test_the_library_versions_are_written_by_the_administrator_through_the_audit(loaded, admin):
    version = library("ACR-CT-DAILY-WATER").current_version
    assert version.created_by == admin
    assert AuditEvent.objects.filter(actor_name="ada via manage.py load_catalog").exists()


def test_loading_twice_changes_nothing(loaded):
    before = counts()
    second = load()
    assert counts() == before
    assert f"{SHIPPED} unchanged" in second and "0 were created" in second


def test_a_dry_run_writes_nothing(admin):
    before = counts()
    out = load("--dry-run")
    assert counts() == before
    assert "Dry run: nothing was written." in out
    assert f"{SHIPPED} would be created" in out


def test_modality_filters_what_is_loaded(admin):
    out = load("--modality", "CT")
    codes = set(Procedure.objects.filter(site=None).values_list("code", flat=True))
    assert codes == {"ACR-CT-DAILY-WATER", "ACR-CT-MONTHLY", "ACR-CT-ANNUAL"}
    assert "3 were created" in out


def test_a_category_reaches_procedures_that_name_no_modality(admin):
    load("--category", "sealed_source")
    codes = set(Procedure.objects.filter(site=None).values_list("code", flat=True))
    assert codes == {"NRC-LEAK-TEST", "NRC-SOURCE-INVENTORY"}


def test_an_unknown_modality_is_refused_by_name(admin):
    with pytest.raises(CommandError, match="Not a modality: XX"):
        load("--modality", "XX")
    assert Procedure.objects.count() == 0


def test_without_a_system_administrator_the_command_says_what_to_do(db):
    with pytest.raises(CommandError, match="createsuperuser"):
        load()


def test_a_library_procedure_edited_here_survives_a_reload_and_the_difference_is_printed(
    loaded, admin
):
    """GIVEN the library's leak test edited here (a 100 Bq limit, a new version)
    WHEN the catalog is loaded again
    THEN the edit stands and the load prints shipped against local."""
    leak = library("NRC-LEAK-TEST")
    checks = [
        {**c, "action_high": "100"} if c["key"] == "removable_activity" else c
        for c in catalog_entries(categories=["sealed_source"])[0].service_arguments()["checks"]
    ]
    new_procedure_version(
        actor=admin, procedure=leak, reason="State rule: 100 Bq", now=NOW, checks=checks
    )
    before = counts()
    out = load()
    assert counts() == before
    leak.refresh_from_db()
    assert leak.current_version.number == 2
    assert leak.current_version.checks.get(key="removable_activity").action_high == 100
    assert "NRC-LEAK-TEST v1: edited here: kept, not overwritten" in out
    assert "checks.removable_activity.action_high: shipped '185', here '100'" in out


def test_a_site_copy_is_never_touched_and_its_differences_are_printed(loaded, admin, site_a):
    original = library("ACR-CT-DAILY-WATER")
    copy = copy_library_procedure(actor=admin, procedure=original, site=site_a, now=NOW)
    new_procedure_version(
        actor=admin, procedure=copy, reason="Our physicist's band", now=NOW, name="CT water QC"
    )
    before = counts()
    out = load("--modality", "CT")
    assert counts() == before
    copy.refresh_from_db()
    assert copy.current_version.name == "CT water QC"
    assert "copy at ALPHA (catalog version 1) differs from the shipped version:" in out
    assert "name: shipped 'CT daily water phantom', here 'CT water QC'" in out


def test_an_unchanged_site_copy_is_not_reported(loaded, admin, site_a):
    original = library("ACR-CT-MONTHLY")
    copy_library_procedure(actor=admin, procedure=original, site=site_a, now=NOW)
    out = load("--modality", "CT")
    assert "copy at ALPHA" not in out


def newer(entries, code: str, **changes):
    """The shipped entries with `code` at version 2, its content changed by `changes`."""
    return [
        dataclasses.replace(e, version="2", content={**e.content, **changes})
        if e.code == code
        else e
        for e in entries
    ]


def test_a_newer_catalog_version_becomes_a_new_library_version(loaded, monkeypatch):
    shipped = catalog_entries()
    bumped = newer(shipped, "ACR-US-ANNUAL", citation="ACR Ultrasound accreditation 2027")
    monkeypatch.setattr(catalog_service, "catalog_entries", lambda **_: bumped)
    out = load()
    survey = library("ACR-US-ANNUAL")
    assert survey.current_version.number == 2
    assert survey.current_version.catalog_version == "2"
    assert survey.current_version.citation == "ACR Ultrasound accreditation 2027"
    assert survey.current_version.amendment_reason == "Catalog version 2 of ACR-US-ANNUAL."
    assert "ACR-US-ANNUAL v2: new library version from the catalog" in out
    # And again: nothing more.
    before = counts()
    load()
    assert counts() == before


def test_a_newer_catalog_version_does_not_overwrite_a_library_edit(loaded, admin, monkeypatch):
    survey = library("ACR-US-ANNUAL")
    new_procedure_version(
        actor=admin, procedure=survey, reason="Local rule", now=NOW, default_grace_days=0
    )
    bumped = newer(catalog_entries(), "ACR-US-ANNUAL", citation="ACR 2027")
    monkeypatch.setattr(catalog_service, "catalog_entries", lambda **_: bumped)
    out = load()
    survey.refresh_from_db()
    assert survey.current_version.number == 2
    assert survey.current_version.catalog_version == "1"
    assert "ACR-US-ANNUAL v2: edited here: kept, not overwritten" in out
    assert "default_grace_days: shipped 30, here 0" in out
    assert "citation: shipped 'ACR 2027'" in out


def test_a_library_procedure_of_the_same_code_written_here_is_left_alone(admin):
    create_procedure(
        actor=admin, site=None, code="NRC-LEAK-TEST", kind="leak_test", now=NOW, name="Ours"
    )
    out = load("--category", "sealed_source")
    assert library("NRC-LEAK-TEST").current_version.name == "Ours"
    assert "NRC-LEAK-TEST v1: the library has its own procedure with this code" in out


def test_a_site_copy_keeps_the_catalog_origin_and_flags(loaded, admin, site_a):
    copy = copy_library_procedure(
        actor=admin, procedure=library("ACR-CT-DAILY-WATER"), site=site_a, now=NOW
    )
    version = copy.current_version
    assert (version.catalog_code, version.catalog_version) == ("ACR-CT-DAILY-WATER", "1")
    assert version.verify_locally and version.verify_locally_note
    assert version.checks.get(key="water_hu").verify_locally
    assert version.checks.get(key="water_hu").citation.startswith("ACR CT QC Manual 2017")


def test_editing_one_limit_keeps_the_other_checks_citations(loaded, admin):
    """GIVEN the library's survey meter calibration WHEN a new version sends its checks without
    citations (as the procedure form does) THEN each check keeps its source."""
    meter = library("NRC-SURVEY-METER-CAL")
    entry = next(e for e in catalog_entries() if e.code == "NRC-SURVEY-METER-CAL")
    checks = [
        {k: v for k, v in c.items() if k not in ("citation", "verify_locally")}
        for c in entry.service_arguments()["checks"]
    ]
    version = new_procedure_version(
        actor=admin, procedure=meter, reason="Local", now=NOW, checks=checks
    )
    error = version.checks.get(key="calibration_error")
    assert error.citation == "10 CFR 35.61(b): not used if the error is more than 20 %"
