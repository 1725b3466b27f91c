"""An inspection pack as a plain snapshot: for one kind of inspection visit (MQSA, NRC
materials licence, Joint Commission environment of care, state X-ray) and one site, every log
and source document that kind of inspector asks for, in sections, composed of the logs' own
snapshots (compliance.selectors.pack_sections). What each pack holds, and the regulation
behind each section, is docs/inspection-packs.md.

The number of queries does not grow with the site's machines: each part reads all of its
machines at once (the equipment logs together, the last two surveys by one ranked query).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from compliance.models import LogKind
from compliance.selectors import pack_sections as parts
from compliance.selectors.logs import Period, facility_of
from compliance.selectors.radioactive_log import radioactive_log_count, radioactive_log_snapshot
from compliance.selectors.site_qc_log import site_qc_count, site_qc_snapshot
from equipment.models import ServiceRecord
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.vocabulary import Modality

SNAPSHOT_VERSION = 1

MAMMOGRAPHY = (Modality.MG,)
# The units a state radiation-control programme registers and inspects: those that make X-rays.
X_RAY = (
    Modality.CT,
    Modality.CR,
    Modality.DX,
    Modality.RF,
    Modality.XA,
    Modality.MG,
    Modality.BMD,
)


def _section(key, title, citation, why, kind, empty, **data) -> dict:
    """One section: `kind` says how it is printed; `empty` why it holds nothing, or ""."""
    return {
        "key": key,
        "title": title,
        "citation": citation,
        "why": why,
        "kind": kind,
        "empty": empty,
        **data,
    }


# --- MQSA ----------------------------------------------------------------------------------


def _mqsa(scope: parts.PackScope) -> list[dict]:
    units = scope.having(MAMMOGRAPHY)
    none = "No mammography units at this site." if not units else ""
    logs = parts.equipment_logs(scope, units)
    surveys = parts.last_surveys(scope, units)
    evaluations = parts.evaluations(scope, units)
    actions = parts.corrective_actions(logs)
    performers = parts.qc_performers(scope, units)
    training = parts.training_of(
        scope, Q(person__in=performers), "Qualifications of the people who performed QC"
    )
    return [
        _section(
            "equipment_logs",
            "Equipment logs of the mammography units",
            "21 CFR 900.12(d), (e)",
            "Each unit's QC records of the period with results against limits, schedules, "
            "exceptions and work orders.",
            "equipment_logs",
            none,
            logs=logs,
        ),
        _section(
            "surveys",
            "Annual physicist surveys (the last two of each unit)",
            "21 CFR 900.12(e)(9), (d)(2)",
            "The survey, its date, the physicist, the day the report was received (due within "
            "30 days) and the report files with their SHA-256.",
            "records",
            none or ("" if surveys else "No physicist survey is recorded for these units."),
            records=surveys,
        ),
        _section(
            "evaluations",
            "Mammography equipment evaluations",
            "21 CFR 900.12(e)(10)",
            "Each installation, move or major repair in the period and the evaluation "
            "(acceptance test or physicist survey) performed after it.",
            "evaluations",
            none
            or (
                ""
                if evaluations
                else "No installation, move or major repair of these units in the period."
            ),
            evaluations=evaluations,
        ),
        _section(
            "corrective_actions",
            "Corrective actions (work orders)",
            "21 CFR 900.12(e)(8)",
            "Every work order of these units open at some moment of the period, with its "
            "resolution and downtime.",
            "work_orders",
            none or ("" if actions else "No work orders on these units in the period."),
            work_orders=actions,
        ),
        _section(
            "qualifications",
            "Qualifications of the people who performed QC",
            "21 CFR 900.12(a); (d)(2)",
            "The training records at this site of each person who signed a unit's QC as "
            "performer in the period, and their standing at its end.",
            "training",
            none
            or ("" if performers else "No QC of these units was signed by a person in the period."),
            training=training,
        ),
    ]


# --- NRC materials licence -----------------------------------------------------------------


def _nrc(scope: parts.PackScope) -> list[dict]:
    materials = radioactive_log_snapshot(site=scope.site, period=scope.period, now=scope.now)
    training = parts.training_of(
        scope,
        parts.radiation_safety_people(scope),
        "Training of the radiation safety officer and radiation workers",
    )
    return [
        _section(
            "radioactive_materials",
            "Radioactive materials log",
            "10 CFR 35.67, 20.1801-1802, 20.1501",
            "The sealed-source inventory with decayed activities and secured storage, and the "
            "period's leak tests, instrument calibrations and area surveys.",
            "radioactive_log",
            "",
            log=materials,
        ),
        _section(
            "training",
            "Training of the RSO and radiation workers",
            "10 CFR 19.12, 35.27, 35.310/35.410, 35.2310",
            "Radiation-safety training of anyone at this site, and every training record of "
            "the site's radiation safety officers.",
            "training",
            "",
            training=training,
        ),
    ]


# --- Joint Commission environment of care ------------------------------------------------


def _joint_commission(scope: parts.PackScope) -> list[dict]:
    listed = parts.inventory(scope)
    high_risk = [m for m in scope.machines if m.high_risk]
    summary = site_qc_snapshot(
        site=scope.site, period=scope.period, now=scope.now, actor=scope.actor
    )
    orders = parts.work_orders(scope, list(scope.machines))
    return [
        _section(
            "inventory",
            "Medical equipment inventory",
            "TJC EC.02.04.01 EP 2-4 (legacy numbering); CMS S&C 14-07",
            "Every machine with its risk, maintenance strategy, status and preventive "
            "maintenance schedules.",
            "inventory",
            "" if listed else "No equipment is registered at this site.",
            equipment=listed,
        ),
        _section(
            "qc_summary",
            "Site QC summary",
            "TJC EC.02.04.01 EP 10, EC.02.04.03 EP 18",
            "Each machine's on-time completion of its scheduled QC and maintenance, overdue "
            "schedules, action-level failures and open work orders.",
            "site_qc",
            "",
            log=summary,
        ),
        _section(
            "high_risk_logs",
            "Equipment logs of the high-risk equipment",
            "TJC EC.02.04.03 (100% completion for high-risk equipment)",
            "The full log of each high-risk machine over the period.",
            "equipment_logs",
            "" if high_risk else "No equipment at this site is flagged high risk.",
            logs=parts.equipment_logs(scope, high_risk),
        ),
        _section(
            "work_orders",
            "Work orders",
            "42 CFR 482.26(b)(2); TJC EC.02.04.03",
            "Every work order open at some moment of the period: hazards found and corrected.",
            "work_orders",
            "" if orders else "No work orders at this site in the period.",
            work_orders=orders,
        ),
    ]


# --- State X-ray ---------------------------------------------------------------------------


def _state_x_ray(scope: parts.PackScope) -> list[dict]:
    units = scope.having(X_RAY)
    none = "No X-ray, CT or fluoroscopy units at this site." if not units else ""
    logs = parts.equipment_logs(scope, units)
    surveys = parts.last_surveys(scope, units)
    actions = parts.corrective_actions(logs)
    return [
        _section(
            "equipment_logs",
            "Equipment logs of the X-ray, CT and fluoroscopy units",
            "State radiation-control regulations (registration); TJC EC.02.04.01 EP 10",
            "Each unit's records of the period with results against limits, schedules, "
            "exceptions and work orders.",
            "equipment_logs",
            none,
            logs=logs,
        ),
        _section(
            "surveys",
            "Physicist surveys (the last two of each unit)",
            "State radiation-control regulations; TJC annual physicist evaluations",
            "The surveys, their physicists, the day each report was received and the report "
            "files with their SHA-256.",
            "records",
            none or ("" if surveys else "No physicist survey is recorded for these units."),
            records=surveys,
        ),
        _section(
            "corrective_actions",
            "Corrective actions (work orders)",
            "42 CFR 482.26(b)(2)",
            "Every work order of these units open at some moment of the period.",
            "work_orders",
            none or ("" if actions else "No work orders on these units in the period."),
            work_orders=actions,
        ),
    ]


@dataclass(frozen=True)
class PackSpec:
    kind: str
    inspection: str  # the inspection, in words, with its rules
    reference: str  # the sections of the regulatory reference it follows
    sections: Callable[[parts.PackScope], list[dict]]


PACKS: dict[str, PackSpec] = {
    spec.kind: spec
    for spec in (
        PackSpec(LogKind.PACK_MQSA, "MQSA inspection (21 CFR 900.12)", "4, 7 and 10", _mqsa),
        PackSpec(
            LogKind.PACK_NRC,
            "NRC materials licence inspection (10 CFR 35, 20 and 19)",
            "5, 7 and 10",
            _nrc,
        ),
        PackSpec(
            LogKind.PACK_JOINT_COMMISSION,
            "Joint Commission environment of care survey (EC.02.04.01/.03, legacy numbering)",
            "2 and 10",
            _joint_commission,
        ),
        PackSpec(
            LogKind.PACK_STATE_XRAY,
            "State X-ray inspection (the state's radiation-control rules)",
            "2 and 10",
            _state_x_ray,
        ),
    )
}


def pack_snapshot(*, kind: str, site, period: Period, now: datetime, actor) -> dict:
    """Everything the inspection pack of `kind` prints for `site` over `period`, as of `now`."""
    spec = PACKS[kind]
    scope = parts.pack_scope(site=site, period=period, now=now, actor=actor)
    return {
        "format": SNAPSHOT_VERSION,
        "kind": kind,
        "title": LogKind(kind).label,
        "inspection": spec.inspection,
        "reference": spec.reference,
        "as_of": local_time_text(now, site.zone),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "facility": facility_of(site),
        "sections": spec.sections(scope),
    }


def pack_entries(snapshot: dict) -> int:
    """The records a pack holds: service, training and work-order entries, machines listed."""
    total = 0
    for section in snapshot["sections"]:
        total += sum(len(log["records"]) for log in section.get("logs", []))
        total += len(section.get("records", [])) + len(section.get("evaluations", []))
        total += len(section.get("work_orders", [])) + len(section.get("equipment", []))
        if "training" in section:
            total += len(section["training"]["records"])
        if section["kind"] == "radioactive_log":
            total += sum(len(s["records"]) for s in section["log"]["sections"])
    return total


def pack_count(*, kind: str, site, period: Period) -> int:
    """Before generation, a bound on the pack's size, in a query or two: the service records
    of the site's machines in the period (and, for the NRC, the radioactive materials log's;
    for the Joint Commission, the QC summary's machines)."""
    start, end = period.bounds(site)
    if kind == LogKind.PACK_NRC:
        return radioactive_log_count(site=site, period=period)
    records = ServiceRecord.objects.filter(
        equipment__site=site, performed_at__gte=start, performed_at__lt=end
    ).count()
    if kind == LogKind.PACK_JOINT_COMMISSION:
        return records + site_qc_count(site=site, period=period)
    return records
