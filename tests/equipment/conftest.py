"""What the equipment tests share across their areas."""

from datetime import UTC, datetime

import pytest

from equipment.models import Category, ProcedureKind
from equipment.services.procedures import create_procedure
from tests import factories


@pytest.fixture
def ct(site_a):
    """A CT at Alpha as it stands after creation: awaiting acceptance."""
    return factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1")


def refused_fields(excinfo) -> set[str]:
    """The fields a service's ValidationError names."""
    return set(excinfo.value.message_dict)


# 14:00 UTC on 4 March 2026 is 09:00 in New York (EST).
NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)

CTDI = {
    "key": "ctdi",
    "name": "CTDIvol, head phantom",
    "kind": "numeric",
    "unit": "mGy",
    "band_mode": "percent",
    "action_low": "-20",
    "tolerance_low": "-10",
    "tolerance_high": "10",
    "action_high": "20",
}
WIPE = {
    "key": "wipe",
    "name": "Removable contamination",
    "kind": "numeric",
    "unit": "Bq",
    "action_high": "185",
    "action_high_inclusive": False,
    "stop_use": True,
    "correct_within_days": 0,
}


@pytest.fixture
def admin(db):
    return factories.UserFactory(username="ada", is_superuser=True)


@pytest.fixture
def ct_qc(manager, site_a):
    """Alpha's annual CT dose check, from completion with a 14-month hard limit."""
    return create_procedure(
        actor=manager,
        site=site_a,
        code="CT-DOSE",
        kind=ProcedureKind.PHYSICIST_SURVEY,
        now=NOW,
        name="CT dose survey",
        modalities=["CT"],
        categories=[Category.IMAGING_SYSTEM],
        default_anchor="from_completion",
        default_interval_months=12,
        default_early_days=30,
        default_grace_days=30,
        default_hard_limit_months=14,
        checks=[CTDI, {"key": "notes", "name": "Notes", "kind": "text"}],
    )


@pytest.fixture
def leak_test(rso, site_a):
    """Alpha's six-monthly leak test of sealed sources, made by the RSO."""
    return create_procedure(
        actor=rso,
        site=site_a,
        code="LEAK",
        kind=ProcedureKind.LEAK_TEST,
        now=NOW,
        name="Sealed source leak test",
        categories=[Category.SEALED_SOURCE],
        citation="10 CFR 35.67",
        default_anchor="fixed",
        default_interval_months=6,
        default_hard_limit_months=6,
        checks=[WIPE],
    )
