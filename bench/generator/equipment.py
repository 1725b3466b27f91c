"""Equipment: what a health system owns, by how common each kind is, placed in the rooms of its
kind, with makers and models, serial numbers, dates, contracts and sealed sources' facts."""

import random
import string
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from bench.generator.checks import refused_by_services
from bench.generator.context import Build, Step, split
from bench.generator.tables import read_csv, read_json
from equipment.models import Category, Equipment, EquipmentStatus

TABLES = read_json("equipment")


def _makes() -> dict[str, list[tuple[str, str]]]:
    """The makers and models of each kind of equipment: kind -> [(maker, model), ...]."""
    makes = defaultdict(list)
    for row in read_csv("equipment_models"):
        makes[row["kind"]].append((row["manufacturer"], row["model"]))
    return makes


def _catalog() -> list[tuple]:
    """What a health system owns, by how common it is: (weight, name, category, modalities
    (first = primary), room kind, asset-tag prefix, makes)."""
    makes = _makes()
    entries = []
    for row in read_csv("catalog"):
        if not makes[row["name"]]:
            raise ValueError(f"{row['name']}: no maker and model in equipment_models.csv")
        entries.append(
            (
                float(row["weight"]),
                row["name"],
                Category(row["category"]),
                row["modalities"].split(),
                row["room_kind"],
                row["tag_prefix"],
                makes[row["name"]],
            )
        )
    return entries


CATALOG = _catalog()
CATALOG_WEIGHTS = [entry[0] for entry in CATALOG]

S = EquipmentStatus

# Final status by share: (status, share).
STATUS_MIX = [(EquipmentStatus(row["status"]), row["share"]) for row in TABLES["status_mix"]]

# Sealed sources: name -> (radionuclide, reference activity, unit).
SOURCES = {
    row["kind"]: (row["radionuclide"], row["reference_activity"], row["activity_unit"])
    for row in read_csv("sealed_sources")
}
# Modalities whose failure could seriously harm.
HIGH_RISK_MODALITIES = frozenset(TABLES["high_risk_modalities"])


def _serial(rng: random.Random, maker: str) -> str:
    prefix = "".join(w[0] for w in maker.split()[:2]).upper()
    return prefix + "".join(rng.choices(string.ascii_uppercase + string.digits, k=8))


def build_equipment(ctx: Build) -> None:
    rng = ctx.rng
    per_site = split(ctx.sizes["equipment"], [s["weight"] for s in ctx.sites])
    statuses = [s for s, _ in STATUS_MIX]
    status_weights = [w for _, w in STATUS_MIX]
    rows = []
    equipment_id = 0
    for site, count in zip(ctx.sites, per_site, strict=True):
        number = rng.randint(1000, 5000)  # tags overlap between sites: unique per site only
        rooms = ctx.rooms[site["id"]]
        for _ in range(count):
            _, name, category, modalities, room_kind, prefix, makes = rng.choices(
                CATALOG, CATALOG_WEIGHTS
            )[0]
            maker, model = rng.choice(makes)
            number += rng.randint(1, 3)
            equipment_id += 1
            status = rng.choices(statuses, status_weights)[0]
            recent = status == S.AWAITING_ACCEPTANCE  # delivered, not yet accepted
            created_at = ctx.when(1, 60) if recent else ctx.when(30, 6 * 365)
            # A few are not placed in a room, but sealed sources are always kept secured.
            sealed = category == Category.SEALED_SOURCE
            placed = sealed or rng.random() > 0.03
            location_id = rng.choice(rooms[room_kind]) if placed else None
            installed = created_at.date() - timedelta(days=rng.randint(0, 20))
            accepted = None if recent else installed + timedelta(days=rng.randint(1, 30))
            imaging = category == Category.IMAGING_SYSTEM
            source = SOURCES.get(name)
            contract = imaging and rng.random() < 0.8
            software = f"{rng.randint(1, 12)}.{rng.randint(0, 9)}.{rng.randint(0, 40)}"
            rows.append(
                (
                    equipment_id, site["id"], location_id, f"{prefix}-{number:05d}", name,
                    category, list(modalities), modalities[0] if modalities else "", maker,
                    model, _serial(rng, maker), status,
                    software if imaging else "",
                    installed, accepted,
                    imaging and bool(modalities) and modalities[0] in HIGH_RISK_MODALITIES,
                    rng.random() < 0.6,
                    installed + timedelta(days=365 * rng.randint(1, 3)),
                    ctx.now.date() + timedelta(days=rng.randint(-180, 1000)) if contract else None,
                    maker if contract else "",
                    f"SC-{rng.randint(100000, 999999)}" if contract else "",
                    source[0] if source else "",
                    Decimal(source[1]) if source else None,
                    source[2] if source else "",
                    installed - timedelta(days=rng.randint(0, 90)) if source else None,
                    created_at, created_at,
                )
            )  # fmt: skip
            ctx.equipment.append(
                {
                    "id": equipment_id, "site_id": site["id"], "status": status,
                    "created": created_at, "location_id": location_id,
                    "software": software if imaging else "", "vendor": maker if contract else "",
                    "contract_ends_on": rows[-1][18], "contract_reference": rows[-1][20],
                }
            )  # fmt: skip
    ctx.copy(
        Equipment,
        ["id", "site_id", "location_id", "asset_tag", "name", "category", "modalities",
         "modality", "manufacturer", "model", "serial_number", "status", "software_version",
         "installed_on", "accepted_on", "high_risk", "has_maintenance_history",
         "warranty_ends_on", "contract_ends_on", "vendor", "contract_reference", "radionuclide",
         "reference_activity", "activity_unit", "reference_date", "created_at", "updated_at"],
        rows,
    )  # fmt: skip


# Rules the services enforce, as queries that must count zero rows.
INVARIANTS = {
    "primary modality is the first of the modalities": """
        SELECT count(*) FROM equipment_equipment
        WHERE modality <> coalesce(modalities ->> 0, '')""",
    "an imaging system has a modality": """
        SELECT count(*) FROM equipment_equipment
        WHERE category = 'imaging_system' AND jsonb_array_length(modalities) = 0""",
    "location at the equipment's own site": """
        SELECT count(*) FROM equipment_equipment e JOIN equipment_location l ON l.id = e.location_id
        WHERE l.site_id <> e.site_id""",
    "sealed sources, and only they, carry source facts": """
        SELECT count(*) FROM equipment_equipment
        WHERE (category = 'sealed_source' AND (radionuclide = '' OR reference_activity IS NULL
                                               OR activity_unit = '' OR reference_date IS NULL))
           OR (category <> 'sealed_source' AND radionuclide <> '')""",
    "sealed sources kept in secured storage (disposed ones aside)": """
        SELECT count(*) FROM equipment_equipment e
        LEFT JOIN equipment_location l ON l.id = e.location_id
        WHERE e.category = 'sealed_source' AND e.status <> 'disposed'
          AND NOT coalesce(l.secured_storage, false)""",
    "accepted on or after installation, reference dates not in the future": """
        SELECT count(*) FROM equipment_equipment
        WHERE accepted_on < installed_on OR reference_date > current_date""",
}  # fmt: skip


def equipment_refused(ctx: Build) -> list[str]:
    """The services' own validation of a sample of the equipment, each row as an edit that
    changes nothing would see it: the rules on facts that have happened (an acceptance date,
    say) judge only what a write changes, and a retired machine keeps the date it was accepted
    on before it was retired."""
    return refused_by_services(
        ctx,
        Equipment.objects.select_related("site", "location"),
        "_validate_equipment",
        entered=frozenset(),
    )


STEP = Step(
    "equipment",
    build_equipment,
    sizes={"equipment": 10_000},
    invariants=INVARIANTS,
    checks=(equipment_refused,),
)
