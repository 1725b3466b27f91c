"""What the equipment tests share across their areas."""

import pytest

from tests import factories


@pytest.fixture
def ct(site_a):
    """A CT at Alpha as it stands after creation: awaiting acceptance."""
    return factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1")


def refused_fields(excinfo) -> set[str]:
    """The fields a service's ValidationError names."""
    return set(excinfo.value.message_dict)
