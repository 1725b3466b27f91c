"""Equipment: what a health system owns, by how common each kind is, placed in the rooms of its
kind, with makers and models, serial numbers, dates, contracts and sealed sources' facts."""

import random
import string
from datetime import timedelta
from decimal import Decimal

from bench.generator.checks import refused_by_services
from bench.generator.context import Build, Step, split
from equipment.models import Category, Equipment, EquipmentStatus

# What a health system owns, by how common it is. Columns: weight | name | category |
# modalities (first = primary) | room kind | asset-tag prefix.
CATALOG_TABLE = """
12  | CT scanner           | imaging_system       | CT       | ct     | CT
7   | MRI scanner          | imaging_system       | MR       | mr     | MR
15  | Radiographic room    | imaging_system       | DX       | xr     | DX
7   | Portable radiography | imaging_system       | DX       | xr     | DX
3   | CR reader            | imaging_system       | CR       | xr     | CR
4   | Fluoroscopy room     | imaging_system       | RF       | fluoro | RF
3   | Mobile C-arm         | imaging_system       | RF       | fluoro | RF
3   | Angiography system   | imaging_system       | XA       | angio  | XA
7   | Mammography unit     | imaging_system       | MG       | mammo  | MG
15  | Ultrasound system    | imaging_system       | US       | us     | US
2.5 | Gamma camera         | imaging_system       | NM       | nm     | NM
1.2 | SPECT/CT             | imaging_system       | NM,CT    | nm     | NM
1.5 | PET/CT               | imaging_system       | PT,CT    | pet    | PT
2   | Bone densitometer    | imaging_system       | BMD      | bmd    | BMD
1.5 | Dose calibrator      | radiation_instrument | NM       | hotlab | RI
3   | Survey meter         | radiation_instrument |          | hotlab | RI
0.7 | Well counter         | radiation_instrument | NM       | hotlab | RI
0.5 | Area monitor         | radiation_instrument |          | hotlab | RI
2   | kV meter             | qa_instrument        | DX,RF,MG | qa     | QA
1   | Electrometer         | qa_instrument        |          | qa     | QA
1   | ACR CT phantom       | qa_instrument        | CT       | qa     | QA
0.8 | ACR MRI phantom      | qa_instrument        | MR       | qa     | QA
1   | Mammography phantom  | qa_instrument        | MG       | qa     | QA
1   | Ultrasound phantom   | qa_instrument        | US       | qa     | QA
0.5 | Photometer           | qa_instrument        |          | qa     | QA
1   | Cs-137 vial source   | sealed_source        |          | hotlab | SRC
0.8 | Co-57 flood source   | sealed_source        |          | hotlab | SRC
0.5 | Ge-68 phantom        | sealed_source        | PT       | hotlab | SRC
0.4 | Ba-133 vial source   | sealed_source        |          | hotlab | SRC
0.6 | Positioning laser    | laser                |          | ct     | LZ
1   | Contrast injector    | other                |          | ct     | OT
"""
# Makers and models of each kind, as "maker: model".
MODELS = {
    "CT scanner": [
        "Siemens Healthineers: SOMATOM go.Top",
        "Siemens Healthineers: SOMATOM Force",
        "GE HealthCare: Revolution EVO",
        "Canon Medical: Aquilion ONE PRISM",
        "Philips: Incisive CT",
    ],
    "MRI scanner": [
        "Siemens Healthineers: MAGNETOM Sola 1.5T",
        "Siemens Healthineers: MAGNETOM Vida 3T",
        "GE HealthCare: SIGNA Artist 1.5T",
        "Philips: Ingenia Ambition 1.5T",
    ],
    "Radiographic room": [
        "Carestream: DRX-Evolution Plus",
        "Siemens Healthineers: Ysio X.pree",
        "Philips: DigitalDiagnost C90",
        "Fujifilm: FDR Visionary Suite",
    ],
    "Portable radiography": [
        "GE HealthCare: AMX Navigate",
        "Carestream: DRX-Revolution",
        "Fujifilm: FDR Go PLUS",
    ],
    "CR reader": [
        "Fujifilm: FCR Prima T2",
        "Carestream: Vita Flex",
        "Konica Minolta: Regius 110HQ",
    ],
    "Fluoroscopy room": [
        "Siemens Healthineers: Luminos dRF Max",
        "Philips: CombiDiagnost R90",
        "GE HealthCare: Precision 500D",
    ],
    "Mobile C-arm": [
        "GE HealthCare: OEC 3D",
        "Siemens Healthineers: Cios Spin",
        "Philips: Zenition 70",
    ],
    "Angiography system": [
        "Siemens Healthineers: ARTIS icono",
        "Philips: Azurion 7",
        "GE HealthCare: Allia IGS 7",
    ],
    "Mammography unit": [
        "Hologic: 3Dimensions",
        "GE HealthCare: Senographe Pristina",
        "Siemens Healthineers: MAMMOMAT Revelation",
        "Fujifilm: ASPIRE Cristalle",
    ],
    "Ultrasound system": [
        "GE HealthCare: LOGIQ E10",
        "Philips: EPIQ Elite",
        "Siemens Healthineers: ACUSON Sequoia",
        "Canon Medical: Aplio i800",
        "Samsung: RS85 Prestige",
    ],
    "Gamma camera": ["GE HealthCare: Discovery NM 630", "Siemens Healthineers: Symbia Evo Excel"],
    "SPECT/CT": ["Siemens Healthineers: Symbia Intevo Bold", "GE HealthCare: Discovery NM/CT 670"],
    "PET/CT": [
        "Siemens Healthineers: Biograph Vision",
        "GE HealthCare: Discovery MI",
        "Philips: Vereos",
    ],
    "Bone densitometer": ["Hologic: Horizon A", "GE HealthCare: Lunar iDXA"],
    "Dose calibrator": ["Capintec: CRC-55tR", "Biodex: Atomlab 500"],
    "Survey meter": ["Ludlum: Model 3 with 44-9", "Fluke Biomedical: 451P"],
    "Well counter": ["Capintec: CAPTUS 4000e"],
    "Area monitor": ["Mirion: RDS-31"],
    "kV meter": ["RaySafe: X2", "RTI: Black Piranha"],
    "Electrometer": ["Standard Imaging: MAX 4000 Plus", "PTW: UNIDOS Tango"],
    "ACR CT phantom": ["Sun Nuclear: Gammex 464"],
    "ACR MRI phantom": ["JM Specialty Parts: ACR large phantom"],
    "Mammography phantom": ["CIRS: Model 015"],
    "Ultrasound phantom": ["CIRS: Model 040GSE"],
    "Photometer": ["Konica Minolta: T-10A"],
    "Cs-137 vial source": ["Eckert & Ziegler: Vial 200 uCi"],
    "Co-57 flood source": ["Eckert & Ziegler: MED3709"],
    "Ge-68 phantom": ["Eckert & Ziegler: Ge-68 cylinder 20 cm"],
    "Ba-133 vial source": ["Eckert & Ziegler: Vial 250 uCi"],
    "Positioning laser": ["LAP: DORADO 3"],
    "Contrast injector": ["Bayer: MEDRAD Stellant FLEX"],
}


def _catalog(table: str) -> list[tuple]:
    entries = []
    for line in table.strip().splitlines():
        weight, name, category, modalities, room, prefix = (
            cell.strip() for cell in line.split("|")
        )
        entries.append(
            (
                float(weight),
                name,
                Category(category),
                [code for code in modalities.split(",") if code],
                room,
                prefix,
                [tuple(pair.split(": ", 1)) for pair in MODELS[name]],
            )
        )
    return entries


CATALOG = _catalog(CATALOG_TABLE)
CATALOG_WEIGHTS = [entry[0] for entry in CATALOG]

S = EquipmentStatus

# Final status by share: (status, share).
STATUS_MIX = [
    (EquipmentStatus.IN_SERVICE, 0.80),
    (EquipmentStatus.OUT_OF_SERVICE, 0.06),
    (EquipmentStatus.AWAITING_ACCEPTANCE, 0.04),
    (EquipmentStatus.RETIRED, 0.08),
    (EquipmentStatus.DISPOSED, 0.02),
]


# Sealed sources: name -> (radionuclide, reference activity, unit).
SOURCES = {
    "Cs-137 vial source": ("Cs-137", "200", "uCi"),
    "Co-57 flood source": ("Co-57", "15", "mCi"),
    "Ge-68 phantom": ("Ge-68", "2.5", "mCi"),
    "Ba-133 vial source": ("Ba-133", "250", "uCi"),
}
HIGH_RISK_MODALITIES = {"CT", "MR", "XA", "RF", "PT", "NM"}  # failure could seriously harm


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
    """The services' own validation of a sample of the equipment."""
    return refused_by_services(
        ctx, Equipment.objects.select_related("site", "location"), "_validate_equipment"
    )


STEP = Step(
    "equipment",
    build_equipment,
    sizes={"equipment": 10_000},
    invariants=INVARIANTS,
    checks=(equipment_refused,),
)
