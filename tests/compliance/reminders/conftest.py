"""What the reminder tests share: an annual calibration and a daily QC at Alpha (New York),
the sweep run with a collecting queue, and delivery run by hand as the worker would."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import TestCase

from compliance.services.delivery import deliver_notices
from compliance.services.sweep import sweep_reminders
from equipment.models import EquipmentStatus, ProcedureKind
from equipment.services.procedures import create_procedure
from equipment.services.records import create_service_record
from equipment.services.schedules import create_schedule
from tests import factories

# 14:00 UTC on 4 March 2026 is 09:00 in New York (EST).
NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
OK = {"key": "ok", "name": "Within manufacturer's limits", "kind": "boolean"}


class Queue(list):
    """Stands in for the delivery task: collects the notice ids each batch queues."""

    def __call__(self, ids):
        self.extend(ids)


def sweep(now, **kwargs):
    queue = Queue()
    # The test's own transaction never commits: run the batches' on-commit queueing as a
    # commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = sweep_reminders(now=now, queue=queue, **kwargs)
    report.queued = list(queue)
    return report


def sweep_and_deliver(now, **kwargs):
    report = sweep(now, **kwargs)
    deliver_notices(notice_ids=report.queued, now=now)
    return report


def annual_procedure(actor, site, code="CAL", now=NOW, **fields):
    defaults = {
        "kind": ProcedureKind.CALIBRATION,
        "name": "Dose calibrator accuracy",
        "default_anchor": "from_completion",
        "default_interval_months": 12,
        "default_grace_days": 30,
        "checks": [OK],
    }
    defaults.update(fields)
    return create_procedure(actor=actor, site=site, code=code, now=now, **defaults)


def machine(site, tag="CAL1"):
    return factories.EquipmentFactory(
        site=site, asset_tag=f"{site.code}-{tag}", status=EquipmentStatus.IN_SERVICE
    )


def annual_schedule(actor, site, *, tag="CAL1", last_done=None, procedure=None, now=NOW, **fields):
    procedure = procedure or annual_procedure(actor, site, code=f"CAL-{tag}", now=now)
    return create_schedule(
        actor=actor,
        equipment=machine(site, tag),
        procedure=procedure,
        now=now,
        last_done=last_done or now - timedelta(days=300),
        **fields,
    )


def daily_schedule(actor, site, tag="QC1"):
    procedure = create_procedure(
        actor=actor,
        site=site,
        code=f"DAILY-{tag}",
        kind=ProcedureKind.QC,
        now=NOW,
        name="Daily QC",
        default_anchor="fixed",
        default_preset="each_clinical_day",
        checks=[OK],
    )
    return create_schedule(
        actor=actor,
        equipment=machine(site, tag),
        procedure=procedure,
        now=NOW,
        starts_on=date(2026, 3, 4),
    )


def record_work(schedule, actor, *, performed_at, now):
    """A signed record of the schedule's work: what moves its clock."""
    check = schedule.procedure.current_version.checks.get()
    return create_service_record(
        actor=actor,
        schedule=schedule,
        performed_at=performed_at,
        now=now,
        values={check.pk: "yes"},
        signature={
            "password": factories.PASSWORD,
            "acknowledge_policy": True,
            "username": actor.username,
        },
    )


@pytest.fixture
def calibration(manager, site_a, tech):
    """Alpha's annual calibration, done 300 days ago, assigned to Tess."""
    return annual_schedule(manager, site_a, assignee=tech)
