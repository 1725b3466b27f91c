"""What the compliance tests borrow from the equipment tests: Alpha's CT and its daily QC
schedule, and a technician whose name needs more than Latin-1."""

import pytest

from imaging_ops.vocabulary import Role
from tests import factories
from tests.compliance.pack_support import mammo_procedures  # noqa: F401
from tests.compliance.site_logs_support import (  # noqa: F401
    ct_course,
    hot_lab,
    leak_schedule,
    meter,
    oyvind,
    source,
    survey_schedule,
)
from tests.equipment.conftest import ct  # noqa: F401
from tests.equipment.records.conftest import daily  # noqa: F401


@pytest.fixture
def zoe(site_a):
    user = factories.UserFactory(username="zoe", full_name="Zoë Ångström", credentials="RT(R)(CT)")
    factories.MembershipFactory(user=user, site=site_a, role=Role.TECHNICIAN)
    return user
