"""The registry services: every write to locations and equipment. Status changes and the
acceptance gate are tested in tests/equipment/status/."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from equipment.filters import EquipmentFilter
from equipment.models import (
    Category,
    Equipment,
    EquipmentStatus,
    EquipmentStatusChange,
    Location,
    StatusChangeKind,
)
from equipment.services import registry as services
from equipment.services.status import change_equipment_status
from imaging_ops.vocabulary import AreaClass, Role
from tests import factories
from tests.equipment.conftest import refused_fields

pytestmark = pytest.mark.django_db

S = EquipmentStatus


@pytest.fixture
def manager_ab(person, site_a, site_b):
    """A manager at both sites."""
    user = person(Role.MANAGER, site_a, username="mona")
    factories.MembershipFactory(user=user, site=site_b, role=Role.MANAGER)
    return user


def new_equipment(actor, site, **fields):
    fields.setdefault("asset_tag", "NEW-1")
    fields.setdefault("name", "CT scanner")
    fields.setdefault("modalities", ["CT"])
    return services.create_equipment(actor=actor, site=site, **fields)


def source_facts(site) -> dict:
    """What a sealed source needs: its certificate's facts and a room with secured storage."""
    hot_lab = factories.LocationFactory(
        site=site, area_class=AreaClass.RESTRICTED, secured_storage=True
    )
    return {
        "location": hot_lab,
        "radionuclide": "Cs-137",
        "reference_activity": Decimal("200"),
        "activity_unit": "uCi",
        "reference_date": date(2024, 1, 15),
    }


# --- creating equipment and adopting it in service -----------------------------------------


def test_new_equipment_awaits_acceptance_with_no_history(physicist, site_a):
    equipment = new_equipment(physicist, site_a)

    assert equipment.status == S.AWAITING_ACCEPTANCE
    assert not equipment.status_changes.exists()


def test_a_manager_adopts_equipment_in_service_with_a_reason(manager, site_a):
    equipment = new_equipment(
        manager, site_a, adopt_in_service=True, adoption_reason="  In use since 2019.  "
    )

    equipment.refresh_from_db()
    assert equipment.status == S.IN_SERVICE
    adoption = equipment.status_changes.get()
    assert (adoption.kind, adoption.from_status, adoption.to_status) == (
        StatusChangeKind.ADOPTION,
        S.AWAITING_ACCEPTANCE,
        S.IN_SERVICE,
    )
    assert (adoption.actor, adoption.reason) == (manager, "In use since 2019.")


def test_adoption_is_dated_when_the_department_says_it_moved_in(manager, site_a):
    moved_in = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)

    equipment = new_equipment(
        manager, site_a, adopt_in_service=True, adoption_reason="In use since 2019.", now=moved_in
    )

    assert equipment.status_changes.get().changed_at == moved_in


@pytest.mark.parametrize("reason", ["", "   "])
def test_adoption_needs_a_reason_and_saves_nothing_without_one(reason, manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        new_equipment(manager, site_a, adopt_in_service=True, adoption_reason=reason)

    assert refused_fields(excinfo) == {"adoption_reason"}
    assert not Equipment.objects.exists()


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("role", [Role.PHYSICIST, Role.RSO, Role.TECHNICIAN])
def test_only_a_manager_may_adopt_equipment_in_service(role, person, site_a):
    user = person(role, site_a)

    with pytest.raises(PermissionDenied):
        new_equipment(
            user,
            site_a,
            category=Category.SEALED_SOURCE,
            modalities=[],
            adopt_in_service=True,
            adoption_reason="in use",
        )

    assert not Equipment.objects.exists()


def test_an_adoption_with_a_bad_field_saves_nothing(manager, site_a, ct):
    with pytest.raises(ValidationError):
        new_equipment(
            manager, site_a, asset_tag=ct.asset_tag, adopt_in_service=True, adoption_reason="x"
        )

    assert Equipment.objects.count() == 1
    assert not EquipmentStatusChange.objects.exists()


@pytest.mark.req("11.10(d)")
@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR])
def test_technicians_and_inspectors_may_not_create_equipment(role, person, site_a):
    user = person(role, site_a)

    with pytest.raises(PermissionDenied):
        new_equipment(user, site_a)


@pytest.mark.req("11.10(d)")
def test_nobody_creates_equipment_at_a_site_where_they_hold_no_role(physicist, site_b):
    with pytest.raises(PermissionDenied):
        new_equipment(physicist, site_b)


# --- the RSO: sealed sources and restricted areas -------------------------------------------


@pytest.mark.req("11.10(d)")
def test_the_rso_creates_a_sealed_source_but_no_other_equipment(rso, site_a):
    source = new_equipment(
        rso, site_a, category=Category.SEALED_SOURCE, modalities=[], **source_facts(site_a)
    )

    assert source.category == Category.SEALED_SOURCE
    for category in (Category.IMAGING_SYSTEM, Category.QA_INSTRUMENT, Category.LASER):
        with pytest.raises(PermissionDenied, match="sealed sources only"):
            new_equipment(rso, site_a, asset_tag=f"X-{category}", category=category)


@pytest.mark.req("11.10(d)")
def test_the_rso_edits_a_sealed_source_but_cannot_turn_it_into_something_else(rso, site_a):
    source = factories.EquipmentFactory(
        site=site_a,
        category=Category.SEALED_SOURCE,
        modalities=[],
        name="Cs-137",
        **source_facts(site_a),
    )

    services.update_equipment(actor=rso, equipment=source, name="Cs-137 vial")
    with pytest.raises(PermissionDenied):
        services.update_equipment(actor=rso, equipment=source, category=Category.IMAGING_SYSTEM)

    source.refresh_from_db()
    assert (source.name, source.category) == ("Cs-137 vial", Category.SEALED_SOURCE)


@pytest.mark.req("11.10(d)")
def test_the_rso_may_not_edit_a_ct_scanner(rso, ct):
    with pytest.raises(PermissionDenied):
        services.update_equipment(actor=rso, equipment=ct, name="Renamed")


@pytest.mark.req("11.10(d)")
def test_the_rso_creates_restricted_areas_only(rso, site_a):
    hot_lab = services.create_location(
        actor=rso, site=site_a, building="NM", room="Hot lab", area_class=AreaClass.RESTRICTED
    )

    assert hot_lab.area_class == AreaClass.RESTRICTED
    with pytest.raises(PermissionDenied, match="restricted areas only"):
        services.create_location(
            actor=rso, site=site_a, building="NM", room="Office", area_class=AreaClass.CONTROLLED
        )


@pytest.mark.req("11.10(d)")
def test_the_rso_cannot_unrestrict_an_area_or_edit_an_unrestricted_one(rso, site_a):
    hot_lab = factories.LocationFactory(site=site_a, area_class=AreaClass.RESTRICTED)
    office = factories.LocationFactory(site=site_a, area_class=AreaClass.UNRESTRICTED)

    services.update_location(actor=rso, location=hot_lab, secured_storage=True)
    with pytest.raises(PermissionDenied):
        services.update_location(actor=rso, location=hot_lab, area_class=AreaClass.UNRESTRICTED)
    with pytest.raises(PermissionDenied):
        services.update_location(actor=rso, location=office, room="Renamed")

    hot_lab.refresh_from_db()
    assert (hot_lab.area_class, hot_lab.secured_storage) == (AreaClass.RESTRICTED, True)


# --- asset tags and locations ----------------------------------------------------------------


def test_an_asset_tag_is_unique_within_a_site_ignoring_case(manager_ab, site_a):
    new_equipment(manager_ab, site_a, asset_tag="CT-1")

    with pytest.raises(ValidationError) as excinfo:
        new_equipment(manager_ab, site_a, asset_tag="  ct-1 ")

    assert refused_fields(excinfo) == {"asset_tag"}
    assert Equipment.objects.count() == 1


def test_the_same_asset_tag_is_fine_at_another_site(manager_ab, site_a, site_b):
    new_equipment(manager_ab, site_a, asset_tag="CT-1")
    other = new_equipment(manager_ab, site_b, asset_tag="CT-1")

    assert other.site == site_b


def test_renaming_to_another_machines_tag_is_refused(manager, site_a, ct):
    second = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT2")

    with pytest.raises(ValidationError) as excinfo:
        services.update_equipment(actor=manager, equipment=second, asset_tag="alpha-ct1")

    assert refused_fields(excinfo) == {"asset_tag"}
    second.refresh_from_db()
    assert second.asset_tag == "ALPHA-CT2"


def test_the_database_also_refuses_a_duplicate_tag_ignoring_case(site_a, ct):
    with pytest.raises(IntegrityError), transaction.atomic():
        Equipment.objects.create(site=site_a, asset_tag="alpha-ct1", name="dup")


def test_a_blank_asset_tag_is_a_field_error(physicist, site_a):
    with pytest.raises(ValidationError) as excinfo:
        new_equipment(physicist, site_a, asset_tag="   ")

    assert "asset_tag" in refused_fields(excinfo)


def test_equipment_must_stand_at_a_location_of_its_own_site(manager_ab, site_a, site_b):
    elsewhere = factories.LocationFactory(site=site_b)

    with pytest.raises(ValidationError) as excinfo:
        new_equipment(manager_ab, site_a, location=elsewhere)

    assert refused_fields(excinfo) == {"location"}
    assert not Equipment.objects.exists()


def test_equipment_cannot_be_moved_to_another_sites_location(manager_ab, ct, site_b):
    elsewhere = factories.LocationFactory(site=site_b)
    here = ct.location

    with pytest.raises(ValidationError) as excinfo:
        services.update_equipment(actor=manager_ab, equipment=ct, location=elsewhere)

    assert refused_fields(excinfo) == {"location"}
    ct.refresh_from_db()
    assert ct.location == here


def test_editing_status_through_update_is_refused(manager, ct):
    with pytest.raises(ValidationError) as excinfo:
        services.update_equipment(actor=manager, equipment=ct, status=S.IN_SERVICE)

    assert refused_fields(excinfo) == {"status"}
    ct.refresh_from_db()
    assert ct.status == S.AWAITING_ACCEPTANCE


def test_fields_outside_the_list_cannot_be_changed(manager, ct):
    with pytest.raises(ValidationError) as excinfo:
        services.update_equipment(actor=manager, equipment=ct, site_id=999, modality="MR")

    assert refused_fields(excinfo) == {"site_id", "modality"}


def test_a_room_is_unique_in_its_building_ignoring_case(manager, site_a):
    services.create_location(actor=manager, site=site_a, building="Main", room="CT 1")

    with pytest.raises(ValidationError) as excinfo:
        services.create_location(actor=manager, site=site_a, building="main", room=" ct 1 ")

    assert refused_fields(excinfo) == {"room"}
    assert Location.objects.count() == 1


def test_an_unknown_area_class_is_a_field_error(manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        services.create_location(
            actor=manager, site=site_a, building="Main", room="X", area_class="radioactive"
        )

    assert refused_fields(excinfo) == {"area_class"}


# --- modalities ------------------------------------------------------------------------------


def test_modalities_keep_their_order_and_the_first_is_primary(physicist, site_a):
    pet_ct = new_equipment(physicist, site_a, name="PET/CT", modalities=["PT", "CT"])

    pet_ct.refresh_from_db()
    assert pet_ct.modalities == ["PT", "CT"]
    assert pet_ct.modality == "PT"


def test_changing_the_modalities_changes_the_primary(physicist, site_a):
    pet_ct = new_equipment(physicist, site_a, modalities=["PT", "CT"])

    services.update_equipment(actor=physicist, equipment=pet_ct, modalities=["CT", "PT"])

    pet_ct.refresh_from_db()
    assert (pet_ct.modality, pet_ct.modalities) == ("CT", ["CT", "PT"])


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (["pt", " ct "], ["PT", "CT"]),
        ("PT, CT", ["PT", "CT"]),
        ("MG;US", ["MG", "US"]),
        ([], []),
        (["", "  "], []),
    ],
)
def test_modalities_are_cleaned_to_dicom_codes(given, stored):
    assert services.clean_modalities(given) == stored


@pytest.mark.parametrize("given", [["CT", "XX"], ["MRI"], ["CT", "ct"], 5, {"CT": 1}, None])
def test_bad_modalities_are_a_field_error(given):
    with pytest.raises(ValidationError) as excinfo:
        services.clean_modalities(given)

    assert refused_fields(excinfo) == {"modalities"}


def test_an_unknown_modality_saves_nothing(physicist, site_a):
    with pytest.raises(ValidationError) as excinfo:
        new_equipment(physicist, site_a, modalities=["CT", "XR"])

    assert "XR" in excinfo.value.message_dict["modalities"][0]
    assert not Equipment.objects.exists()


def test_an_imaging_system_needs_a_modality_but_an_instrument_does_not(physicist, site_a):
    with pytest.raises(ValidationError) as excinfo:
        new_equipment(physicist, site_a, modalities=[])
    meter = new_equipment(
        physicist, site_a, asset_tag="SM-1", category=Category.QA_INSTRUMENT, modalities=[]
    )

    assert refused_fields(excinfo) == {"modalities"}
    assert (meter.modality, meter.modalities) == ("", [])


def test_a_pet_ct_is_found_under_both_its_modalities(physicist, site_a, rf):
    pet_ct = new_equipment(physicist, site_a, asset_tag="PETCT", modalities=["PT", "CT"])
    ct = new_equipment(physicist, site_a, asset_tag="CT1", modalities=["CT"])
    new_equipment(physicist, site_a, asset_tag="CR1", modalities=["CR"])
    request = rf.get("/")
    request.user = physicist

    def found(modality):
        filterset = EquipmentFilter(
            {"modality": modality}, queryset=Equipment.objects.all(), request=request
        )
        return set(filterset.qs)

    assert found("CT") == {pet_ct, ct}
    assert found("PT") == {pet_ct}
    assert found("MR") == set()


def test_adoption_and_status_changes_are_recorded_as_such(manager, site_a):
    from imaging_ops.audit.trail import AuditAction
    from imaging_ops.models import AuditEvent

    equipment = new_equipment(
        manager, site_a, adopt_in_service=True, adoption_reason="In use since 2019"
    )
    change_equipment_status(
        equipment=equipment, to=S.OUT_OF_SERVICE, reason="Tube arcing", actor=manager
    )
    events = AuditEvent.objects.filter(
        object_type="equipment.equipment", object_id=str(equipment.pk)
    ).order_by("seq")
    assert [(e.action, e.reason) for e in events][1:] == [
        (AuditAction.ADOPT, "In use since 2019"),
        (AuditAction.STATUS_CHANGE, "Tube arcing"),
    ]
    assert events.last().changes == {"status": ["in_service", "out_of_service"]}


def test_a_tag_taken_between_the_check_and_the_save_is_a_field_error(manager, site_a, monkeypatch):
    """GIVEN a double tap on Save: both requests pass the check, the second insert clashes
    THEN the second gets the same field error as the check gives, and nothing half-saved."""
    factories.EquipmentFactory(site=site_a, asset_tag="CT-9")
    monkeypatch.setattr(services, "_validate_equipment", lambda equipment, **rules: None)
    with pytest.raises(ValidationError) as excinfo:
        new_equipment(manager, site_a, asset_tag="ct-9")
    assert excinfo.value.message_dict == {"asset_tag": [services.TAG_TAKEN]}
    assert Equipment.objects.filter(site=site_a).count() == 1
