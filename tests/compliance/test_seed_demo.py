"""`manage.py seed_demo`: two sites, their people and equipment, and nothing new on a rerun."""

import io
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F

from compliance.management.commands import seed_demo
from equipment.decay import source_activity
from equipment.models import (
    Category,
    Equipment,
    EquipmentStatusChange,
    Location,
    MaintenanceStrategy,
)
from imaging_ops.models import AuditEvent, Site, SiteIdentifier, SiteMembership, User
from imaging_ops.vocabulary import AreaClass, Role
from tests import factories

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "imaging-ops-demo"
USERS = ("tech", "physicist", "rso", "inspector", "manager")


@pytest.fixture
def seeded():
    # The main site's history has tests of its own (test_seed_demo_history.py).
    out = StringIO()
    call_command("seed_demo", "--without-history", stdout=out)
    return out.getvalue()


def roles_of(username) -> set[tuple[str, str]]:
    return set(
        SiteMembership.objects.filter(user__username=username, is_active=True).values_list(
            "site__code", "role"
        )
    )


def test_two_sites_with_their_licences(seeded):
    sites = list(Site.objects.order_by("pk"))

    assert len(sites) == 2
    for site in sites:
        assert SiteIdentifier.objects.filter(site=site).exists()


def test_at_least_40_pieces_of_equipment_across_the_modalities(seeded):
    modalities = {
        code for row in Equipment.objects.values_list("modalities", flat=True) for code in row
    }

    assert Equipment.objects.count() >= 40
    assert modalities >= {"CT", "MR", "DX", "MG", "US", "NM", "PT"}


def test_a_pet_ct_has_pt_first_and_ct_second(seeded):
    pet_cts = [e for e in Equipment.objects.all() if e.modalities == ["PT", "CT"]]

    assert pet_cts
    assert {e.modality for e in pet_cts} == {"PT"}


def test_qa_instruments_and_a_sealed_source_in_a_restricted_area(seeded):
    assert Equipment.objects.filter(category=Category.QA_INSTRUMENT).exists()
    source = Equipment.objects.filter(category=Category.SEALED_SOURCE).first()
    assert source is not None
    assert source.location.area_class == AreaClass.RESTRICTED


def test_every_piece_stands_in_a_room_of_its_own_site(seeded):
    assert not Equipment.objects.filter(location__isnull=True).exists()
    assert not Equipment.objects.exclude(location__site=F("site")).exists()


def test_the_demo_people_sign_in_with_the_demo_password(seeded):
    for username in USERS:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username


def test_the_demo_people_hold_the_roles_the_issue_names(seeded):
    first, second = Site.objects.order_by("pk").values_list("code", flat=True)

    assert roles_of("tech") == {(first, Role.TECHNICIAN)}
    assert roles_of("physicist") == {(first, Role.PHYSICIST)}
    assert roles_of("rso") == {(first, Role.RSO)}
    assert roles_of("inspector") == {(first, Role.INSPECTOR)}
    assert roles_of("manager") == {(first, Role.MANAGER), (second, Role.MANAGER)}


def test_the_demo_inspectors_access_expires(seeded):
    membership = SiteMembership.objects.get(user__username="inspector")

    assert membership.expires_on is not None


def test_status_history_is_written_through_the_service(seeded):
    """Adopted equipment carries its adoption; nothing reached a status without a change row."""
    assert EquipmentStatusChange.objects.filter(kind="adoption").exists()
    for equipment in Equipment.objects.exclude(status="awaiting_acceptance"):
        latest = equipment.status_changes.first()
        assert latest is not None and latest.to_status == equipment.status, equipment.asset_tag


def test_the_output_names_the_demo_password(seeded):
    assert DEMO_PASSWORD in seeded


def test_running_it_twice_creates_nothing_new(seeded):
    def counts():
        return {
            model.__name__: model.objects.count()
            for model in (
                Site,
                SiteIdentifier,
                User,
                SiteMembership,
                Location,
                Equipment,
                EquipmentStatusChange,
            )
        }

    before = counts()

    call_command("seed_demo", "--without-history", stdout=StringIO())

    assert counts() == before


def test_a_rerun_leaves_a_changed_password_alone(seeded):
    tech = User.objects.get(username="tech")
    tech.set_password("a new and private password")
    tech.save()

    call_command("seed_demo", "--without-history", stdout=StringIO())

    assert authenticate(username="tech", password="a new and private password") is not None


# --- a believable department at each site ----------------------------------------------------


def department(site) -> list[Equipment]:
    return list(Equipment.objects.filter(site=site).select_related("location"))


def test_each_site_has_a_whole_imaging_department(seeded):
    for site in Site.objects.all():
        units = department(site)
        names = {e.name for e in units}
        modalities = [e.modalities for e in units if e.category == Category.IMAGING_SYSTEM]

        for wanted in (["CT"], ["MR"], ["DX"], ["RF"], ["MG"], ["US"], ["NM"], ["PT", "CT"]):
            assert wanted in modalities, (site.code, wanted)
        assert {"MRI 1.5 T", "MRI 3 T", "Gamma camera", "Dose calibrator"} <= names
        assert sum(e.name.startswith("Survey meter") for e in units) >= 2
        assert {"Electrometer", "kV meter"} <= names
        assert sum("phantom" in e.name.lower() for e in units) >= 3


def test_the_sealed_sources_sit_in_a_restricted_secured_hot_lab_with_their_certificates(seeded):
    for site in Site.objects.all():
        sources = [e for e in department(site) if e.category == Category.SEALED_SOURCE]

        assert {s.radionuclide for s in sources} >= {"Cs-137", "Co-57", "Ge-68"}
        for source in sources:
            assert source.location.room == "Hot lab"
            assert source.location.area_class == AreaClass.RESTRICTED
            assert source.location.secured_storage
            activity = source_activity(source)
            assert activity is not None and activity.becquerel > 0, source.asset_tag


def test_a_cs_137_reference_source_has_a_realistic_activity(seeded):
    cs137 = Equipment.objects.filter(radionuclide="Cs-137").first()

    assert (cs137.reference_activity, cs137.activity_unit) == (200, "uCi")


def test_high_risk_marks_ct_mr_pet_ct_and_fluoroscopy(seeded):
    for unit in Equipment.objects.all():
        expected = unit.category == Category.IMAGING_SYSTEM and bool(
            set(unit.modalities) & {"CT", "MR", "RF"}
        )
        assert unit.high_risk is expected, unit.asset_tag


def test_the_registry_facts_are_filled_as_a_department_keeps_them(seeded):
    scanners = Equipment.objects.filter(category=Category.IMAGING_SYSTEM)

    assert all(e.software_version and e.vendor and e.installed_on for e in scanners)
    assert all(e.warranty_ends_on for e in scanners)
    adopted = scanners.exclude(status="awaiting_acceptance")
    assert all(e.accepted_on and e.accepted_on >= e.installed_on for e in adopted)
    assert Equipment.objects.exclude(contract_reference="").count() >= 30
    aem = Equipment.objects.filter(maintenance_strategy=MaintenanceStrategy.ALTERNATIVE)
    assert aem.exists()
    assert all(e.category == Category.QA_INSTRUMENT and e.has_maintenance_history for e in aem)


def test_a_second_run_changes_nothing_at_all(seeded):
    events = AuditEvent.objects.count()

    out = StringIO()
    call_command("seed_demo", "--without-history", stdout=out)

    assert AuditEvent.objects.count() == events
    assert "(0 new, 0 completed)" in out.getvalue()


# --- a database seeded by an earlier version ---------------------------------------------------


@pytest.fixture
def seeded_by_an_earlier_version(monkeypatch):
    """What the first version of seed_demo left: no registry facts, no Ge-68 phantom, and
    sources without certificates (written directly: today's service would refuse them)."""
    earlier = [
        spec for spec in seed_demo.EQUIPMENT if not spec[0].startswith(("SRC", "PH3", "PH4"))
    ]
    with monkeypatch.context() as patch:
        patch.setattr(seed_demo, "EQUIPMENT", earlier)
        patch.setattr(seed_demo, "registry_details", lambda suffix, today: {})
        call_command("seed_demo", "--without-history", stdout=StringIO())
    for site in Site.objects.all():
        hot_lab = Location.objects.get(site=site, room="Hot lab")
        for suffix, name in (("SRC1", "Cs-137 vial source"), ("SRC2", "Co-57 flood source")):
            factories.EquipmentFactory(
                site=site,
                location=hot_lab,
                asset_tag=f"{site.code}-{suffix}",
                name=name,
                category=Category.SEALED_SOURCE,
                modalities=[],
            )


def test_a_rerun_completes_an_earlier_versions_rows_without_duplicating_them(
    seeded_by_an_earlier_version,
):
    out = StringIO()

    call_command("seed_demo", "--without-history", stdout=out)

    assert Equipment.objects.count() == 2 * len(seed_demo.EQUIPMENT)
    ct = Equipment.objects.get(asset_tag="MAIN-CT1")
    assert ct.software_version and ct.high_risk and ct.installed_on
    cs137 = Equipment.objects.get(asset_tag="MAIN-SRC1")
    assert (cs137.radionuclide, cs137.reference_activity) == ("Cs-137", 200)
    assert Equipment.objects.get(asset_tag="NORTH-SRC3").radionuclide == "Ge-68"
    events = AuditEvent.objects.count()
    call_command("seed_demo", "--without-history", stdout=StringIO())
    assert AuditEvent.objects.count() == events


def test_a_rerun_leaves_a_demo_row_edited_into_another_shape_alone(seeded):
    """GIVEN someone moved a source out of the hot lab and cleared its certificate,
    WHEN seed_demo runs again, THEN it says so, changes nothing there, and does not fail."""
    source = Equipment.objects.get(asset_tag="MAIN-SRC2")
    source.location = Location.objects.get(site=source.site, room="QA store")
    source.reference_activity = None
    source.save()
    err = StringIO()

    call_command("seed_demo", "--without-history", stdout=StringIO(), stderr=err)

    assert "MAIN-SRC2 left as it is" in err.getvalue()
    source.refresh_from_db()
    assert source.reference_activity is None


@pytest.mark.django_db
def test_the_demo_ct_carries_a_signed_acceptance_note_once():
    from django.core.management import call_command

    from equipment.models import AcceptanceNote
    from imaging_ops.models import Signature
    from imaging_ops.records.signatures import manifestation, signature_is_valid

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    [note] = AcceptanceNote.objects.filter(equipment__asset_tag="MAIN-CT1")
    [signature] = Signature.objects.filter(
        content_type__model="acceptancenoteversion", object_id=note.current_version_id
    )
    assert signature.signer.username == "physicist"
    assert signature_is_valid(signature, note.current_version)
    assert manifestation(signature).endswith("Performed")


def test_without_history_no_record_is_written_and_a_later_run_writes_it(seeded):
    from equipment.models import ServiceRecord

    assert "left out (--without-history)" in seeded
    assert not ServiceRecord.objects.exists()

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert ServiceRecord.objects.filter(equipment__site__code="MAIN").count() > 50
    assert "records since" in out.getvalue()


def test_a_history_is_not_written_onto_another_days_schedules(seeded):
    """GIVEN the demo seeded without its history, WHEN it runs in full two days later, THEN no
    record is written: the history's dates count from the day its schedules were made."""
    import time_machine
    from django.utils import timezone

    from equipment.models import ServiceRecord

    out = StringIO()
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        call_command("seed_demo", stdout=out)

    assert not ServiceRecord.objects.exists()
    assert "made on another day" in out.getvalue()


def test_the_course_catalog_is_loaded_without_requirements(seeded):
    from training.models import Course, Requirement

    assert Course.objects.filter(site__isnull=True, code="MRI-SAFETY-L2").exists()
    assert not Requirement.objects.exists()


def test_the_broken_portable_unit_is_held_out_by_its_work_order(seeded):
    from equipment.models import Equipment, EquipmentStatus, WorkOrder
    from equipment.services.status import return_to_service_blockers

    dx2 = Equipment.objects.get(asset_tag="MAIN-DX2")
    [work_order] = WorkOrder.objects.filter(equipment=dx2)
    assert dx2.status == EquipmentStatus.OUT_OF_SERVICE
    assert work_order.stop_use and work_order.vendor == "GE HealthCare"
    assert any(f"Work order {work_order.pk}" in s for s in return_to_service_blockers(dx2))
    call_command("seed_demo", "--without-history", stdout=StringIO())
    assert WorkOrder.objects.filter(equipment=dx2).count() == 1  # a rerun adds none
