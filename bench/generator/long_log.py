"""A long history: one CT whose equipment log holds at least `long_log_entries` (5,000)
entries, for the benchmark's log case (render and sign a log of that size).

The largest site (the technician's, open every day) has a trauma-centre CT, entered years ago
and in service since, with every catalog procedure that applies to a CT and three of its own
(`data/long_log.json`): a daily tube warm-up and air calibration, a daily room and safety check
and a weekly lasers and table check, besides the catalog's daily QC. That is a little over a
thousand records a year, so its history goes back as many days as the entries need (about four
and a half years). Everything is written as the maintenance step writes it, with its helpers:
the procedures and their creation events, the schedules (fate "current", clocks moved by
`move_clock`), the records with their measurements, signatures and (in the trail's window)
events, the missed days, new signers' policy acknowledgements, and the site's monthly CT
completion figures computed again. The data file is `data/long_log.json`.
"""

import math
from datetime import timedelta

from bench.generator.context import Build, Step
from bench.generator.equipment import CATALOG, HIGH_RISK_MODALITIES, _serial
from bench.generator.maintenance import (
    PROCEDURES,
    SKIPPED,
    Plan,
    _acknowledgements,
    _applies,
    _interval_days,
    _is_daily,
    _procedures,
    _RecordWriter,
    _write_schedules,
    fill_plan,
    load_records,
    record_writers,
    write_history,
)
from bench.generator.status_history import ADOPTION_REASON
from bench.generator.tables import read_json
from equipment.models import (
    Category,
    CompletionMonth,
    Equipment,
    EquipmentStatus,
    EquipmentStatusChange,
    ServiceRecord,
    StatusChangeKind,
)
from equipment.services.rollups import month_of, refresh_months
from imaging_ops.vocabulary import Role

TABLES = read_json("long_log")
OWN_PROCEDURES = TABLES["procedures"]
# Past the numbers the equipment step gives (1000 to about 7000 per site): a tag of its own.
TAG_NUMBER = 90001
MODALITY = "CT"
# Skipped days, late starts and weekly windows take a little off the estimate.
MARGIN = 1.06


def long_log_tag() -> str:
    """The asset tag of the machine with the long history (at the largest site)."""
    return f"{_ct_entry()[5]}-{TAG_NUMBER:05d}"


def _ct_entry() -> tuple:
    for entry in CATALOG:
        if entry[2] == Category.IMAGING_SYSTEM and entry[3] == [MODALITY]:
            return entry
    raise ValueError("catalog.csv has no CT scanner")


def build_long_log(ctx: Build) -> None:
    rng = ctx.rng
    made = ctx.maintenance
    sites, state = made["sites"], made["state"]
    site = max(ctx.sites, key=lambda s: s["weight"])  # the technician's site
    site_id = site["id"]
    templates = [t for t in PROCEDURES if MODALITY in t["applies_to"]] + OWN_PROCEDURES
    days = _history_days(ctx.sizes["long_log_entries"], templates, sites[site_id])
    created = ctx.now - timedelta(days=days + 20, hours=rng.uniform(0, 8))
    item = _machine(ctx, site_id, created)
    _adoption(ctx, item)
    # Its own procedures, written at the site when the machine was set up.
    procedures = dict(made["procedures"])
    procedures.update(
        _procedures(ctx, {site_id: sites[site_id]}, state, OWN_PROCEDURES, start=created)
    )
    plans = []
    start = max(item["accepted_on"], created.date()) + timedelta(days=1)
    for template in templates:
        if not _applies(template, item):
            continue
        plan = Plan()
        plan.id = made["schedules"] + len(plans) + 1  # after the maintenance step's schedules
        plan.site, plan.equipment, plan.template = site_id, item, template
        plan.procedure = procedures[(site_id, template["code"])]
        plan.daily = _is_daily(template)
        plan.fate, plan.paused = "current", False
        plan.start = start
        fill_plan(ctx, plan, state)
        plans.append(plan)
    first_event = len(state["events"])
    # The records, as the maintenance step writes them, their ids after its own.
    before = state["writing"]
    writers = record_writers(ctx.cursor)
    writing = _RecordWriter(ctx, state, writers, before.counter, before.content_type,
                            before.audited_from, rng)  # fmt: skip
    # Signatures of training and work orders followed the maintenance step's: ids after theirs.
    ctx.cursor.execute("SELECT coalesce(max(id), 0) FROM imaging_ops_signature")
    writing.signature_offset = ctx.cursor.fetchone()[0] - before.counter["record"]
    write_history(ctx, sites, plans, writing)
    load_records(ctx, writers, {})
    _write_schedules(ctx, sites, plans, state)
    _acknowledgements(ctx, state)
    ctx.events.extend(state["events"][first_event:])
    made["schedules"] += len(plans)
    # The site's monthly CT figures, counted again with this machine's records.
    performed = ServiceRecord.objects.filter(equipment_id=item["id"]).values_list(
        "performed_at", flat=True
    )
    refresh_months(site_id, MODALITY, {month_of(at) for at in performed})
    ctx.counts[CompletionMonth._meta.db_table] = CompletionMonth.objects.count()
    ctx.log(
        f"    {item['asset_tag']} at {site['code']}: {len(plans)} schedules over {days} days, "
        f"{ServiceRecord.objects.filter(equipment_id=item['id']).count():,} records"
    )


def _history_days(entries: int, templates: list[dict], site) -> int:
    """The days of history that give `entries` records on the machine's schedules."""
    per_day = 0.0
    for template in templates:
        if _is_daily(template):
            per_day += len(site.clinical_days) / 7 * (1 - SKIPPED)
        else:
            per_day += 1 / _interval_days(template)
    return math.ceil(entries * MARGIN / per_day)


def _machine(ctx: Build, site_id: int, created) -> dict:
    """The CT: in a CT room of the site, entered `created`, installed and accepted just
    before, in service since (its adoption is its one status change)."""
    rng = ctx.rng
    _, name, category, modalities, room_kind, _prefix, makes = _ct_entry()
    maker, model = rng.choice(makes)
    rooms = ctx.rooms[site_id][room_kind]
    location_id = rng.choice(rooms) if rooms else None
    installed = created.date() - timedelta(days=rng.randint(10, 20))
    accepted = installed + timedelta(days=rng.randint(3, 9))
    software = f"{rng.randint(1, 12)}.{rng.randint(0, 9)}.{rng.randint(0, 40)}"
    equipment_id = max(e["id"] for e in ctx.equipment) + 1
    contract_ends = ctx.now.date() + timedelta(days=rng.randint(200, 1000))
    reference = f"SC-{rng.randint(100000, 999999)}"
    tag = long_log_tag()
    row = (
        equipment_id, site_id, location_id, tag, name, category, list(modalities),
        modalities[0], maker, model, _serial(rng, maker), EquipmentStatus.IN_SERVICE, software,
        installed, accepted, modalities[0] in HIGH_RISK_MODALITIES, True,
        installed + timedelta(days=365 * 2), contract_ends, maker, reference, "", None, "", None,
        created, created,
    )  # fmt: skip
    ctx.copy(
        Equipment,
        ["id", "site_id", "location_id", "asset_tag", "name", "category", "modalities",
         "modality", "manufacturer", "model", "serial_number", "status", "software_version",
         "installed_on", "accepted_on", "high_risk", "has_maintenance_history",
         "warranty_ends_on", "contract_ends_on", "vendor", "contract_reference", "radionuclide",
         "reference_activity", "activity_unit", "reference_date", "created_at", "updated_at"],
        [row],
    )  # fmt: skip
    item = {
        "id": equipment_id, "site_id": site_id, "status": EquipmentStatus.IN_SERVICE,
        "created": created, "location_id": location_id, "software": software,
        "vendor": maker, "contract_ends_on": contract_ends, "contract_reference": reference,
    }  # fmt: skip
    ctx.equipment.append(item)
    # What the maintenance step reads of a machine, for its helpers.
    return {
        **item,
        "asset_tag": tag,
        "name": name,
        "category": category,
        "modalities": list(modalities),
        "modality": modalities[0],
        "accepted_on": accepted,
    }


def _adoption(ctx: Build, item: dict) -> None:
    """Adopted in service by a manager of its site when it was entered."""
    manager = ctx.rng.choice(ctx.members[item["site_id"]][Role.MANAGER])
    row = (
        len(ctx.status_changes) + 1, item["id"], StatusChangeKind.ADOPTION, "",
        EquipmentStatus.IN_SERVICE, ADOPTION_REASON, manager, item["created"],
    )  # fmt: skip
    ctx.copy(
        EquipmentStatusChange,
        ["id", "equipment_id", "kind", "from_status", "to_status", "reason", "actor_id",
         "changed_at"],
        [row],
    )  # fmt: skip
    ctx.status_changes.append(row)


CHECKED_SAMPLE = 100


def history_refused(ctx: Build) -> list[str]:
    """The machine's records: at least the entries its log case needs, and a sample of them
    (the oldest and the newest) with signatures valid as the API reads them."""
    from equipment.selectors.records import service_records
    from imaging_ops.records.signatures import signature_states

    wanted = ctx.sizes["long_log_entries"]
    records = service_records().filter(equipment__asset_tag=long_log_tag())
    held = records.count()
    problems = []
    if held < wanted:
        problems.append(f"the long log's machine holds {held:,} records, fewer than {wanted:,}")
    half = CHECKED_SAMPLE // 2
    for record in [*records.order_by("pk")[:half], *records.order_by("-pk")[:half]]:
        if not all(state.valid for state in signature_states(record.current())):
            problems.append(f"record {record.pk}: its signature does not match its content")
    return problems[:5]


STEP = Step(
    "long log",
    build_long_log,
    sizes={"long_log_entries": 5_000},
    unscaled=frozenset({"long_log_entries"}),
    checks=(history_refused,),
)
