"""The parts an inspection pack is made of, each read for a set of a site's machines in a fixed
number of queries however many machines (the equipment logs read together, the last two
surveys of each by one ranked query, the evaluations after each event, the work orders, the
training of given people). Each returns plain data for the pack's snapshot
(compliance.selectors.inspection_packs)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from compliance.selectors.logs import (
    Calibrations,
    Period,
    equipment_log_snapshots,
    loggable_equipment,
    record_entry,
    service_records,
    work_orders_by_equipment,
)
from compliance.selectors.training_log import training_snapshot
from equipment.models import (
    Equipment,
    EquipmentEvent,
    EquipmentStatus,
    ProcedureKind,
    RecordAttachment,
    Schedule,
    ServiceRecord,
    ServiceRecordVersion,
)
from equipment.models.procedures import RequiringEvent
from equipment.scheduling.timeline import ScheduleStatus
from equipment.selectors.schedules import with_status
from imaging_ops.models import Meaning, Signature, SiteMembership
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.vocabulary import Role
from training.models import CourseCategory
from training.selectors.records import training_records

# Before any record: the lower bound of "every survey before the period's end".
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SURVEYS_KEPT = 2  # MQSA (d)(2): in practice the two most recent annual surveys
# The events after which a mammography unit needs an equipment evaluation, 900.12(e)(10):
# a new installation, disassembly and reassembly (a move), a major repair.
EVALUATED_EVENTS = (
    RequiringEvent.INSTALLATION,
    RequiringEvent.RELOCATION,
    RequiringEvent.MAJOR_REPAIR,
)
EVALUATIONS = (ProcedureKind.ACCEPTANCE, ProcedureKind.PHYSICIST_SURVEY)


@dataclass(frozen=True)
class PackScope:
    """What every part of a pack reads from: the site, the period and its bounds, now, who
    asks, and the site's machines (one query)."""

    site: object
    period: Period
    now: datetime
    actor: object
    machines: tuple[Equipment, ...]

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return self.period.bounds(self.site)

    @property
    def zone(self):
        return self.site.zone

    def having(self, modalities) -> list[Equipment]:
        """The machines with any of these modalities, primary or not (a PET/CT is a CT)."""
        wanted = set(modalities)
        return [m for m in self.machines if wanted & set(m.modalities or [])]


def pack_scope(*, site, period: Period, now: datetime, actor) -> PackScope:
    """The site's machines not disposed of, by asset tag: one query."""
    machines = (
        loggable_equipment()
        .filter(site=site)
        .exclude(status=EquipmentStatus.DISPOSED)
        .order_by("asset_tag", "pk")
    )
    return PackScope(site=site, period=period, now=now, actor=actor, machines=tuple(machines))


def equipment_logs(scope: PackScope, machines: list[Equipment]) -> list[dict]:
    """The equipment log of each machine over the period, in the machines' order."""
    logs = equipment_log_snapshots(machines=machines, period=scope.period, now=scope.now)
    return [logs[m.pk] for m in machines]


def _attachments(rows: list[ServiceRecord]) -> dict[int, list[dict]]:
    """The files attached to each record's current version, by record id: one query."""
    found: dict[int, list[dict]] = {r.pk: [] for r in rows}
    versions = {r.current_version_id: r.pk for r in rows}
    for a in RecordAttachment.objects.filter(version_id__in=list(versions)).order_by("pk"):
        found[versions[a.version_id]].append(a.content())
    return found


def _entries(scope: PackScope, rows: list[ServiceRecord], end: datetime) -> list[dict]:
    calibrations = Calibrations(rows, end)
    files = _attachments(rows)
    entries = []
    for record in rows:
        entry = record_entry(record, scope.zone, calibrations)
        entry["equipment"] = f"{record.equipment.asset_tag} {record.equipment.name}"
        entry["attachments"] = files[record.pk]
        entries.append(entry)
    return entries


def last_surveys(scope: PackScope, machines: list[Equipment]) -> list[dict]:
    """The last two physicist surveys of each machine performed before the period's end (not
    voided), with the day the report was received and the files attached to them."""
    _start, end = scope.bounds
    ranked = (
        ServiceRecord.objects.filter(
            equipment__in=[m.pk for m in machines],
            procedure__kind=ProcedureKind.PHYSICIST_SURVEY,
            voided_at__isnull=True,
            performed_at__lt=end,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("equipment_id")],
                order_by=[F("performed_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=SURVEYS_KEPT)
        .values_list("pk", flat=True)
    )
    ids = list(ranked)
    if not ids:
        return []
    rows = service_records(Q(pk__in=ids), EPOCH, end)
    order = {m.pk: i for i, m in enumerate(machines)}
    rows.sort(key=lambda r: (order[r.equipment_id], r.performed_at, r.pk))
    return _entries(scope, rows, end)


def evaluations(scope: PackScope, machines: list[Equipment]) -> list[dict]:
    """Each installation, move or major repair of these machines in the period, with the
    first acceptance test or physicist survey that counts performed after it (by the
    period's end): the equipment evaluation, or none yet."""
    start, end = scope.bounds
    events = list(
        EquipmentEvent.objects.filter(
            equipment__in=[m.pk for m in machines],
            kind__in=EVALUATED_EVENTS,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .select_related("equipment", "actor")
        .order_by("occurred_at", "pk")
    )
    if not events:
        return []
    candidates = service_records(
        Q(
            equipment__in={e.equipment_id for e in events},
            procedure__kind__in=EVALUATIONS,
            counts=True,
        ),
        events[0].occurred_at,
        end,
    )
    entries = {e["id"]: e for e in _entries(scope, candidates, end)}
    found = []
    for event in events:
        after = next(
            (
                r
                for r in candidates
                if r.equipment_id == event.equipment_id and r.performed_at >= event.occurred_at
            ),
            None,
        )
        found.append(
            {
                "equipment": f"{event.equipment.asset_tag} {event.equipment.name}",
                "event": event.get_kind_display(),
                "occurred_at": local_time_text(event.occurred_at, scope.zone),
                "note": event.note,
                "recorded_by": event.actor.display_name,
                "evaluation": entries[after.pk] if after else None,
            }
        )
    return found


def corrective_actions(logs: list[dict]) -> list[dict]:
    """The work orders of the equipment logs' machines in the period, from the logs."""
    return [
        {**w, "equipment": f"{log['equipment']['asset_tag']} {log['equipment']['name']}"}
        for log in logs
        for w in log["work_orders"]
    ]


def work_orders(scope: PackScope, machines: list[Equipment]) -> list[dict]:
    """The work orders of these machines open at some moment of the period: one query and
    the downtime's one."""
    start, end = scope.bounds
    by_machine = work_orders_by_equipment(
        [m.pk for m in machines], start, end, scope.zone, scope.now
    )
    return [
        {**w, "equipment": f"{m.asset_tag} {m.name}"} for m in machines for w in by_machine[m.pk]
    ]


def qc_performers(scope: PackScope, machines: list[Equipment]) -> list[int]:
    """The people who signed as performer the QC of these machines in the period: one query."""
    start, end = scope.bounds
    versions = ServiceRecordVersion.objects.filter(
        record__equipment__in=[m.pk for m in machines],
        record__procedure__kind=ProcedureKind.QC,
        performed_at__gte=start,
        performed_at__lt=end,
    ).values("pk")
    return sorted(
        set(
            Signature.objects.filter(
                content_type__app_label="equipment",
                content_type__model="servicerecordversion",
                object_id__in=versions,
                meaning=Meaning.PERFORMED,
            ).values_list("signer_id", flat=True)
        )
    )


def training_of(scope: PackScope, where: Q, title: str) -> dict:
    """The training log's snapshot of the site's training records matching `where`."""
    records = (
        training_records()
        .filter(where, site=scope.site, completed_on__lte=scope.period.end)
        .order_by("completed_on", "pk")
    )
    return training_snapshot(
        records, site=scope.site, period=scope.period, now=scope.now, title=title
    )


def radiation_safety_people(scope: PackScope) -> Q:
    """The training records of the site's RSOs (any course) and of radiation-safety courses
    (whoever took them)."""
    rsos = SiteMembership.objects.filter(site=scope.site, role=Role.RSO).values("user_id")
    return Q(person__in=rsos) | Q(course__category=CourseCategory.RADIATION_SAFETY)


def inventory(scope: PackScope) -> list[dict]:
    """The site's machines as its written inventory lists them (TJC EC.02.04.01 EP 2-4): risk,
    strategy, status, and each preventive maintenance schedule's last done, next due and
    standing now: one query for all the schedules."""
    pm = with_status(
        Schedule.objects.filter(
            equipment__in=[m.pk for m in scope.machines],
            procedure__kind=ProcedureKind.PREVENTIVE_MAINTENANCE,
        ).select_related("procedure__current_version"),
        now=scope.now,
    ).order_by("procedure__code", "pk")
    schedules: dict[int, list[str]] = {}
    for s in pm:
        last = local_time_text(s.last_done, scope.zone) if s.last_done else "never"
        schedules.setdefault(s.equipment_id, []).append(
            f"{s.procedure.code}: last done {last}; next due "
            f"{local_time_text(s.next_due, scope.zone)} ({ScheduleStatus(s.state).label})"
        )
    return [
        {
            "id": m.pk,
            "equipment": f"{m.asset_tag} {m.name}",
            "category": m.get_category_display(),
            "modalities": ", ".join(m.modalities or []) or "—",
            "location": str(m.location) if m.location else "not recorded",
            "status": m.get_status_display(),
            "high_risk": m.high_risk,
            "strategy": m.get_maintenance_strategy_display(),
            "preventive_maintenance": schedules.get(m.pk, []),
        }
        for m in scope.machines
    ]
