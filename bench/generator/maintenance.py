"""Maintenance: each site's procedures with their checks, the schedules on its equipment, and
the service records done on them (versions, one measurement per check with the band in force,
the performer's signature), with the missed days of daily work and the signers' policy
acknowledgements. The data file is `data/maintenance.json` (procedures by what they apply to,
the mix of schedules' fates and of outcomes, comments).

The clock is the application's own: every occurrence's due moment and timeline come from
`equipment.scheduling` (`first_due`, `next_due`, `timeline`, `timeliness`; daily occurrences are
computed once per site and day and shared by the schedules there), every value is judged by
`equipment.services.measurements.judge` (each check's values are drawn from pools judged once),
and each schedule's stored columns are set by `equipment.services.schedules.move_clock` from its
latest record, as the record service moves them. Signatures carry the SHA-256 of the version's
signed content, made with the audit writer's `canonical_text`, so they read as valid.

The bulk rows (records, versions, measurements, signatures) are streamed to COPY in time order
(a record's id grows with the day it was done, as in production) with the tables' indexes and
constraints dropped for the load and made again from PostgreSQL's own definitions. The audit
trail keeps its size (`audit_events`): the procedures, schedules and acknowledgements have their
creation events, and the records of the most recent days (as many days as fit in
`RECORD_EVENTS_SHARE` of the trail) have every event the record service writes for them; older
records predate the trail's window, as the trail's activity does.
"""

import hashlib
import json
import math
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from bench.generator.audit_chain import without_indexes
from bench.generator.audit_origin import address_at, request_id
from bench.generator.context import Build, Step
from bench.generator.tables import read_json
from equipment.limits import BandMode, Outcome
from equipment.models import (
    Category,
    Check,
    CheckKind,
    CompletionMonth,
    Equipment,
    EquipmentStatus,
    Measurement,
    MissedOccurrence,
    Procedure,
    ProcedureKind,
    ProcedureVersion,
    Schedule,
    ServiceRecord,
    ServiceRecordVersion,
)
from equipment.scheduling import (
    Anchor,
    DueTime,
    Interval,
    Preset,
    Recurrence,
    first_due,
    next_due,
    timeline,
    timeliness,
)
from equipment.services.measurements import judge
from equipment.services.rollups import rebuild_completion_months
from equipment.services.schedules import move_clock
from imaging_ops.audit.trail import AuditAction, canonical_text, jsonable
from imaging_ops.models import Meaning, PolicyAcknowledgement, Signature, Site, SiteMembership, User
from imaging_ops.records.signatures import POLICY_VERSION
from imaging_ops.vocabulary import Role

TABLES = read_json("maintenance")
PROCEDURES = TABLES["procedures"]
FATES = [(row["fate"], row["share"]) for row in TABLES["fates"]]
OUTCOME_MIX = TABLES["outcome_mix"]
SKIPPED = TABLES["skipped_clinical_days"]
ACTION_COMMENT = TABLES["action_comment"]
TOLERANCE_COMMENTS = TABLES["tolerance_comments"]
COMMENTS = TABLES["comments"]

# The share of the audit trail's size the records' own events may take (the newest days').
RECORD_EVENTS_SHARE = 0.3
# The span's estimate counts every occurrence; fates, skipped days and late starts take this
# share off what is written, so the estimate aims this much higher.
ESTIMATE_SHORTFALL = 1.045
POOL = 24  # judged values kept per check and outcome
SCHEDULED = (EquipmentStatus.IN_SERVICE, EquipmentStatus.OUT_OF_SERVICE)
ELIGIBLE = (*SCHEDULED, EquipmentStatus.AWAITING_ACCEPTANCE)
BENCH_MACHINE_DAYS = 400  # the equipment page's machine: more than a year of daily QC
SYSTEM = "system"  # the roll-over task, as the trail names it
PASS, TOLERANCE, ACTION = (str(o) for o in (Outcome.PASS, Outcome.TOLERANCE, Outcome.ACTION))
RANKED = (PASS, TOLERANCE, ACTION)  # a record's outcome is its worst measurement's
EVENT_ORDER = 10**9  # after the registry's creations at the same moment
COPY_CHUNK = 20_000  # rows buffered before a write to COPY
AUDITED_MODELS = {}  # model: its audited fields, in field order (filled on first use)


def bench_machine(ctx: Build) -> int | None:
    """The machine the equipment-page case opens: the in-service CT at the largest site (the
    technician's) accepted long enough ago for a year of daily QC, with the longest status
    history (ties: the lowest id). `bench.cases` finds the same one by SQL."""
    largest = max(ctx.sites, key=lambda s: s["weight"])["id"]
    changes = defaultdict(int)
    for row in ctx.status_changes:
        changes[row[1]] += 1
    limit = ctx.now.date() - timedelta(days=BENCH_MACHINE_DAYS + 2)
    found = [
        (-changes[e["id"]], e["id"])
        for e in _equipment(ctx)
        if e["site_id"] == largest
        and e["status"] == EquipmentStatus.IN_SERVICE
        and e["modality"] == "CT"
        and e["category"] == Category.IMAGING_SYSTEM
        and e["accepted_on"] is not None
        and e["accepted_on"] <= limit
    ]
    return min(found)[1] if found else None


def _equipment(ctx: Build) -> list[dict]:
    """The generated equipment with the columns this step reads, from the equipment's COPY."""
    if getattr(ctx, "_maintenance_equipment", None) is None:
        for model, fields, rows in ctx.written:
            if model is Equipment:
                at = {name: fields.index(name) for name in fields}
                ctx._maintenance_equipment = [
                    {
                        "id": row[at["id"]],
                        "site_id": row[at["site_id"]],
                        "name": row[at["name"]],
                        "category": row[at["category"]],
                        "modalities": row[at["modalities"]],
                        "modality": row[at["modality"]],
                        "status": row[at["status"]],
                        "accepted_on": row[at["accepted_on"]],
                        "created": row[at["created_at"]],
                    }
                    for row in rows
                ]
    return ctx._maintenance_equipment


def _audited(model) -> list:
    if model not in AUDITED_MODELS:
        exempt = model.audit_exempt_fields
        AUDITED_MODELS[model] = [
            f
            for f in model._meta.concrete_fields
            if not f.primary_key and f.name not in exempt and f.attname not in exempt
        ]
    return AUDITED_MODELS[model]


def created_changes(model, values: dict) -> dict:
    """The changes of a model's creation event, as the audit mixin records them: every audited
    field, `[None, value]`, missing ones at their defaults."""
    changes = {}
    for f in _audited(model):
        # A field not given holds its default ("" for a text field without one).
        value = values[f.attname] if f.attname in values else f.get_default()
        changes[f.attname] = [None, jsonable(value)]
    return changes


# --- the catalog -------------------------------------------------------------------------------


def _recurrence(template: dict) -> Recurrence:
    if template.get("preset"):
        return Recurrence(preset=template["preset"], weekday=template.get("weekday"))
    return Recurrence(interval=Interval(months=template.get("interval_months", 0)))


def _anchor(template: dict) -> str:
    if template.get("preset"):
        return Anchor.FIXED
    return template["anchor"]


def _is_daily(template: dict) -> bool:
    return template.get("preset") in (Preset.EACH_CLINICAL_DAY, Preset.EACH_DAY_OF_USE)


def _interval_days(template: dict) -> float:
    if _is_daily(template):
        return 1.0
    if template.get("preset") == Preset.WEEKLY_ON_WEEKDAY:
        return 7.0
    return template["interval_months"] * 30.44


def _check_fields(spec: dict, position: int) -> dict:
    fields = {
        "position": position,
        "key": spec["key"],
        "name": spec["name"],
        "kind": spec.get("kind", CheckKind.NUMERIC),
        "unit": spec.get("unit", ""),
        "band_mode": BandMode.ABSOLUTE,
        "choices": [],
        "passing_choices": [],
        "stop_use": False,
        "correct_within_days": None,
    }
    for limit in ("action_low", "tolerance_low", "tolerance_high", "action_high"):
        fields[limit] = Decimal(spec[limit]) if spec.get(limit) is not None else None
        fields[f"{limit}_inclusive"] = True
    return fields


class Option:
    """One judged value of a check: what its measurement row and contents say."""

    __slots__ = ("content_head", "content_tail", "copy_tail", "event", "rank", "result")

    def __init__(self, check: Check, text: str):
        judged = judge(check, text)
        self.result = str(judged.result)  # a plain string: formatted in every row
        self.rank = RANKED.index(self.result)
        limit = judged.evaluation.limit
        stored_limit = None if limit is None else Decimal(limit).quantize(Decimal("1E-8"))
        number = judged.value_number
        stored_number = None if number is None else number.quantize(Decimal("1E-8"))
        band = judged.band
        # value_text, value_number, reference, band, result, crossed, limit (after the ids)
        self.copy_tail = "\t".join(
            [
                _copy_text(judged.value_text),
                r"\N" if stored_number is None else str(stored_number),
                r"\N",
                _copy_text(json.dumps(band, ensure_ascii=False)),
                judged.result,
                judged.evaluation.crossed or "",
                r"\N" if stored_limit is None else str(stored_limit),
            ]
        )
        # Measurement.content() as read back from the database, around its check id.
        marker = 999_999_999
        text_content = canonical_text(
            {
                "check_id": marker,
                "value": judged.value_text,
                "reference": None,
                "band": band,
                "result": judged.result,
                "crossed": judged.evaluation.crossed or "",
                "limit": stored_limit,
            }
        )
        self.content_head, self.content_tail = text_content.split(str(marker))
        self.event = {
            "value_text": judged.value_text,
            "value_number": None if number is None else str(number),
            "reference": None,
            "band": jsonable(band),
            "result": judged.result,
            "crossed": judged.evaluation.crossed or "",
            "limit": None if limit is None else str(limit),
        }


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _pools(rng, spec: dict, check: Check) -> dict[str, list[Option]]:
    """Values of the check by outcome, each judged by the record service's own rule."""
    pools = {Outcome.PASS: [], Outcome.TOLERANCE: [], Outcome.ACTION: []}
    if check.kind == CheckKind.BOOLEAN:
        pools[Outcome.PASS].append(Option(check, "yes"))
        failed = Option(check, "no")
        pools[failed.result].append(failed)
        return pools
    decimals = spec.get("decimals", 1)
    seen = set()
    for attempt in range(4000):
        wide = 1 if attempt < 400 else 4 + attempt // 400
        value = rng.gauss(spec["nominal"], spec["spread"] * wide)
        text = f"{value:.{decimals}f}"
        if text in seen or text == f"-{0:.{decimals}f}":
            continue
        seen.add(text)
        option = Option(check, text)
        if len(pools[option.result]) < POOL:
            pools[option.result].append(option)
        if all(len(pool) >= POOL for pool in pools.values()):
            break
    return pools


# --- the build ---------------------------------------------------------------------------------


class Plan:
    """One schedule as it is built: its row's values and what its records follow."""

    __slots__ = (
        "assignee", "assignee_role", "baseline", "created", "daily", "end", "equipment", "fate",
        "id", "last_done", "paused", "performers", "procedure", "satisfied", "site", "start",
        "template",
    )  # fmt: skip


def build_maintenance(ctx: Build) -> None:
    rng = ctx.rng
    clock = time.perf_counter()
    sites = {site.pk: site for site in Site.objects.all()}
    state = _people(ctx)
    procedures = _procedures(ctx, sites, state)
    ctx.log(f"    procedures, versions and checks {time.perf_counter() - clock:.1f} s")
    clock = time.perf_counter()
    plans = _plans(ctx, sites, procedures, state)
    ctx.log(f"    {len(plans):,} schedules planned {time.perf_counter() - clock:.1f} s")
    clock = time.perf_counter()
    _records(ctx, sites, plans, state, rng)
    ctx.log(f"    records written {time.perf_counter() - clock:.1f} s")
    ctx.events.extend(state["events"])
    # The monthly completion figures, as the record service keeps them: made from the records.
    clock = time.perf_counter()
    ctx.counts[CompletionMonth._meta.db_table] = rebuild_completion_months()
    ctx.log(f"    monthly completion figures {time.perf_counter() - clock:.1f} s")
    # For a later step that adds procedures, schedules and records of its own (`long_log`).
    ctx.maintenance = {
        "sites": sites,
        "state": state,
        "procedures": procedures,
        "schedules": len(plans),
    }


def _people(ctx: Build) -> dict:
    """Who may perform and sign at each site: active people with an active role in force."""
    names, credentials, active = {}, {}, set()
    for model, fields, rows in ctx.written:
        if model is User:
            at = {name: fields.index(name) for name in fields}
            for row in rows:
                names[row[at["id"]]] = (row[at["username"]], row[at["full_name"]])
                credentials[row[at["id"]]] = row[at["credentials"]]
                if row[at["is_active"]]:
                    active.add(row[at["id"]])
    by_role = defaultdict(lambda: defaultdict(list))
    for model, _fields, rows in ctx.written:
        if model is SiteMembership:
            for user_id, site_id, role, _trainee, expires, is_active in rows:
                if is_active and expires is None and user_id in active:
                    by_role[site_id][role].append(user_id)
    return {
        "names": names,
        "credentials": credentials,
        "by_role": by_role,
        "acknowledged": {},  # user id: moment of their first signature's acknowledgement
        "events": [],
    }


def _event(ctx, state, at, action, actor, model_label, object_id, site_id, changes, origin,
           reason=""):  # fmt: skip
    actor_name = state["names"][actor][0] if actor else SYSTEM
    address, request = origin
    events = state["events"]
    events.append(
        (at, EVENT_ORDER + len(events), action, actor, actor_name, model_label, str(object_id),
         site_id, changes, reason, address, request)
    )  # fmt: skip


def _procedures(
    ctx: Build, sites: dict, state: dict, templates: list[dict] = PROCEDURES, start=None
) -> dict:
    """Every procedure of `templates` (the catalog's) at every site of `sites` (a site's own
    copy), version 1, with its checks, created shortly after `start` (before the first
    equipment, by default); their ids follow those made before (`state["last_ids"]`).
    Returns {(site id, code): {"id", "version", "checks": [(Check, pools)], "template"}}."""
    rng = ctx.rng
    if start is None:
        start = min(e["created"] for e in _equipment(ctx)) - timedelta(hours=20)
    pools = {}
    procedures, versions, checks = [], [], []
    made = {}
    procedure_id, version_id, check_id = state.get("last_ids", (0, 0, 0))
    for site_id in sorted(sites):
        managers = state["by_role"][site_id][Role.MANAGER] or ctx.members[site_id][Role.MANAGER]
        for template in templates:
            procedure_id += 1
            version_id += 1
            at = start + timedelta(seconds=rng.randint(60, 3000))
            actor = rng.choice(managers)
            roles = list(template["roles"])
            if not any(state["by_role"][site_id][r] for r in roles):
                roles.append(Role.MANAGER)  # no one of those roles here: the managers do it
            modalities = [m for m in template["applies_to"] if m.isupper()]
            kinds = [m for m in template["applies_to"] if not m.isupper()]
            categories = sorted({_category_of(kind) for kind in kinds})
            recurrence = _recurrence(template)
            version = {
                "number": 1, "created_at": at, "created_by_id": actor, "amendment_reason": "",
                "procedure_id": procedure_id, "name": template["name"],
                "modalities": modalities, "categories": categories,
                "citation": template.get("citation", ""), "instructions": "",
                "performer_roles": roles, "external_allowed": False, "required_after": [],
                "default_anchor": _anchor(template),
                "default_interval_months": template.get("interval_months", 0),
                "default_interval_weeks": 0, "default_interval_days": 0,
                "default_preset": template.get("preset", ""),
                "default_weekday": template.get("weekday"),
                "default_early_days": template.get("early_days", 0),
                "default_grace_days": template.get("grace_days", 0),
                "default_hard_limit_months": template.get("hard_limit_months"),
            }  # fmt: skip
            assert recurrence.is_daily == _is_daily(template)
            versions.append((version_id, *version.values()))
            procedures.append((procedure_id, site_id, template["code"], template["kind"],
                               version_id))  # fmt: skip
            origin = (address_at(rng, site_id), request_id(rng))
            label = Procedure._meta.label_lower
            _event(ctx, state, at, AuditAction.CREATE, actor, label, procedure_id, site_id,
                   created_changes(Procedure, {"site_id": site_id, "code": template["code"],
                                               "kind": template["kind"]}), origin)  # fmt: skip
            _event(ctx, state, at, AuditAction.CREATE, actor,
                   ProcedureVersion._meta.label_lower, version_id, site_id,
                   created_changes(ProcedureVersion, version), origin)  # fmt: skip
            _event(ctx, state, at, AuditAction.UPDATE, actor, label, procedure_id, site_id,
                   {"current_version_id": [None, version_id]}, origin)  # fmt: skip
            judged = []
            for position, spec in enumerate(template["checks"], start=1):
                check_id += 1
                fields = _check_fields(spec, position)
                if template.get("stop_use"):
                    fields["stop_use"] = True
                    fields["correct_within_days"] = template.get("correct_within_days")
                check = Check(id=check_id, version_id=version_id, **fields)
                key = (template["code"], spec["key"])
                if key not in pools:
                    pools[key] = _pools(rng, spec, check)
                judged.append((check, pools[key]))
                checks.append((check_id, version_id, *fields.values()))
                _event(ctx, state, at, AuditAction.CREATE, actor, Check._meta.label_lower,
                       check_id, site_id, created_changes(Check, {"version_id": version_id,
                                                                  **fields}), origin)  # fmt: skip
            made[(site_id, template["code"])] = {
                "drawn": [
                    (check, pool[Outcome.PASS], pool[Outcome.TOLERANCE], pool[Outcome.ACTION])
                    for check, pool in judged
                ],
                "id": procedure_id,
                "version": version_id,
                "checks": judged,
                "template": template,
                "roles": roles,
                "created": at,
            }
    ctx.copy(Procedure, ["id", "site_id", "code", "kind", "current_version_id"], tuple(procedures))
    ctx.copy(ProcedureVersion, ["id", *version.keys()], tuple(versions))
    ctx.copy(Check, ["id", "version_id", *fields.keys()], tuple(checks))
    state["last_ids"] = (procedure_id, version_id, check_id)
    return made


def _category_of(kind: str) -> str:
    from bench.generator.equipment import CATALOG

    for entry in CATALOG:
        if entry[1] == kind:
            return entry[2]
    raise ValueError(f"{kind}: not a kind of equipment in catalog.csv")


def _applies(template: dict, item: dict) -> bool:
    wanted = template["applies_to"]
    if item["category"] == Category.IMAGING_SYSTEM:
        return any(m in wanted for m in item["modalities"])
    return item["name"] in wanted


def _plans(ctx: Build, sites: dict, procedures: dict, state: dict) -> list[Plan]:
    """The schedules: the catalog's procedures on the equipment they apply to, sampled down to
    `schedules` (the bench machine's daily QC kept), each with its fate and history span."""
    rng = ctx.rng
    today = ctx.now.date()
    machine = bench_machine(ctx)
    candidates, forced = [], []
    for item in _equipment(ctx):
        if item["status"] not in ELIGIBLE:
            continue
        for template in PROCEDURES:
            if _applies(template, item):
                pair = (item, template)
                if item["id"] == machine and template["code"] == "CT-DAILY":
                    forced.append(pair)
                else:
                    candidates.append(pair)
    wanted = ctx.sizes["schedules"] - len(forced)
    if wanted > len(candidates):
        raise RuntimeError(
            f"{len(candidates) + len(forced):,} procedure and equipment pairs for "
            f"{ctx.sizes['schedules']:,} schedules: add procedures to maintenance.json"
        )
    keep = sorted(rng.sample(range(len(candidates)), wanted))
    chosen = forced + [candidates[i] for i in keep]
    chosen.sort(key=lambda pair: (pair[0]["id"], pair[1]["code"]))
    # The history span: the same number of days back for every schedule (its equipment's
    # acceptance permitting), so that the records add up to `service_records`.
    rates = []
    for item, template in chosen:
        if item["status"] not in SCHEDULED or item["accepted_on"] is None:
            rates.append((0.0, 0))
            continue
        site = sites[item["site_id"]]
        per_day = len(site.clinical_days) / 7 * (1 - SKIPPED) if _is_daily(template) else 0
        rate = per_day or 1 / _interval_days(template)
        rates.append((rate, (today - item["accepted_on"]).days))
    span = _span(rates, ctx.sizes["service_records"] * ESTIMATE_SHORTFALL)
    fates = [f for f, _ in FATES]
    weights = [w for _, w in FATES]
    plans = []
    for n, (item, template) in enumerate(chosen, start=1):
        site_id = item["site_id"]
        procedure = procedures[(site_id, template["code"])]
        plan = Plan()
        plan.id, plan.site, plan.equipment, plan.template = n, site_id, item, template
        plan.procedure = procedure
        plan.daily = _is_daily(template)
        plan.fate = "current" if item["id"] == machine else rng.choices(fates, weights)[0]
        if plan.fate == "past_hard_limit" and not template.get("hard_limit_months"):
            plan.fate = "overdue"
        plan.paused = plan.fate == "paused"
        days = BENCH_MACHINE_DAYS if item["id"] == machine else span
        first = today - timedelta(days=int(days))
        if item["accepted_on"] is not None and item["accepted_on"] > first:
            first = item["accepted_on"] + timedelta(days=1)
        plan.start = min(first, today)
        fill_plan(ctx, plan, state)
        plans.append(plan)
    return plans


def fill_plan(ctx: Build, plan: Plan, state: dict) -> None:
    """A plan's performers, creation, known last completion, assignee and end, from its
    site, equipment, procedure, template, fate and start."""
    rng = ctx.rng
    item, template, procedure, site_id = plan.equipment, plan.template, plan.procedure, plan.site
    plan.performers = [
        user for role in procedure["roles"] for user in state["by_role"][site_id][role]
    ] or ctx.members[site_id][Role.MANAGER]
    plan.created = max(
        procedure["created"] + timedelta(minutes=rng.randint(5, 600)),
        datetime.combine(plan.start - timedelta(days=1), datetime.min.time(), UTC)
        + timedelta(hours=rng.uniform(8, 17)),
    )
    plan.created = min(plan.created, ctx.now - timedelta(minutes=30))
    plan.baseline = None
    if not plan.daily and item["status"] in SCHEDULED and rng.random() < 0.7:
        # Moved in with its history: the last completion known at set-up.
        back = timedelta(days=_interval_days(template) * rng.uniform(0.5, 0.95))
        plan.baseline = min(
            datetime.combine(plan.start, datetime.min.time(), UTC) - back, plan.created
        ).replace(microsecond=0)
    if rng.random() < 0.15 and plan.performers:
        plan.assignee, plan.assignee_role = rng.choice(plan.performers), ""
    else:
        plan.assignee, plan.assignee_role = None, procedure["roles"][0]
    plan.last_done, plan.satisfied = plan.baseline, None
    plan.end = _end(ctx, plan)


def _span(rates: list[tuple[float, int]], target: int) -> float:
    """The days of history that give about `target` records over the schedules' rates."""
    low, high = 1.0, 20 * 365.0
    for _ in range(50):
        middle = (low + high) / 2
        total = sum(rate * min(middle, age) for rate, age in rates)
        low, high = (middle, high) if total < target else (low, middle)
    return high


def _end(ctx: Build, plan: Plan) -> datetime:
    """The moment the schedule's records stop: now, or earlier for its fate (overdue, past
    its hard limit) or when its equipment went out of service."""
    rng = ctx.rng
    end = ctx.now
    interval = _interval_days(plan.template)
    if plan.fate == "overdue":
        end -= timedelta(days=interval * rng.uniform(0.2, 0.9) + plan.template.get("grace_days", 0))
        if plan.daily:
            end = ctx.now - timedelta(days=rng.randint(1, 4))
    elif plan.fate == "past_hard_limit":
        end -= timedelta(days=plan.template["hard_limit_months"] * 30.5 + rng.uniform(3, 60))
    if plan.equipment["status"] == EquipmentStatus.OUT_OF_SERVICE:
        stopped = ctx._maintenance_out_of_service.get(plan.equipment["id"]) if hasattr(
            ctx, "_maintenance_out_of_service") else None  # fmt: skip
        if stopped is None:
            ctx._maintenance_out_of_service = {
                row[1]: row[7] for row in ctx.status_changes if row[4] == "out_of_service"
            }
            stopped = ctx._maintenance_out_of_service.get(plan.equipment["id"])
        if stopped is not None:
            end = min(end, stopped)
    return end


# --- the records -------------------------------------------------------------------------------


class Writer:
    """Rows as COPY text, spooled to a temporary file (one connection runs one COPY at a time,
    and the records feed five tables at once), then copied in one statement."""

    def __init__(self, cursor, model, columns: list[str]):
        meta = model._meta
        names = ", ".join(connection.ops.quote_name(meta.get_field(c).column) for c in columns)
        self.statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({names}) FROM STDIN"
        self.cursor, self.lines, self.count, self.table = cursor, [], 0, meta.db_table
        self.spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115

    def add(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= COPY_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.spool.write("".join(self.lines))
            self.count += len(self.lines)
            self.lines = []

    def load(self) -> None:
        """COPY the spooled rows into the table, and drop the spool."""
        self.flush()
        self.spool.seek(0)
        with self.cursor.cursor.copy(self.statement) as copy:
            while block := self.spool.read(1 << 20):
                copy.write(block)
        self.spool.close()


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _clinical(sites: dict) -> dict:
    return {site_id: frozenset(site.clinical_days) for site_id, site in sites.items()}  # weekdays


def record_writers(cursor) -> dict:
    """The COPY writers of the records' five tables."""
    return {
        "record": Writer(cursor, ServiceRecord, [
            "id", "equipment", "schedule", "procedure", "current_version", "performed_at",
            "outcome", "counts", "voided_at", "voided_by", "void_reason", "review_reasons",
            "awaiting_review", "qualification_review"]),
        "version": Writer(cursor, ServiceRecordVersion, [
            "id", "record", "number", "created_at", "created_by", "amendment_reason",
            "procedure_version", "performed_at", "recorded_at", "late_entry",
            "due_satisfied", "timeliness", "outcome", "action_confirmed", "comments",
            "external_name", "external_organisation", "external_credentials",
            "valid_until", "report_received_on"]),
        "measurement": Writer(cursor, Measurement, [
            "id", "version", "procedure_check", "position", "value_text", "value_number",
            "reference", "band", "result", "crossed", "limit"]),
        "signature": Writer(cursor, Signature, [
            "id", "content_type", "object_id", "site", "signer", "printed_name",
            "credentials", "meaning", "signed_at", "content_hash"]),
        "missed": Writer(cursor, MissedOccurrence, [
            "id", "schedule", "day", "annotation", "annotated_at", "annotated_by"]),
    }  # fmt: skip


def _records(ctx: Build, sites: dict, plans: list[Plan], state: dict, rng) -> None:
    """The records of every schedule, day by day from the oldest, streamed to COPY."""
    today = ctx.now.date()
    daily = [p for p in plans if p.daily and p.equipment["status"] in SCHEDULED]
    clinical = _clinical(sites)
    # The newest days' records have their events in the trail, within its budget.
    events_per_day = sum(
        (len(p.template["checks"]) + 5) * len(clinical[p.site]) / 7 for p in daily
    ) + sum((len(p.template["checks"]) + 5) / _interval_days(p.template) for p in plans
            if not p.daily)  # fmt: skip
    budget = ctx.sizes["audit_events"] * RECORD_EVENTS_SHARE
    audited_days = max(1, math.floor(budget / max(events_per_day, 1)))
    audited_from = datetime.combine(today - timedelta(days=audited_days), datetime.min.time(), UTC)
    state["audited_days"] = audited_days
    content_type = ContentType.objects.get_for_model(ServiceRecordVersion).pk
    tables = [ServiceRecord, ServiceRecordVersion, Measurement, Signature, MissedOccurrence]
    timings = defaultdict(float)
    with without_indexes(ctx.cursor, [m._meta.db_table for m in tables], timings, foreign=True):
        writers = record_writers(ctx.cursor)
        counter = {"record": 0, "measurement": 0, "missed": 0}
        writing = _RecordWriter(ctx, state, writers, counter, content_type, audited_from, rng)
        # What a later step writing records of its own continues from.
        state["writing"] = writing
        write_history(ctx, sites, plans, writing)
        load_records(ctx, writers, timings)
        # The schedules, whose clocks follow from the records, before the keys come back.
        clock = time.perf_counter()
        _write_schedules(ctx, sites, plans, state)
        timings["schedules' clocks (move_clock)"] = time.perf_counter() - clock
    for model in tables:
        if model not in ctx.models:
            ctx.models.append(model)
    ctx.log(
        f"    records' events for the last {audited_days} days; "
        + ", ".join(
            f"{k} {v:.1f} s" if isinstance(v, float) else f"{k} {v:,}" for k, v in timings.items()
        )
    )
    _acknowledgements(ctx, state)


def load_records(ctx: Build, writers: dict, timings: dict) -> None:
    """COPY what the writers spooled into their tables, and count the rows."""
    for name, writer in writers.items():
        clock = time.perf_counter()
        writer.load()
        timings[f"COPY {name}"] = time.perf_counter() - clock
        ctx.counts[writer.table] = ctx.counts.get(writer.table, 0) + writer.count


def write_history(ctx: Build, sites: dict, plans: list[Plan], writing: "_RecordWriter") -> None:
    """The records (and missed days) of `plans`, day by day from the oldest start to today,
    as `writing` writes them."""
    rng = ctx.rng
    today = ctx.now.date()
    counter = writing.counter
    first_day = min(plan.start for plan in plans)
    # Non-daily occurrences, walked with the scheduling rules, bucketed by their record's day.
    buckets = defaultdict(list)
    for plan in plans:
        if not plan.daily and plan.equipment["status"] in SCHEDULED:
            for occurrence in _walk(plan, sites[plan.site], rng):
                buckets[occurrence[0].date()].append((plan, occurrence))
    daily = [p for p in plans if p.daily and p.equipment["status"] in SCHEDULED]
    clinical = _clinical(sites)
    occurrence_cache = {}

    def daily_timeline(site_id: int, day: date):
        key = (site_id, day)
        if key not in occurrence_cache:
            site = sites[site_id]
            due = first_due(
                anchor=Anchor.FIXED,
                recurrence=Recurrence(preset=Preset.EACH_CLINICAL_DAY),
                start=day,
                calendar=site,
                due_time=DueTime.OPENING,
            )
            occurrence_cache[key] = timeline(due, calendar=site)
        return occurrence_cache[key]

    day = first_day
    start = time.perf_counter()
    while day <= today:
        for plan in daily:
            if day < plan.start:
                continue
            if day > plan.end.date():
                continue
            if day.weekday() not in clinical[plan.site]:
                continue
            line = daily_timeline(plan.site, day)
            roll = rng.random()
            if roll < SKIPPED:
                if day < today:
                    writing.missed(plan, day, line)
                continue
            if roll < SKIPPED + 0.04:  # after opening: late
                performed = line.due + timedelta(minutes=rng.randint(5, 150))
            else:
                performed = line.due - timedelta(minutes=rng.randint(5, 90))
            performed = performed.replace(microsecond=0)
            if performed > plan.end - timedelta(minutes=5):
                continue  # not done yet today
            writing.record(plan, performed, line, timeliness(performed, timeline=line))
        for plan, occurrence in buckets.pop(day, ()):
            writing.record(plan, *occurrence)
        day += timedelta(days=1)
        if day.day == 1 and len(plans) > 100:
            ctx.log(
                f"      {day:%Y-%m}: {counter['record']:,} records, "
                f"{counter['measurement']:,} measurements "
                f"({time.perf_counter() - start:.0f} s)"
            )
    # Daily work owed since each schedule's last record (the roll-over's missed days).
    for plan in daily:
        if plan.equipment["status"] != EquipmentStatus.IN_SERVICE:
            continue
        after = plan.last_done.date() if plan.last_done else plan.start - timedelta(days=1)
        after = max(after, writing.missed_until.get(plan.id, after))
        day = after + timedelta(days=1)
        while day < today:
            if day.weekday() in clinical[plan.site]:
                writing.missed(plan, day, daily_timeline(plan.site, day))
            day += timedelta(days=1)
    ctx.log(f"      generated in {time.perf_counter() - start:.0f} s; loading")


def _walk(plan: Plan, site, rng):
    """The occurrences a non-daily schedule's records met, as (performed at, timeline,
    timeliness, valid until), walked with the scheduling rules from its start."""
    template = plan.template
    anchor, recurrence = _anchor(template), _recurrence(template)
    early = Interval(days=template.get("early_days", 0))
    grace = Interval(days=template.get("grace_days", 0))
    hard = template.get("hard_limit_months")
    hard_limit = Interval(months=hard) if hard else None
    common = {"calendar": site, "due_time": DueTime.OPENING}
    if plan.baseline is None:
        due = first_due(anchor=anchor, recurrence=recurrence, start=plan.start, **common)
    else:
        due = next_due(anchor=anchor, recurrence=recurrence, performed_at=plan.baseline,
                       start=plan.start, **common)  # fmt: skip
    last = plan.baseline
    calibration = template["kind"] == ProcedureKind.CALIBRATION
    pending = None
    while True:
        line = timeline(due, calendar=site, early=early, grace=grace, last_done=last,
                        hard_limit=hard_limit, anchor=anchor, recurrence=recurrence)  # fmt: skip
        roll = rng.random()
        opens, closes = line.window_opens, line.overdue_at
        if roll < 0.85:  # on time
            performed = opens + (line.due - opens) * rng.uniform(0.3, 0.98)
        elif roll < 0.97:  # in grace
            performed = line.due + (closes - line.due) * rng.uniform(0.02, 0.9)
        else:  # late
            performed = closes + timedelta(days=rng.uniform(0.5, 10))
        local = site.local(performed)
        performed = site.local(performed).replace(
            hour=rng.randint(8, 16), minute=rng.randint(0, 59), second=0, microsecond=0
        ).astimezone(UTC) if local.hour < 7 or local.hour > 18 else performed.replace(
            microsecond=0)  # fmt: skip
        if performed > plan.end - timedelta(minutes=5):
            break
        following = next_due(anchor=anchor, recurrence=recurrence, satisfied_due=line.due,
                             performed_at=performed, start=plan.start, **common)  # fmt: skip
        if pending is not None:
            yield pending
        valid_until = None
        if calibration:
            after = timeline(following, calendar=site, early=early, grace=grace,
                             last_done=performed, hard_limit=hard_limit, anchor=anchor,
                             recurrence=recurrence)  # fmt: skip
            valid_until = after.overdue_at
        pending = (performed, line, timeliness(performed, timeline=line), valid_until)
        last, due = performed, following
    if pending is not None:
        yield pending


class _RecordWriter:
    """Writes one record: its identity, version, measurements and signature, and (in the
    audited days) the events the record service writes for them."""

    def __init__(self, ctx, state, writers, counter, content_type, audited_from, rng):
        self.ctx, self.state, self.writers, self.counter = ctx, state, writers, counter
        self.content_type, self.audited_from, self.rng = content_type, audited_from, rng
        self.missed_until = {}  # schedule id: the last missed day written
        # A signature's id is its record's, past the signatures written before (by later steps).
        self.signature_offset = 0
        self.mix = (OUTCOME_MIX["action"], OUTCOME_MIX["action"] + OUTCOME_MIX["tolerance"])

    def missed(self, plan: Plan, day: date, line) -> None:
        self.counter["missed"] += 1
        self.missed_until[plan.id] = day
        missed_id = self.counter["missed"]
        self.writers["missed"].add(f"{missed_id}\t{plan.id}\t{day.isoformat()}\t\t\\N\t\\N\n")
        site_id = plan.site
        # The roll-over writes a missed day just after the site's midnight ends it.
        at = min(self.ctx.now - timedelta(minutes=1), line.window_opens + timedelta(days=1,
                 minutes=self.rng.randint(1, 14)))  # fmt: skip
        if at >= self.audited_from:
            _event(self.ctx, self.state, at, AuditAction.CREATE, None,
                   MissedOccurrence._meta.label_lower, missed_id, site_id,
                   created_changes(MissedOccurrence, {"schedule_id": plan.id, "day": day}),
                   (None, ""))  # fmt: skip

    def record(self, plan: Plan, performed: datetime, line, timely: str, valid_until=None):
        rng, ctx = self.rng, self.ctx
        self.counter["record"] += 1
        record_id = self.counter["record"]
        signer = rng.choice(plan.performers)
        recorded = min(performed + timedelta(minutes=rng.randint(2, 40)), ctx.now)
        acknowledged = self.state["acknowledged"]
        if signer not in acknowledged:
            acknowledged[signer] = (recorded, plan.site)
        procedure = plan.procedure
        roll_a, roll_t = self.mix
        random = rng.random
        measurements, contents = [], []
        rank = 0
        for check, passing, tolerance, action in procedure["drawn"]:
            roll = random()
            pool = passing
            if roll < roll_a and action:
                pool = action
            elif roll < roll_t and tolerance:
                pool = tolerance
            option = pool[int(random() * len(pool))]
            measurements.append((check, option))
            contents.append(f"{option.content_head}{check.id}{option.content_tail}")
            if option.rank > rank:
                rank = option.rank
        outcome = RANKED[rank]
        timely = str(timely)
        if outcome == ACTION:
            comments, confirmed = ACTION_COMMENT, True
        elif outcome == TOLERANCE:
            comments, confirmed = rng.choice(TOLERANCE_COMMENTS), False
        else:
            comments, confirmed = rng.choice(COMMENTS), False
        report = None
        if plan.template["kind"] == ProcedureKind.PHYSICIST_SURVEY:
            received = performed.date() + timedelta(days=rng.randint(3, 25))
            report = received if received <= ctx.now.date() else None
        site_id, equipment_id = plan.site, plan.equipment["id"]
        version_id = record_id
        writers = self.writers
        performed_text, recorded_text, due_text = _iso(performed), _iso(recorded), _iso(line.due)
        writers["record"].add(
            f"{record_id}\t{equipment_id}\t{plan.id}\t{procedure['id']}\t{version_id}\t"
            f"{performed_text}\t{outcome}\tt\t\\N\t\\N\t\t[]\tf\t\n"
        )
        writers["version"].add(
            f"{version_id}\t{record_id}\t1\t{recorded_text}\t{signer}\t\t{procedure['version']}\t"
            f"{performed_text}\t{recorded_text}\tf\t{due_text}\t{timely}\t{outcome}\t"
            f"{'t' if confirmed else 'f'}\t{_copy_text(comments)}\t\t\t\t"
            f"{_iso(valid_until) if valid_until else chr(92) + 'N'}\t"
            f"{report.isoformat() if report else chr(92) + 'N'}\n"
        )
        first_measurement = self.counter["measurement"] + 1
        add = writers["measurement"].add
        for n, (check, option) in enumerate(measurements):
            add(f"{first_measurement + n}\t{version_id}\t{check.id}\t{check.position}\t"
                f"{option.copy_tail}\n")  # fmt: skip
        self.counter["measurement"] += len(measurements)
        # The signed content, exactly as `canonical_text(version.signed_content())` writes it.
        signed = (
            '{"amendment_reason":"","content":{"action_confirmed":'
            + ("true" if confirmed else "false")
            + ',"attachments":[],"comments":'
            + json.dumps(comments, ensure_ascii=False)
            + ',"due_satisfied":"' + due_text
            + f'","equipment_id":{equipment_id},"external":["","",""],"instrument_ids":[],'
            + '"late_entry":false,"measurements":[' + ",".join(contents) + "]"
            + f',"outcome":"{outcome}","performed_at":"{performed_text}",'
            + f'"procedure_version_id":{procedure["version"]},"recorded_at":"{recorded_text}",'
            + '"report_received_on":' + (f'"{report.isoformat()}"' if report else "null")
            + f',"schedule_id":{plan.id},"timeliness":"{timely}","valid_until":'
            + (f'"{_iso(valid_until)}"' if valid_until else "null")
            + f'}},"created_at":"{recorded_text}","created_by_id":{signer},"number":1,'
            + f'"record_id":{record_id},"record_type":"equipment.servicerecordversion",'
            + f'"version_id":{version_id}}}'
        )  # fmt: skip
        content_hash = hashlib.sha256(signed.encode()).hexdigest()
        _username, full_name = self.state["names"][signer]
        credentials = self.state["credentials"][signer]
        signature_id = record_id + self.signature_offset
        writers["signature"].add(
            f"{signature_id}\t{self.content_type}\t{version_id}\t{site_id}\t{signer}\t"
            f"{_copy_text(full_name)}\t{_copy_text(credentials)}\t{Meaning.PERFORMED}\t"
            f"{recorded_text}\t{content_hash}\n"
        )
        if plan.last_done is None or performed > plan.last_done:
            # A late record can follow the next occurrence's: the latest one moves the clock.
            plan.last_done, plan.satisfied = performed, line.due
        if recorded < self.audited_from:
            return
        origin = (address_at(rng, site_id), request_id(rng))
        event = self._event_at(recorded)
        record_label = ServiceRecord._meta.label_lower
        version_label = ServiceRecordVersion._meta.label_lower
        event(
            AuditAction.CREATE,
            signer,
            record_label,
            record_id,
            site_id,
            created_changes(
                ServiceRecord,
                {
                    "equipment_id": equipment_id,
                    "schedule_id": plan.id,
                    "procedure_id": procedure["id"],
                },
            ),
            origin,
        )
        event(
            AuditAction.CREATE,
            signer,
            version_label,
            version_id,
            site_id,
            created_changes(
                ServiceRecordVersion,
                {
                    "number": 1,
                    "created_at": recorded,
                    "created_by_id": signer,
                    "record_id": record_id,
                    "procedure_version_id": procedure["version"],
                    "performed_at": performed,
                    "recorded_at": recorded,
                    "late_entry": False,
                    "due_satisfied": line.due,
                    "timeliness": timely,
                    "outcome": outcome,
                    "action_confirmed": confirmed,
                    "comments": comments,
                    "valid_until": valid_until,
                    "report_received_on": report,
                },
            ),
            origin,
        )
        for n, (check, option) in enumerate(measurements):
            event(
                AuditAction.CREATE,
                signer,
                Measurement._meta.label_lower,
                first_measurement + n,
                site_id,
                {
                    "version_id": [None, version_id],
                    "procedure_check_id": [None, check.id],
                    "position": [None, check.position],
                    **{k: [None, v] for k, v in option.event.items()},
                },
                origin,
            )
        event(
            AuditAction.UPDATE,
            signer,
            record_label,
            record_id,
            site_id,
            {"current_version_id": [None, version_id]},
            origin,
        )
        event(
            AuditAction.CREATE,
            signer,
            Signature._meta.label_lower,
            signature_id,
            site_id,
            created_changes(
                Signature,
                {
                    "content_type_id": self.content_type,
                    "object_id": version_id,
                    "site_id": site_id,
                    "signer_id": signer,
                    "printed_name": full_name,
                    "credentials": credentials,
                    "meaning": Meaning.PERFORMED,
                    "signed_at": recorded,
                    "content_hash": content_hash,
                },
            ),
            origin,
        )
        event(AuditAction.SIGN, signer, version_label, version_id, site_id,
              {"meaning": Meaning.PERFORMED, "signature_id": signature_id,
               "content_hash": content_hash}, origin)  # fmt: skip

    def _event_at(self, at: datetime):
        ticks = [0]

        def event(action, actor, label, object_id, site_id, changes, origin):
            ticks[0] += 1
            _event(self.ctx, self.state, at + timedelta(microseconds=ticks[0]), action, actor,
                   label, object_id, site_id, changes, origin)  # fmt: skip

        return event


def _acknowledgements(ctx: Build, state: dict) -> None:
    """Each signer's acknowledgement of the e-signature policy, made at their first signing
    (those not written yet: a later step's new signers)."""
    rows = []
    rng = ctx.rng
    written = state.setdefault("acknowledgements", {})  # user id: the row's id
    for user_id, (at, site_id) in sorted(state["acknowledged"].items()):
        if user_id in written:
            continue  # acknowledged at their first signing, written by an earlier call
        n = written[user_id] = len(written) + 1
        moment = at - timedelta(seconds=1)
        address = address_at(rng, site_id)
        rows.append((n, user_id, POLICY_VERSION, moment, address))
        origin = (address, request_id(rng))
        _event(ctx, state, moment, AuditAction.CREATE, user_id,
               PolicyAcknowledgement._meta.label_lower, n, site_id,
               created_changes(PolicyAcknowledgement, {
                   "user_id": user_id, "policy_version": POLICY_VERSION,
                   "acknowledged_at": moment, "address": address}), origin)  # fmt: skip
        _event(ctx, state, moment, AuditAction.ACKNOWLEDGE_POLICY, user_id,
               User._meta.label_lower, user_id, site_id, {"policy_version": POLICY_VERSION},
               origin)  # fmt: skip
    ctx.copy(
        PolicyAcknowledgement,
        ["id", "user_id", "policy_version", "acknowledged_at", "address"],
        tuple(rows),
    )


# --- the schedules -----------------------------------------------------------------------------


def _write_schedules(ctx: Build, sites: dict, plans: list[Plan], state: dict) -> None:
    """Each schedule's row, its clock moved by the schedule service's own `move_clock` from its
    latest record (or the completion known at set-up), and its creation event."""
    rng = ctx.rng
    equipment = {}
    rows = []
    for plan in plans:
        item = plan.equipment
        if item["id"] not in equipment:
            equipment[item["id"]] = Equipment(id=item["id"], site=sites[plan.site])
        template = plan.template
        values = {
            "equipment_id": item["id"], "site_id": sites[plan.site].pk,
            "procedure_id": plan.procedure["id"], "anchor": _anchor(template),
            "interval_months": template.get("interval_months", 0),
            "interval_weeks": 0, "interval_days": 0, "preset": template.get("preset", ""),
            "weekday": template.get("weekday"), "starts_on": plan.start,
            "early_days": template.get("early_days", 0),
            "grace_days": template.get("grace_days", 0),
            "hard_limit_months": template.get("hard_limit_months"), "hard_limit_days": None,
            "due_time": DueTime.OPENING, "due_clock": None, "assignee_id": plan.assignee,
            "assignee_role": plan.assignee_role, "paused": plan.paused,
        }  # fmt: skip
        schedule = Schedule(id=plan.id, **values)
        schedule.equipment = equipment[item["id"]]
        schedule.last_done = plan.last_done
        move_clock(schedule, now=ctx.now, satisfied_due=plan.satisfied)
        rows.append(
            (
                *values.values(), schedule.window_opens, schedule.next_due, schedule.overdue_at,
                schedule.hard_limit_at, plan.last_done, plan.baseline, plan.id,
            )
        )  # fmt: skip
        origin = (address_at(rng, plan.site), request_id(rng))
        actor = rng.choice(ctx.members[plan.site][Role.MANAGER])
        _event(ctx, state, plan.created, AuditAction.CREATE, actor,
               Schedule._meta.label_lower, plan.id, plan.site,
               created_changes(Schedule, values), origin)  # fmt: skip
    ctx.copy(
        Schedule,
        [*values.keys(), "window_opens", "next_due", "overdue_at", "hard_limit_at", "last_done",
         "baseline_done", "id"],
        tuple(rows),
    )  # fmt: skip


# --- after the build ---------------------------------------------------------------------------

CHECKED_SAMPLE = 300


def clocks_refused(ctx: Build) -> list[str]:
    """A sample of schedules' stored columns against `move_clock` run again from the latest
    record that counts (or the completion known at set-up), as `recompute_schedule` does."""
    ids = list(Schedule.objects.order_by("pk").values_list("pk", flat=True))
    sample = ctx.rng.sample(ids, min(CHECKED_SAMPLE, len(ids)))
    problems = []
    columns = ("window_opens", "next_due", "overdue_at", "hard_limit_at", "last_done")
    for schedule in Schedule.objects.filter(pk__in=sample).select_related("equipment__site"):
        latest = (
            ServiceRecord.objects.filter(schedule=schedule, counts=True)
            .select_related("current_version")
            .order_by("-performed_at", "-pk")
            .first()
        )
        again = Schedule(**{f.attname: getattr(schedule, f.attname) for f in Schedule._meta.fields})
        again.equipment = schedule.equipment
        again.last_done = latest.performed_at if latest else schedule.baseline_done
        move_clock(
            again,
            now=ctx.now,
            satisfied_due=latest.current_version.due_satisfied if latest else None,
        )
        for column in columns:
            if getattr(again, column) != getattr(schedule, column):
                problems.append(
                    f"schedule {schedule.pk}: {column} {getattr(schedule, column)} stored, "
                    f"{getattr(again, column)} from its records"
                )
    return problems[:5]


def signatures_refused(ctx: Build) -> list[str]:
    """A sample of records read as the API reads them: every signature valid."""
    from equipment.selectors.records import service_records
    from imaging_ops.records.signatures import signature_states

    last = ServiceRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample = [ctx.rng.randint(1, last) for _ in range(min(CHECKED_SAMPLE, last))]
    problems = []
    for record in service_records().filter(pk__in=sample):
        for state in signature_states(record.current()):
            if not state.valid:
                problems.append(f"record {record.pk}: its signature does not match its content")
    return problems[:5]


INVARIANTS = {
    "a record's outcome is the worst of its measurements (every 50th record)": """
        SELECT count(*) FROM equipment_servicerecord r
        JOIN equipment_servicerecordversion v ON v.id = r.current_version_id
        WHERE r.id % 50 = 0 AND v.outcome <> (
            SELECT CASE max(CASE m.result WHEN 'action' THEN 2 WHEN 'tolerance' THEN 1 ELSE 0 END)
                   WHEN 2 THEN 'action' WHEN 1 THEN 'tolerance' ELSE 'pass' END
            FROM equipment_measurement m WHERE m.version_id = v.id)
           OR r.outcome <> v.outcome OR r.performed_at <> v.performed_at""",
    "one measurement per check of the version's procedure (every 50th record)": """
        SELECT count(*) FROM equipment_servicerecordversion v
        WHERE v.id % 50 = 0 AND (
            SELECT count(*) FROM equipment_measurement m WHERE m.version_id = v.id)
            <> (SELECT count(*) FROM equipment_check c
                WHERE c.version_id = v.procedure_version_id)""",
    "a schedule's last done is its latest record's": """
        SELECT count(*) FROM equipment_schedule s
        LEFT JOIN (SELECT schedule_id, max(performed_at) AS latest FROM equipment_servicerecord
                   WHERE counts GROUP BY schedule_id) r ON r.schedule_id = s.id
        WHERE s.last_done IS DISTINCT FROM coalesce(r.latest, s.baseline_done)""",
    "records are of their schedule's equipment and procedure, at its site": """
        SELECT count(*) FROM equipment_servicerecord r
        JOIN equipment_schedule s ON s.id = r.schedule_id
        WHERE r.equipment_id <> s.equipment_id OR r.procedure_id <> s.procedure_id""",
    "schedules' procedures belong to their equipment's site": """
        SELECT count(*) FROM equipment_schedule s
        JOIN equipment_equipment e ON e.id = s.equipment_id
        JOIN equipment_procedure p ON p.id = s.procedure_id
        WHERE p.site_id <> e.site_id""",
    "every signer acknowledged the signature policy": """
        SELECT count(*) FROM (SELECT DISTINCT signer_id FROM imaging_ops_signature) s
        WHERE NOT EXISTS (SELECT 1 FROM imaging_ops_policyacknowledgement a
                          WHERE a.user_id = s.signer_id)""",
    "no missed day has a record that day": """
        SELECT count(*) FROM equipment_missedoccurrence o
        JOIN equipment_schedule s ON s.id = o.schedule_id
        JOIN equipment_equipment e ON e.id = s.equipment_id
        JOIN imaging_ops_site t ON t.id = e.site_id
        WHERE EXISTS (SELECT 1 FROM equipment_servicerecord r WHERE r.schedule_id = o.schedule_id
                      AND (r.performed_at AT TIME ZONE t.time_zone)::date = o.day)""",
    "the monthly completion figures are the records' own": """
        SELECT count(*) FROM (
            SELECT e.site_id, e.modality,
                   date_trunc('month', r.performed_at AT TIME ZONE 'UTC')::date AS month,
                   count(*) AS total,
                   count(*) FILTER (WHERE v.timeliness IN ('early', 'on_time', 'in_grace'))
                       AS on_time
            FROM equipment_servicerecord r
            JOIN equipment_equipment e ON e.id = r.equipment_id
            JOIN equipment_servicerecordversion v ON v.id = r.current_version_id
            WHERE r.counts AND r.schedule_id IS NOT NULL
            GROUP BY 1, 2, 3) f
        FULL JOIN equipment_completionmonth c
          ON c.site_id = f.site_id AND c.modality = f.modality AND c.month = f.month
        WHERE c.id IS NULL OR f.month IS NULL OR c.total <> f.total OR c.on_time <> f.on_time""",
}  # fmt: skip

STEP = Step(
    "maintenance",
    build_maintenance,
    sizes={"schedules": 60_000, "service_records": 2_000_000},
    invariants=INVARIANTS,
    checks=(clocks_refused, signatures_refused),
)
