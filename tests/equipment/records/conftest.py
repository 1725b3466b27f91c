"""What the service-record tests share: a daily CT QC schedule with a percent check whose
reference is set, and the values of a passing record."""

from datetime import timedelta

import pytest

from equipment.models import ProcedureKind
from equipment.services.procedures import create_procedure
from equipment.services.schedules import create_schedule, set_reference
from tests import factories
from tests.equipment.conftest import NOW

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
MA = {
    "key": "ma",
    "name": "Tube current",
    "kind": "numeric",
    "unit": "mA",
    "action_low": "90",
    "tolerance_low": "95",
    "tolerance_high": "105",
    "action_high": "110",
}
NOISE = {
    "key": "noise",
    "name": "Noise, % of baseline",
    "kind": "numeric",
    "band_mode": "percent",
    "tolerance_low": "-10",
    "tolerance_high": "10",
}
ARTEFACTS = {"key": "artefacts", "name": "Image free of artefacts", "kind": "boolean"}


def sign(**extra):
    return {"password": factories.PASSWORD, "acknowledge_policy": True, **extra}


@pytest.fixture
def daily(manager, site_a, ct):
    procedure = create_procedure(
        actor=manager,
        site=site_a,
        code="CT-DAILY",
        kind=ProcedureKind.QC,
        now=NOW,
        name="CT daily QC",
        modalities=["CT"],
        default_anchor="from_completion",
        default_interval_days=1,
        default_grace_days=1,
        checks=[MA, NOISE, ARTEFACTS],
    )
    schedule = create_schedule(
        actor=manager, equipment=ct, procedure=procedure, now=NOW, last_done=NOW - timedelta(days=1)
    )
    set_reference(
        actor=manager,
        schedule=schedule,
        check_key="noise",
        value="5.0",
        reason="Acceptance",
        now=NOW,
    )
    return schedule


def values_for(schedule, ma="100", noise="5.2", artefacts="yes"):
    checks = {c.key: c.pk for c in schedule.procedure.current_version.checks.all()}
    return {checks["ma"]: ma, checks["noise"]: noise, checks["artefacts"]: artefacts}
