"""Hand-made history for the dashboard's figures: schedules with a known stored timeline,
records with a known timeliness and outcome, status changes and work orders at known moments,
written as rows (the figures read stored columns, so the services' rules are not under test
here), and equipment in bulk for the query-count tests."""

from datetime import UTC, datetime, timedelta

from equipment.models import (
    Equipment,
    EquipmentStatus,
    EquipmentStatusChange,
    ProcedureKind,
    Schedule,
    ServiceRecord,
    ServiceRecordVersion,
    WorkOrder,
)
from equipment.services.procedures import create_procedure
from equipment.services.rollups import refresh_for_record
from imaging_ops.audit.mixin import audited_bulk_writes
from tests import factories

# A Wednesday, 12:00 UTC.
NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def procedure(actor, site, code="CT-QC"):
    return create_procedure(
        actor=actor,
        site=site,
        code=code,
        kind=ProcedureKind.QC,
        now=NOW,
        name=f"{code} check",
        default_anchor="fixed",
        default_interval_months=1,
        checks=[{"key": "ok", "name": "Works", "kind": "boolean"}],
    )


def unit(site, *, modality="CT", status=EquipmentStatus.IN_SERVICE, **fields):
    equipment = factories.EquipmentFactory(site=site, modalities=[modality], **fields)
    set_status(equipment, status)
    return equipment


def set_status(equipment, status):
    with audited_bulk_writes():
        Equipment.objects.filter(pk=equipment.pk).update(status=status)
    equipment.status = status


def schedule(equipment, proc, *, due, overdue=None, hard=None, paused=False, assignee=None):
    """A schedule whose current occurrence falls due at `due` and is overdue at `overdue`
    (a week later unless said)."""
    return Schedule.objects.create(
        equipment=equipment,
        site=equipment.site,
        procedure=proc,
        anchor="fixed",
        interval_months=1,
        starts_on=(due - 60 * DAY).date(),
        window_opens=due - 3 * DAY,
        next_due=due,
        overdue_at=overdue or due + 7 * DAY,
        hard_limit_at=hard,
        paused=paused,
        assignee=assignee,
    )


def record(sched, actor, *, performed_at, timeliness="on_time", outcome="pass", counts=True):
    made = ServiceRecord.objects.create(
        equipment=sched.equipment,
        schedule=sched,
        procedure=sched.procedure,
        performed_at=performed_at,
        outcome=outcome,
        counts=counts,
    )
    version = ServiceRecordVersion.objects.create(
        record=made,
        procedure_version=sched.procedure.current_version,
        performed_at=performed_at,
        recorded_at=performed_at,
        timeliness=timeliness,
        outcome=outcome,
        number=1,
        created_at=performed_at,
        created_by=actor,
    )
    made.current_version = version
    made.save()
    # The monthly figures, as the record service keeps them when a record settles.
    refresh_for_record(made, was_counted=False, was_performed_at=None)
    return made


def status_change(equipment, actor, *, at, to, before=""):
    return EquipmentStatusChange.objects.create(
        equipment=equipment,
        from_status=before,
        to_status=to,
        reason="Test history",
        actor=actor,
        changed_at=at,
    )


def work_order(equipment, actor, *, opened_at, state="reported", closed_at=None, **fields):
    return WorkOrder.objects.create(
        equipment=equipment,
        problem="Table does not move",
        reporter=actor,
        state=state,
        opened_at=opened_at,
        closed_at=closed_at,
        updated_at=closed_at or opened_at,
        **fields,
    )


def many_units(site, proc, count, *, prefix="BULK"):
    """`count` CTs in service at `site`, each with one schedule on `proc` (every fifth
    overdue at NOW), written in bulk."""
    location = factories.LocationFactory(site=site)
    units = [
        Equipment(
            site=site,
            location=location,
            asset_tag=f"{prefix}-{n:05d}",
            name="CT scanner",
            modalities=["CT"],
            modality="CT",
            status=EquipmentStatus.IN_SERVICE,
        )
        for n in range(count)
    ]
    with audited_bulk_writes():
        Equipment.objects.bulk_create(units)
        made = Equipment.objects.filter(site=site, asset_tag__startswith=prefix)
        schedules = []
        for n, equipment in enumerate(made):
            due = NOW - 10 * DAY if n % 5 == 0 else NOW + (n % 40) * DAY
            schedules.append(
                Schedule(
                    equipment=equipment,
                    site=site,
                    procedure=proc,
                    anchor="fixed",
                    interval_months=1,
                    starts_on=(due - 60 * DAY).date(),
                    window_opens=due - 3 * DAY,
                    next_due=due,
                    overdue_at=due + 7 * DAY,
                )
            )
        Schedule.objects.bulk_create(schedules)
