"""The equipment log as a plain snapshot: one piece of equipment over a period, read in a
constant number of queries however many records, versions, measurements and signatures it holds.

The snapshot is only dicts, lists, strings and numbers, so it serialises to canonical JSON whose
SHA-256 the printed log carries; the PDF builder is a pure function of it. Moments are written
in the site's time with the zone's abbreviation and offset, as an inspector reads them.
"""

import bisect
import hashlib
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.utils import timezone

from equipment.models import (
    Equipment,
    EquipmentStatusChange,
    Measurement,
    MissedOccurrence,
    ProcedureKind,
    Schedule,
    ServiceRecord,
    ServiceRecordVersion,
    WorkOrder,
)
from equipment.models.work_orders import CLOSED_STATES
from equipment.scheduling.timeline import ScheduleStatus
from equipment.selectors.schedules import with_status
from equipment.selectors.trends import trends
from equipment.selectors.work_orders import downtime_of, downtimes, duration_text
from imaging_ops.models import Signature
from imaging_ops.sites.local_time import local_time_text

SNAPSHOT_VERSION = 1
LATE = frozenset({ScheduleStatus.OVERDUE, ScheduleStatus.PAST_HARD_LIMIT})


@dataclass(frozen=True)
class Period:
    """The days a log covers, both included, in the site's calendar."""

    start: date
    end: date

    def bounds(self, site) -> tuple[datetime, datetime]:
        return site.day_bounds(self.start)[0], site.day_bounds(self.end)[1]


def snapshot_sha256(snapshot: dict) -> str:
    """The SHA-256 of the snapshot's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def loggable_equipment():
    """Equipment with what a log's header reads; scope it to the person's sites."""
    return Equipment.objects.select_related("site", "location")


def log_entry_count(*, equipment: Equipment, period: Period) -> int:
    """How many service records the equipment's log over `period` holds: one count query."""
    start, end = period.bounds(equipment.site)
    return ServiceRecord.objects.filter(
        equipment=equipment, performed_at__gte=start, performed_at__lt=end
    ).count()


def _number(value) -> str:
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def _side(low, high) -> str:
    if low is not None and high is not None:
        return f"{low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def limits_text(band: dict) -> str:
    """A measurement's limits as stored with it, in words ("tolerance 95 to 105; action limits
    90 to 110 mA"), or "recorded" for a check without limits."""
    if band.get("choices"):
        return "passing: " + ", ".join(band.get("passing") or [])
    parts = []
    if band.get("tolerance_low") is not None or band.get("tolerance_high") is not None:
        parts.append("tolerance " + _side(band.get("tolerance_low"), band.get("tolerance_high")))
    if band.get("action_low") is not None or band.get("action_high") is not None:
        parts.append("action limits " + _side(band.get("action_low"), band.get("action_high")))
    if not parts:
        return "recorded"
    unit = band.get("unit") or ""
    suffix = " % of reference" if band.get("mode") == "percent" else (f" {unit}" if unit else "")
    return "; ".join(parts) + suffix


def _results(version: ServiceRecordVersion) -> list[dict]:
    return [
        {
            "check": m.procedure_check.name,
            "citation": m.procedure_check.citation,
            "value": m.value_text,
            "unit": m.band.get("unit") or m.procedure_check.unit,
            "reference": _number(m.reference),
            "limits": limits_text(m.band),
            "result": m.get_result_display(),
        }
        for m in version.log_measurements
    ]


def _signatures(version: ServiceRecordVersion, zone) -> list[dict]:
    return [
        {
            "name": s.printed_name,
            "credentials": s.credentials,
            "meaning": s.get_meaning_display(),
            "signed_at": local_time_text(s.signed_at, zone),
        }
        for s in sorted(version.log_signatures, key=lambda s: (s.signed_at, s.pk))
    ]


def _performer(version: ServiceRecordVersion) -> str:
    if version.external_name:
        parts = [version.external_name, version.external_credentials, version.external_organisation]
        return ", ".join(p for p in parts if p)
    performed = [s for s in version.log_signatures if s.meaning == "performed"]
    if performed:
        s = performed[0]
        return f"{s.printed_name}, {s.credentials}" if s.credentials else s.printed_name
    user = version.created_by
    return user.display_name if user else ""


class Calibrations:
    """The calibration dates of the instruments a period's records used, read in one query:
    for each use, the instrument's last counting calibration at or before the work."""

    def __init__(self, records: list[ServiceRecord], end: datetime):
        ids = {i.pk for r in records for v in r.versions.all() for i in v.log_instruments}
        self._done: dict[int, list[datetime]] = {}
        if not ids:
            return
        rows = (
            ServiceRecord.objects.filter(
                equipment_id__in=ids,
                procedure__kind=ProcedureKind.CALIBRATION,
                counts=True,
                voided_at__isnull=True,
                performed_at__lt=end,
            )
            .order_by("performed_at")
            .values_list("equipment_id", "performed_at")
        )
        for instrument_id, at in rows:
            self._done.setdefault(instrument_id, []).append(at)

    def text(self, instrument: Equipment, used_at: datetime, zone) -> str:
        done = self._done.get(instrument.pk, [])
        index = bisect.bisect_right(done, used_at)
        if not index:
            return "no calibration on record before use"
        return "calibrated " + timezone.localtime(done[index - 1], zone).date().isoformat()


def _version(version: ServiceRecordVersion, zone, calibrations: Calibrations) -> dict:
    return {
        "number": version.number,
        "performed_at": local_time_text(version.performed_at, zone),
        "outcome": version.get_outcome_display(),
        "timeliness": version.get_timeliness_display() if version.timeliness else "",
        "performer": _performer(version),
        "instruments": [
            f"{i.asset_tag} {i.name} ({calibrations.text(i, version.performed_at, zone)})"
            for i in sorted(version.log_instruments, key=lambda i: i.asset_tag)
        ],
        "results": _results(version),
        "comments": version.comments,
        "signatures": _signatures(version, zone),
    }


def record_entry(record: ServiceRecord, zone, calibrations: Calibrations) -> dict:
    """A service record as a log prints it: the current version, its amendments, a void."""
    versions = sorted(record.versions.all(), key=lambda v: v.number)
    current = next((v for v in versions if v.pk == record.current_version_id), versions[-1])
    amendments = [
        {
            "version": later.number,
            "at": local_time_text(later.created_at, zone),
            "reason": later.amendment_reason,
            "superseded": _version(earlier, zone, calibrations),
        }
        for earlier, later in itertools.pairwise(versions)
    ]
    return {
        "id": record.pk,
        "procedure": f"{record.procedure.code} {current.procedure_version.name}",
        "citation": current.procedure_version.citation,
        "kind": record.procedure.get_kind_display(),
        **_version(current, zone, calibrations),
        "version": current.number,
        "amendments": amendments,
        "voided": record.void_reason if record.voided_at else "",
        "report_received_on": (
            current.report_received_on.isoformat() if current.report_received_on else ""
        ),
    }


def _procedure_name(procedure) -> str:
    return f"{procedure.code} {procedure.current_version.name}"


def service_records(where: Q, start: datetime, end: datetime) -> list[ServiceRecord]:
    """The service records matching `where` performed in [start, end), in time order, with
    their versions, and each version's measurements, instruments and signatures as lists
    (`log_measurements`, `log_instruments`, `log_signatures`): a fixed number of queries.

    The versions' own rows are read in one query each, and handed out by version, rather
    than prefetched: a log of thousands of records would otherwise build a queryset for each
    version and relation (Django's prefetching does), seconds of its reading."""
    versions = ServiceRecordVersion.objects.select_related("created_by", "procedure_version")
    records = list(
        ServiceRecord.objects.filter(where, performed_at__gte=start, performed_at__lt=end)
        .select_related("procedure", "equipment")
        .prefetch_related(Prefetch("versions", queryset=versions))
        .order_by("performed_at", "pk")
    )
    every = [v for r in records for v in r.versions.all()]
    ids = [v.pk for v in every]
    measurements, instruments, signatures = defaultdict(list), defaultdict(list), defaultdict(list)
    if ids:
        for m in (
            Measurement.objects.filter(version_id__in=ids)
            .select_related("procedure_check")
            .order_by("version_id", "position", "pk")
        ):
            measurements[m.version_id].append(m)
        used = ServiceRecordVersion.instruments.through.objects.filter(
            servicerecordversion_id__in=ids
        ).select_related("equipment")
        for link in used:
            instruments[link.servicerecordversion_id].append(link.equipment)
        for s in Signature.objects.filter(
            content_type=ContentType.objects.get_for_model(ServiceRecordVersion),
            object_id__in=ids,
        ):
            signatures[s.object_id].append(s)
    for version in every:
        version.log_measurements = measurements[version.pk]
        version.log_instruments = instruments[version.pk]
        version.log_signatures = signatures[version.pk]
    return records


def _schedules(ids, zone, now: datetime) -> dict[int, list[dict]]:
    rows = with_status(
        Schedule.objects.filter(equipment_id__in=ids).select_related("procedure__current_version"),
        now=now,
    ).order_by("procedure__code", "pk")
    found: dict[int, list[dict]] = {pk: [] for pk in ids}
    for s in rows:
        found[s.equipment_id].append(
            {
                "id": s.pk,
                "procedure": f"{s.procedure.code} {s.procedure.current_version.name}",
                "last_done": local_time_text(s.last_done, zone) if s.last_done else "never",
                "next_due": local_time_text(s.next_due, zone),
                "status": ScheduleStatus(s.state).label,
                "late": s.state in LATE,
            }
        )
    return found


def work_orders_by_equipment(ids, start, end, zone, now) -> dict[int, list[dict]]:
    rows = list(
        WorkOrder.objects.filter(equipment_id__in=ids, opened_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        .select_related("equipment")
        .order_by("opened_at", "pk")
    )
    down = downtimes(rows, now=now)
    found: dict[int, list[dict]] = {pk: [] for pk in ids}
    for w in rows:
        found[w.equipment_id].append(
            {
                "id": w.pk,
                "opened_at": local_time_text(w.opened_at, zone),
                "closed_at": local_time_text(w.closed_at, zone) if w.closed_at else "",
                "state": w.get_state_display(),
                "open": w.state not in CLOSED_STATES,
                "priority": w.get_priority_display(),
                "problem": w.problem,
                "resolution": w.resolution,
                "downtime": duration_text(down[w.pk]),
            }
        )
    return found


def _grouped(rows, key) -> dict[int, list]:
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(key(row), []).append(row)
    return found


def _exceptions(*, missed, schedules, work_orders, records, out_of_service, zone) -> list[dict]:
    found = [
        {
            "kind": "Missed",
            "when": m.day.isoformat(),
            "detail": _procedure_name(m.schedule.procedure)
            + (f" — {m.annotation}" if m.annotation else " — not explained"),
        }
        for m in missed
    ]
    found += [
        {"kind": s["status"], "when": s["next_due"], "detail": s["procedure"]}
        for s in schedules
        if s["late"]
    ]
    found += [
        {
            "kind": "Open deficiency",
            "when": w["opened_at"],
            "detail": f"Work order #{w['id']} ({w['state']}): {w['problem']}",
        }
        for w in work_orders
        if w["open"]
    ]
    found += [
        {
            "kind": "Action result",
            "when": r["performed_at"],
            "detail": f"{r['procedure']}: "
            + ", ".join(x["check"] for x in r["results"] if x["result"] == "Action"),
        }
        for r in records
        if r["outcome"] == "Action" and not r["voided"]
    ]
    if out_of_service > timedelta():
        found.append(
            {
                "kind": "Out of service",
                "when": "in the period",
                "detail": f"{duration_text(out_of_service)} out of service in the period",
            }
        )
    return found


def facility_of(site) -> dict:
    """The facility as a log's header prints it: name, code, address, zone, identifiers."""
    identifiers = [
        {
            "kind": i.get_kind_display(),
            "number": i.number,
            "issuer": i.issuer,
            "expires_on": i.expires_on.isoformat() if i.expires_on else "",
        }
        for i in site.identifiers.order_by("kind", "number")
    ]
    return {
        "code": site.code,
        "name": site.name,
        "address": site.address,
        "time_zone": site.time_zone,
        "identifiers": identifiers,
    }


# The most values one check's trend holds in a log: a year of daily QC, and some.
TREND_VALUES = 400


def _moment(moment) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _trends(ids, start: datetime, end: datetime, now: datetime) -> dict[int, list[dict]]:
    """Each numeric check's values in the period, as the equipment page charts them (bands of
    the current procedure version, reference changes, failures), as plain data: three queries
    however many machines."""
    schedules = Schedule.objects.filter(equipment_id__in=ids).select_related(
        "equipment__site", "procedure__current_version"
    )
    found: dict[int, list[dict]] = {pk: [] for pk in ids}
    for t in trends(schedules, now=now, limit=TREND_VALUES, period=(start, end)):
        if not t.measurements:
            continue
        found[t.schedule.equipment_id].append(
            {
                "procedure": t.schedule.procedure.current_version.name,
                "check": t.chart.title,
                "unit": t.chart.unit,
                "points": [[_moment(p.at), p.value, p.failed] for p in t.chart.points],
                "zones": [
                    [z.low, z.high, z.colour, z.label, _moment(z.start), _moment(z.end)]
                    for z in t.chart.zones
                ],
                "markers": [[_moment(m.at), m.label] for m in t.chart.markers],
            }
        )
    return found


def equipment_log_snapshot(*, equipment: Equipment, period: Period, now: datetime) -> dict:
    """Everything an inspector's equipment log prints for `equipment` (loaded with
    `loggable_equipment()`, already scoped) over `period`, as of `now`."""
    return equipment_log_snapshots(machines=[equipment], period=period, now=now)[equipment.pk]


def equipment_log_snapshots(*, machines: list[Equipment], period: Period, now: datetime) -> dict:
    """The equipment log of each machine of one site (loaded with `loggable_equipment()`,
    already scoped) over `period`, as of `now`, by id: each query runs once for all of them,
    so the number of queries does not grow with the machines (an inspection pack's logs)."""
    if not machines:
        return {}
    site = machines[0].site
    if any(m.site_id != site.pk for m in machines):
        raise ValueError("The equipment logs read together are of one site.")
    zone = site.zone
    start, end = period.bounds(site)
    ids = [m.pk for m in machines]
    rows = service_records(Q(equipment_id__in=ids), start, end)
    calibrations = Calibrations(rows, end)
    records = _grouped(rows, key=lambda r: r.equipment_id)
    schedules = _schedules(ids, zone, now)
    work_orders = work_orders_by_equipment(ids, start, end, zone, now)
    trends_of = _trends(ids, start, end, now)
    changes = _grouped(
        EquipmentStatusChange.objects.filter(equipment_id__in=ids, changed_at__gte=start)
        .select_related("actor")
        .order_by("changed_at", "pk"),
        key=lambda c: c.equipment_id,
    )
    missed = _grouped(
        MissedOccurrence.objects.filter(
            schedule__equipment_id__in=ids, day__gte=period.start, day__lte=period.end
        )
        .select_related("schedule__procedure__current_version")
        .order_by("day", "pk"),
        key=lambda m: m.schedule.equipment_id,
    )
    facility = facility_of(site)
    return {
        m.pk: _equipment_log(
            m,
            period=period,
            now=now,
            bounds=(start, end),
            facility=facility,
            records=[record_entry(r, zone, calibrations) for r in records.get(m.pk, [])],
            schedules=schedules[m.pk],
            work_orders=work_orders[m.pk],
            trends=trends_of[m.pk],
            changes=changes.get(m.pk, []),
            missed=missed.get(m.pk, []),
        )
        for m in machines
    }


def _equipment_log(
    equipment: Equipment,
    *,
    period: Period,
    now: datetime,
    bounds,
    facility: dict,
    records,
    schedules,
    work_orders,
    trends,
    changes,
    missed,
) -> dict:
    zone = equipment.site.zone
    start, end = bounds
    out_of_service = downtime_of(
        start=start,
        end=min(end, max(now, start)),
        changes=[(c.changed_at, c.from_status, c.to_status) for c in changes],
        status_now=equipment.status,
    )
    return {
        "format": SNAPSHOT_VERSION,
        "kind": "equipment",
        "trends": trends,
        "title": "Equipment log",
        "as_of": local_time_text(now, zone),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "facility": facility,
        "equipment": {
            "id": equipment.pk,
            "asset_tag": equipment.asset_tag,
            "name": equipment.name,
            "category": equipment.get_category_display(),
            "modality": equipment.modality,
            "manufacturer": equipment.manufacturer,
            "model": equipment.model,
            "serial_number": equipment.serial_number,
            "location": str(equipment.location) if equipment.location else "",
            "status": equipment.get_status_display(),
            "risk": "High risk" if equipment.high_risk else "Not high risk",
            "maintenance_strategy": equipment.get_maintenance_strategy_display(),
        },
        "schedules": schedules,
        "records": records,
        "work_orders": work_orders,
        "status_changes": [
            {
                "at": local_time_text(c.changed_at, zone),
                "from": c.get_from_status_display(),
                "to": c.get_to_status_display(),
                "reason": c.reason,
                "by": c.actor.display_name if c.actor else "",
            }
            for c in changes
            if c.changed_at < end
        ],
        "exceptions": _exceptions(
            missed=missed,
            schedules=schedules,
            work_orders=work_orders,
            records=records,
            out_of_service=out_of_service,
            zone=zone,
        ),
        "out_of_service": duration_text(out_of_service),
    }
