"""What the registry's tests share: the rooms and the equipment standing in them."""

import pytest

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
