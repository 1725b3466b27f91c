"""The shipped catalog says which events require which procedures, and the return-to-service
gate reads it: the MEE after a major repair of mammography equipment, IEC 62353 electrical
safety after a repair that opened the enclosure, dose calibrator geometry at installation."""

from datetime import timedelta

import pytest

from equipment.models import Category, RequiringEvent
from equipment.services.events import record_equipment_event
from equipment.services.status import return_to_service_blockers
from tests import factories
from tests.compliance.catalog.conftest import NOW

pytestmark = pytest.mark.django_db


def required(equipment, kind, actor) -> set[str]:
    record_equipment_event(
        equipment, kind=kind, actor=actor, occurred_at=NOW - timedelta(hours=1), now=NOW
    )
    return {
        reason.split(" ", 1)[0]
        for reason in return_to_service_blockers(equipment)
        if "is required after" in reason
    }


def test_a_major_repair_of_a_mammography_unit_requires_the_mee(loaded, manager, site_a):
    mammo = factories.EquipmentFactory(site=site_a, modalities=["MG"])
    needed = required(mammo, RequiringEvent.MAJOR_REPAIR, manager)
    assert {"MQSA-MEE", "IEC62353-ELECTRICAL-SAFETY"} <= needed
    assert not any(code.startswith(("ACR-CT", "NRC-")) for code in needed)


def test_a_repair_that_opened_the_enclosure_requires_electrical_safety(loaded, manager, site_a):
    ct = factories.EquipmentFactory(site=site_a, modalities=["CT"])
    assert required(ct, RequiringEvent.ENCLOSURE_OPENED, manager) == {"IEC62353-ELECTRICAL-SAFETY"}


def test_a_dose_calibrator_installation_requires_its_geometry(loaded, manager, site_a):
    calibrator = factories.EquipmentFactory(
        site=site_a, category=Category.RADIATION_INSTRUMENT, modalities=["NM"]
    )
    needed = required(calibrator, RequiringEvent.INSTALLATION, manager)
    assert "NRC-DC-GEOMETRY" in needed and "MQSA-MEE" not in needed
