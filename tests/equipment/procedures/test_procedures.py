"""Procedures: who may write them, how their checks' bands are refused, versions that schedules
follow, and copies of library procedures that remember their original."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from equipment.models import Category, Procedure, ProcedureKind
from equipment.services.procedures import (
    copy_library_procedure,
    create_procedure,
    new_procedure_version,
)
from equipment.services.schedules import create_schedule
from imaging_ops.vocabulary import Role
from tests.equipment.conftest import CTDI, NOW, WIPE, refused_fields

pytestmark = pytest.mark.django_db


def make(actor, site, **overrides):
    fields = {
        "code": "CT-DAILY",
        "kind": ProcedureKind.QC,
        "name": "CT daily QC",
        "modalities": ["CT"],
        "checks": [CTDI],
    }
    fields.update(overrides)
    return create_procedure(actor=actor, site=site, now=NOW, **fields)


def test_manager_creates_procedure_with_first_version_and_ordered_checks(manager, site_a):
    procedure = make(manager, site_a, checks=[CTDI, WIPE])
    version = procedure.current_version
    assert version.number == 1 and version.name == "CT daily QC"
    assert [c.key for c in version.checks.all()] == ["ctdi", "wipe"]
    assert [c.position for c in version.checks.all()] == [1, 2]


@pytest.mark.parametrize("role", [Role.PHYSICIST, Role.MANAGER])
def test_physicists_and_managers_edit_procedures(person, site_a, role):
    assert make(person(role, site_a), site_a).pk


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR])
def test_technicians_and_inspectors_may_not_edit_procedures(person, site_a, role):
    with pytest.raises(PermissionDenied):
        make(person(role, site_a), site_a)
    assert not Procedure.objects.exists()


def test_a_manager_of_another_site_may_not_edit_procedures_here(person, site_a, site_b):
    with pytest.raises(PermissionDenied):
        make(person(Role.MANAGER, site_b), site_a)


@pytest.mark.parametrize(
    ("kind", "categories"),
    [
        (ProcedureKind.LEAK_TEST, [Category.SEALED_SOURCE]),
        (ProcedureKind.INVENTORY, [Category.SEALED_SOURCE]),
        (ProcedureKind.AREA_SURVEY, []),
        (ProcedureKind.CALIBRATION, [Category.RADIATION_INSTRUMENT]),
    ],
)
def test_the_rso_edits_radiation_procedures(rso, site_a, kind, categories):
    assert make(rso, site_a, kind=kind, categories=categories).pk


@pytest.mark.parametrize(
    ("kind", "categories"),
    [
        (ProcedureKind.QC, [Category.IMAGING_SYSTEM]),
        (ProcedureKind.CALIBRATION, [Category.QA_INSTRUMENT]),
        (ProcedureKind.CALIBRATION, []),
    ],
)
def test_the_rso_may_not_edit_other_procedures(rso, site_a, kind, categories):
    with pytest.raises(PermissionDenied, match="radiation procedures only"):
        make(rso, site_a, kind=kind, categories=categories)


def test_only_a_system_administrator_edits_the_library(manager, admin):
    with pytest.raises(PermissionDenied, match="library"):
        make(manager, None)
    assert make(admin, None).is_library


def test_a_band_with_low_above_high_is_refused_by_field(manager, site_a):
    inverted = {**CTDI, "tolerance_low": "10", "tolerance_high": "-10"}
    with pytest.raises(ValidationError) as excinfo:
        make(manager, site_a, checks=[WIPE, inverted])
    assert refused_fields(excinfo) == {"checks.1.tolerance_high"}
    assert "above" in excinfo.value.message_dict["checks.1.tolerance_high"][0]
    assert not Procedure.objects.exists()


def test_bad_checks_are_refused_at_once_with_their_fields(manager, site_a):
    checks = [
        {**WIPE, "action_high": "lots"},
        {"key": "grade", "name": "Grade", "kind": "choice", "choices": ["A", "B"]},
        {"key": "wipe", "name": "Again", "kind": "boolean", "band_mode": "percent"},
        {"key": "x", "name": "X", "kind": "text", "tolerance_high": "1"},
    ]
    with pytest.raises(ValidationError) as excinfo:
        make(manager, site_a, checks=checks)
    assert refused_fields(excinfo) == {
        "checks.0.action_high",
        "checks.1.passing_choices",
        "checks.2.key",
        "checks.3.kind",
    }


def test_unknown_codes_and_a_bad_default_recurrence_are_field_errors(manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        make(
            manager,
            site_a,
            modalities=["XX"],
            performer_roles=["janitor"],
            default_anchor="period",
            default_interval_days=10,
        )
    assert refused_fields(excinfo) == {"modalities", "performer_roles", "default_interval_months"}


def test_a_duplicate_code_at_a_site_is_refused_readably(manager, site_a):
    make(manager, site_a)
    with pytest.raises(ValidationError, match="already has a procedure with that code"):
        make(manager, site_a, code="ct-daily")


def test_a_new_version_applies_forward_and_schedules_stay_on_the_lineage(
    manager, site_a, ct, ct_qc
):
    schedule = create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)
    first = ct_qc.current_version
    second = new_procedure_version(
        actor=manager,
        procedure=ct_qc,
        reason="AAPM report 2026 tightens the tolerance",
        now=NOW,
        checks=[{**CTDI, "tolerance_low": "-5", "tolerance_high": "5"}],
    )
    ct_qc.refresh_from_db()
    schedule.refresh_from_db()
    assert ct_qc.current_version == second and second.number == 2
    assert second.amendment_reason == "AAPM report 2026 tightens the tolerance"
    assert schedule.procedure.current_version == second
    # The first version keeps its checks as they were.
    assert first.checks.get(key="ctdi").tolerance_high == 10
    assert second.checks.get(key="ctdi").tolerance_high == 5
    assert second.name == first.name


def test_a_new_version_without_checks_carries_them_over(manager, ct_qc):
    second = new_procedure_version(
        actor=manager, procedure=ct_qc, reason="Clearer instructions", now=NOW, instructions="…"
    )
    assert [c.key for c in second.checks.all()] == ["ctdi", "notes"]


def test_a_new_version_needs_a_reason(manager, ct_qc):
    with pytest.raises(ValidationError) as excinfo:
        new_procedure_version(actor=manager, procedure=ct_qc, reason=" ", now=NOW)
    assert refused_fields(excinfo) == {"reason"}


def test_the_rso_versions_the_leak_test_but_not_the_ct_survey(rso, leak_test, ct_qc):
    assert new_procedure_version(actor=rso, procedure=leak_test, reason="New lab", now=NOW)
    with pytest.raises(PermissionDenied):
        new_procedure_version(actor=rso, procedure=ct_qc, reason="Mine now", now=NOW)


def test_the_rso_cannot_turn_a_radiation_calibration_into_another(rso, site_a):
    meters = make(
        rso, site_a, kind=ProcedureKind.CALIBRATION, categories=[Category.RADIATION_INSTRUMENT]
    )
    with pytest.raises(PermissionDenied):
        new_procedure_version(
            actor=rso,
            procedure=meters,
            reason="Widen",
            now=NOW,
            categories=[Category.RADIATION_INSTRUMENT, Category.QA_INSTRUMENT],
        )


def test_a_site_copies_a_library_procedure_linked_to_its_original(admin, manager, site_a):
    library = make(admin, None, checks=[CTDI, WIPE], citation="ACR CT QC manual")
    copy = copy_library_procedure(actor=manager, procedure=library, site=site_a, now=NOW)
    assert copy.site == site_a and copy.copied_from == library and copy.code == library.code
    assert copy.current_version.citation == "ACR CT QC manual"
    assert [c.key for c in copy.current_version.checks.all()] == ["ctdi", "wipe"]
    # Editing the copy leaves the library as it was.
    new_procedure_version(actor=manager, procedure=copy, reason="Local", now=NOW, name="Ours")
    library.refresh_from_db()
    assert library.current_version.name == "CT daily QC"


def test_a_site_copies_a_library_procedure_once(admin, manager, site_a):
    library = make(admin, None)
    copy_library_procedure(actor=manager, procedure=library, site=site_a, now=NOW)
    with pytest.raises(ValidationError):
        copy_library_procedure(actor=manager, procedure=library, site=site_a, now=NOW)


def test_only_library_procedures_are_copied(manager, site_a, site_b, person):
    local = make(manager, site_a)
    with pytest.raises(ValidationError) as excinfo:
        copy_library_procedure(
            actor=person(Role.MANAGER, site_b), procedure=local, site=site_b, now=NOW
        )
    assert refused_fields(excinfo) == {"procedure"}


def test_a_technician_may_not_copy_to_a_site(admin, tech, site_a):
    library = make(admin, None)
    with pytest.raises(PermissionDenied):
        copy_library_procedure(actor=tech, procedure=library, site=site_a, now=NOW)
