"""What the registry's tests share: the rooms and the equipment standing in them."""

import pytest

from equipment.models import EquipmentStatus
from imaging_ops.vocabulary import AreaClass
from tests import factories


@pytest.fixture
def hot_lab(site_a):
    """Alpha's hot lab: a restricted area with secured storage, where sealed sources are kept."""
    return factories.LocationFactory(
        site=site_a,
        building="Nuclear Medicine",
        room="Hot lab",
        area_class=AreaClass.RESTRICTED,
        secured_storage=True,
    )


# The fleet's third unit at Alpha, awaiting acceptance in CT 1, by the key it is found under.
THIRD_UNITS = {
    "us": {"asset_tag": "ALPHA-US1", "name": "Ultrasound", "modalities": ["US"]},
    "mammo": {
        "asset_tag": "ALPHA-MG1",
        "name": "Mammography unit",
        "modalities": ["MG"],
        "model": "3Dimensions",
    },
}


@pytest.fixture
def fleet_variant():
    """The two facts a module may choose about its fleet: the third unit and the CT's serial
    number. The page tests take these; a module that needs others overrides this fixture."""
    return {"third_unit": "us", "ct_serial": "SN-4411"}


@pytest.fixture
def fleet(site_a, site_b, fleet_variant):
    """A small department at Alpha and one scanner at Beta: a CT in service and the third unit
    in CT 1, a PET/CT out of service in the restricted PET room."""
    ct_room = factories.LocationFactory(site=site_a, building="Main", room="CT 1")
    nm_room = factories.LocationFactory(
        site=site_a, building="NM", room="PET", area_class=AreaClass.RESTRICTED
    )
    third_unit = fleet_variant["third_unit"]
    return {
        "ct": factories.EquipmentFactory(
            site=site_a,
            location=ct_room,
            asset_tag="ALPHA-CT1",
            name="CT scanner",
            model="SOMATOM go.Top",
            serial_number=fleet_variant["ct_serial"],
            status=EquipmentStatus.IN_SERVICE,
        ),
        "pet_ct": factories.EquipmentFactory(
            site=site_a,
            location=nm_room,
            asset_tag="ALPHA-PETCT",
            name="PET/CT",
            modalities=["PT", "CT"],
            model="Biograph Vision",
            status=EquipmentStatus.OUT_OF_SERVICE,
        ),
        third_unit: factories.EquipmentFactory(
            site=site_a, location=ct_room, **THIRD_UNITS[third_unit]
        ),
        "beta_ct": factories.EquipmentFactory(site=site_b, asset_tag="BETA-CT1"),
        "ct_room": ct_room,
        "nm_room": nm_room,
        # The same rooms by the shorter names the page tests use.
        "room": ct_room,
        "nm": nm_room,
    }
