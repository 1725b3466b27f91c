"""What the missed-days and "My work" tests build: a daily CT QC that technicians perform, an
annual survey that physicists perform, units in service, and many more of each in bulk."""

from datetime import UTC, date, datetime

from equipment.models import Equipment, EquipmentStatus, MissedOccurrence, ProcedureKind, Schedule
from equipment.services.procedures import create_procedure
from equipment.services.rollover import roll_over_daily_schedules
from equipment.services.schedules import create_schedule
from imaging_ops.audit.mixin import audited_bulk_writes
from tests import factories

# Monday 2 March 2026, 12:00 UTC: 07:00 in New York. The series start.
MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
# Wednesday 4 March 2026, 14:00 UTC: 09:00 in New York, two hours after the daily QC was due.
NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


def daily_qc(manager, site, code="CT-DAILY", performer_roles=("technician",)):
    return create_procedure(
        actor=manager,
        site=site,
        code=code,
        kind=ProcedureKind.QC,
        now=MONDAY,
        name="Daily CT QC",
        modalities=["CT"],
        performer_roles=list(performer_roles),
        default_anchor="fixed",
        default_preset="each_clinical_day",
        checks=[{"key": "ok", "name": "Phantom image clean", "kind": "boolean"}],
    )


def annual_survey(manager, site, code="CT-SURVEY", performer_roles=("physicist",)):
    return create_procedure(
        actor=manager,
        site=site,
        code=code,
        kind=ProcedureKind.PHYSICIST_SURVEY,
        now=MONDAY,
        name="Annual CT survey",
        modalities=["CT"],
        performer_roles=list(performer_roles),
        default_anchor="from_completion",
        default_interval_months=12,
        default_early_days=30,
        default_grace_days=30,
        default_hard_limit_months=14,
        checks=[{"key": "notes", "name": "Notes", "kind": "text"}],
    )


def unit(site, tag, **fields):
    return factories.EquipmentFactory(
        site=site, asset_tag=tag, status=EquipmentStatus.IN_SERVICE, **fields
    )


def schedule(manager, equipment, procedure, *, now=MONDAY, **fields):
    fields.setdefault("starts_on", date(2026, 3, 2))
    return create_schedule(
        actor=manager, equipment=equipment, procedure=procedure, now=now, **fields
    )


def overdue_daily_qc(manager, site, tag="ALPHA-CT1", procedure=None, **fields):
    """A daily QC from Monday, never done: at NOW Monday and Tuesday are missed and
    Wednesday's QC is overdue."""
    procedure = procedure or daily_qc(manager, site)
    made = schedule(manager, unit(site, tag), procedure, **fields)
    roll_over_daily_schedules(NOW)
    made.refresh_from_db()
    return made


def add_schedules(template: Schedule, count: int) -> list[Schedule]:
    """`count` more schedules like `template`, each on a machine of its own."""
    site = template.equipment.site
    with audited_bulk_writes():
        machines = Equipment.objects.bulk_create(
            factories.EquipmentFactory.build(site=site, status=EquipmentStatus.IN_SERVICE)
            for _ in range(count)
        )
        fields = {
            f.attname: getattr(template, f.attname)
            for f in Schedule._meta.concrete_fields
            if not f.primary_key and f.attname != "equipment_id"
        }
        return Schedule.objects.bulk_create(Schedule(**fields, equipment=m) for m in machines)


def add_missed(schedules, days) -> None:
    """A missed day on each of `days` for each schedule."""
    with audited_bulk_writes():
        MissedOccurrence.objects.bulk_create(
            MissedOccurrence(schedule=s, day=day) for s in schedules for day in days
        )
