"""What the record form tests share: a CT's daily QC of six numeric checks on a schedule, and
the form as a technician fills it in."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from equipment.limits import Outcome
from equipment.models import Measurement, ProcedureKind, ServiceRecord, ServiceRecordVersion
from equipment.services.procedures import create_procedure
from equipment.services.schedules import create_schedule, set_reference
from imaging_ops.audit.mixin import audited_bulk_writes
from tests import factories

MA = {
    "key": "ma",
    "name": "Tube current",
    "kind": "numeric",
    "unit": "mA",
    "action_low": "90",
    "tolerance_low": "95",
    "tolerance_high": "105",
    "action_high": "110",
    "action_high_inclusive": False,
}
CT_WATER = {
    "key": "water",
    "name": "CT number of water",
    "kind": "numeric",
    "unit": "HU",
    "action_low": "-7",
    "tolerance_low": "-4",
    "tolerance_high": "4",
    "action_high": "7",
}
NOISE = {
    "key": "noise",
    "name": "Noise",
    "kind": "numeric",
    "unit": "HU",
    "band_mode": "percent",
    "tolerance_low": "-10",
    "tolerance_high": "10",
    "action_low": "-20",
    "action_high": "20",
}
UNIFORMITY = {
    "key": "uniformity",
    "name": "Uniformity, edge minus centre",
    "kind": "numeric",
    "unit": "HU",
    "tolerance_low": "-5",
    "tolerance_high": "5",
}
KVP = {
    "key": "kvp",
    "name": "Tube voltage",
    "kind": "numeric",
    "unit": "kV",
    "tolerance_low": "117",
    "tolerance_high": "123",
    "action_low": "114",
    "action_high": "126",
}
SLICE = {
    "key": "slice",
    "name": "Slice thickness",
    "kind": "numeric",
    "unit": "mm",
    "tolerance_low": "4.5",
    "tolerance_high": "5.5",
}
SIX = [MA, CT_WATER, NOISE, UNIFORMITY, KVP, SLICE]
PASSING = {
    "ma": "100",
    "water": "0.5",
    "noise": "5.1",
    "uniformity": "1",
    "kvp": "120",
    "slice": "5",
}


def make_daily_qc(
    *,
    manager,
    site,
    equipment,
    checks=SIX,
    now=None,
    code="CT-DAILY",
    performers=("technician", "physicist"),
):
    """A daily CT QC of `checks` on `equipment`, last done a day ago, noise's reference 5."""
    now = now or timezone.now()
    procedure = create_procedure(
        actor=manager,
        site=site,
        code=code,
        kind=ProcedureKind.QC,
        now=now,
        name="CT daily QC",
        modalities=["CT"],
        default_anchor="from_completion",
        default_interval_days=1,
        default_grace_days=1,
        performer_roles=list(performers),
        checks=checks,
    )
    schedule = create_schedule(
        actor=manager,
        equipment=equipment,
        procedure=procedure,
        now=now,
        last_done=now - timedelta(days=1),
    )
    if any(check["key"] == "noise" for check in checks):
        set_reference(
            actor=manager,
            schedule=schedule,
            check_key="noise",
            value="5.0",
            reason="Baseline",
            now=now,
        )
    return schedule


@pytest.fixture
def daily_qc(manager, site_a, ct):
    return make_daily_qc(manager=manager, site=site_a, equipment=ct)


def check_ids(schedule) -> dict[str, int]:
    return {c.key: c.pk for c in schedule.procedure.current_version.checks.all()}


def form_data(schedule, *, performed_at=None, password=factories.PASSWORD, **values) -> dict:
    """What a technician sends: the six values (PASSING unless given by check key), the site's
    local time of the work (ten minutes ago unless given), the password and the policy
    accepted; any other keyword is another field of the form."""
    site = schedule.equipment.site
    moment = performed_at or site.local(timezone.now() - timedelta(minutes=10))
    data = {
        "performed_at": moment.strftime("%Y-%m-%dT%H:%M")
        if hasattr(moment, "strftime")
        else moment,
        "comments": "",
        "password": password,
        "acknowledge_policy": "on",
    }
    ids = check_ids(schedule)
    for key, pk in ids.items():
        data[f"value_{pk}"] = values.get(key, PASSING.get(key, ""))
    data.update({name: value for name, value in values.items() if name not in ids})
    return data


def record_url(schedule) -> str:
    return f"/equipment/schedules/{schedule.pk}/record/"


def evaluate_url(schedule, check_key) -> str:
    return f"{record_url(schedule)}evaluate/{check_ids(schedule)[check_key]}/"


def add_past_records(schedule, count: int, *, actor) -> None:
    """`count` signed-looking records of the schedule, one a day up to yesterday, each with a
    value for every check (written in bulk: the service's cost is not what is measured)."""
    version = schedule.procedure.current_version
    checks = list(version.checks.all())
    first = timezone.now() - timedelta(days=count + 1)
    with audited_bulk_writes():
        records = ServiceRecord.objects.bulk_create(
            ServiceRecord(
                equipment=schedule.equipment,
                schedule=schedule,
                procedure=schedule.procedure,
                performed_at=first + timedelta(days=n),
                outcome=Outcome.PASS,
                counts=True,
            )
            for n in range(count)
        )
        versions = ServiceRecordVersion.objects.bulk_create(
            ServiceRecordVersion(
                record=record,
                number=1,
                created_at=record.performed_at,
                created_by=actor,
                procedure_version=version,
                performed_at=record.performed_at,
                recorded_at=record.performed_at,
                outcome=Outcome.PASS,
            )
            for record in records
        )
        for record, made in zip(records, versions, strict=True):
            record.current_version = made
        ServiceRecord.objects.bulk_update(records, ["current_version"])
        Measurement.objects.bulk_create(
            Measurement(
                version=made,
                procedure_check=check,
                position=check.position,
                value_text="5",
                value_number=Decimal(5),
                result=Outcome.PASS,
            )
            for made in versions
            for check in checks
        )
