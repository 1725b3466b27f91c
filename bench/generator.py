"""The scale data of `make bench`: a health system of 50 sites, deterministic for a seed.

How to extend it (each issue that adds tables does):
- add the sizes to `SIZES`, write one `build_<group>(ctx)` function that appends rows with
  `ctx.copy(...)` and keeps what later groups need on `ctx`, add it to `GROUPS`, and add the rules
  the services enforce to `INVARIANTS`;
- bump `GENERATOR_VERSION`. A database whose marker differs (version, seed, sizes, this file's
  text, the audit key or the project's migrations) is rebuilt on the next run, which takes
  about a minute (most of it chaining the million audit events).

Rows go in with PostgreSQL's COPY, not through the services (this is test data, and the audited
models of DESIGN.md will refuse `bulk_create`), but they must be rows the services could have
written: `INVARIANTS` checks that after every build, and the database's own constraints (unique
asset tags per site, inspectors' expiry) hold too. The random choices are the same for a seed;
dates are counted back from the day of the build, so that "due", "expired" and "recent" mean
the same thing on the day the numbers are taken.
"""

import hashlib
import heapq
import ipaddress
import itertools
import json
import random
import string
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, transaction

from bench.database import write_marker
from equipment.models import (
    Category,
    Equipment,
    EquipmentStatus,
    EquipmentStatusChange,
    Location,
    StatusChangeKind,
)
from equipment.services.status import TRANSITIONS
from imaging_ops.audit.trail import hmac_key, jsonable
from imaging_ops.models import Site, SiteIdentifier, SiteMembership, User
from imaging_ops.vocabulary import AreaClass, IdentifierKind, Role

GENERATOR_VERSION = 2
SEED = 20260504

SIZES = {
    "sites": 50,
    "people": 5_000,
    "locations_per_site": 20,  # on average: large hospitals have more rooms than small centres
    "equipment": 10_000,
    "audit_events": 1_000_000,
}

# Site tiers: (how many of the sites, weight of each for equipment, people and rooms).
SITE_TIERS = [("large", 0.10, 6.0), ("medium", 0.30, 3.0), ("small", 0.60, 1.0)]

# The two people the cases sign in as.
BENCH_MANAGER = "bench.manager"  # manager at every site
BENCH_TECHNICIAN = "bench.tech"  # technician at the largest site only


# --- the build context ---------------------------------------------------------------------


@dataclass
class Build:
    """What one group leaves for the next: ids, and the people and rooms of each site."""

    rng: random.Random
    sizes: dict
    now: datetime
    cursor: object
    counts: dict = field(default_factory=dict)  # rows per table
    models: list = field(default_factory=list)  # the models written, for their id sequences
    sites: list = field(default_factory=list)  # dicts: id, code, tier, weight
    users: list = field(default_factory=list)  # dicts: id, username
    members: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    rooms: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    equipment: list = field(default_factory=list)  # dicts: id, site_id, status, created, ...
    status_changes: list = field(default_factory=list)  # the rows, as written
    written: list = field(default_factory=list)  # (model, fields, rows) of each COPY, in order
    log: Callable = print

    def copy(self, model, fields: list[str], rows) -> int:
        """COPY rows (tuples in the order of `fields`) into the model's table; the row count.

        Values go through each field's own conversion, as `save()` would send them; a concrete
        field missing from `fields` gets its model default (or now, for auto_now fields), so a
        column a later migration adds does not break an older group.
        """
        meta = model._meta
        given = [meta.get_field(name) for name in fields]
        given_columns = {f.column for f in given}
        extra = [
            f
            for f in meta.concrete_fields
            if f.column not in given_columns and not f.primary_key and not f.null
        ]
        extra_values = [self._default(f) for f in extra]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [*given, *extra])
        statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        count = 0
        with self.cursor.cursor.copy(statement) as copy:
            for row in rows:
                values = [
                    f.get_db_prep_save(v, connection) for f, v in zip(given, row, strict=True)
                ]
                copy.write_row([*values, *extra_values])
                count += 1
        self.counts[meta.db_table] = self.counts.get(meta.db_table, 0) + count
        if isinstance(rows, list):
            self.written.append((model, fields, rows))
        if model not in self.models:
            self.models.append(model)
        return count

    def _default(self, model_field):
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = self.now
        else:
            value = model_field.get_default()
        return model_field.get_db_prep_save(value, connection)

    def when(self, days_ago_low: float, days_ago_high: float) -> datetime:
        """A moment between two ages, in days before the build."""
        return self.now - timedelta(days=self.rng.uniform(days_ago_low, days_ago_high))


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` spread over `weights` in whole numbers that add up exactly (largest remainder)."""
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    whole = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - whole[i], reverse=True)
    for i in by_remainder[: total - sum(whole)]:
        whole[i] += 1
    return whole


# --- sites ---------------------------------------------------------------------------------

TOWNS = [
    "Ashford", "Bayview", "Brookfield", "Cedar Falls", "Clearwater", "Dover", "Eastwood",
    "Fairview", "Franklin", "Glenwood", "Greenville", "Hamilton", "Harbor City", "Highland",
    "Hillcrest", "Kingston", "Lakeside", "Lancaster", "Lincoln", "Madison", "Maplewood",
    "Marion", "Milford", "Newport", "Northfield", "Oakdale", "Oakridge", "Pinecrest",
    "Plainview", "Riverside", "Rockport", "Salem", "Shelby", "Springfield", "Stonebridge",
    "Summit", "Sunnyvale", "Troy", "Union", "Valley Park", "Warren", "Waverly", "Westfield",
    "Weston", "Willow Creek", "Windsor", "Woodland", "Yorktown", "Zionsville", "Belmont",
]  # fmt: skip
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
SITE_KINDS = {
    "large": ("MC", "Medical Center"),
    "medium": ("GH", "General Hospital"),
    "small": ("IC", "Imaging Center"),
}


def build_sites(ctx: Build) -> None:
    n = ctx.sizes["sites"]
    tiers = []
    for (tier, _share, weight), count in zip(
        SITE_TIERS, _split(n, [share for _, share, _ in SITE_TIERS]), strict=True
    ):
        tiers += [(tier, weight)] * count
    rows, identifiers = [], []
    for i in range(n):
        site_id = i + 1
        tier, weight = tiers[i]
        town = TOWNS[i % len(TOWNS)] + ("" if i < len(TOWNS) else f" {i // len(TOWNS) + 1}")
        suffix, kind = SITE_KINDS[tier]
        code = f"{town.replace(' ', '')[:6].upper()}-{suffix}"
        closes = "21:00" if tier == "large" else "19:00" if tier == "medium" else "17:30"
        days = [0, 1, 2, 3, 4, 5, 6] if tier == "large" else [0, 1, 2, 3, 4]
        rows.append(
            (
                site_id, code, f"{town} {kind}", ZONES[i % len(ZONES)], days, "07:00", closes,
                f"{100 + i} Hospital Drive, {town}",
            )
        )  # fmt: skip
        ctx.sites.append({"id": site_id, "code": code, "tier": tier, "weight": weight})
        today = ctx.now.date()
        identifiers.append(
            (site_id, IdentifierKind.XRAY_REGISTRATION, f"XR-{10000 + i}", "State Department of "
             "Health, Radiation Control", today + timedelta(days=ctx.rng.randint(30, 900)))
        )  # fmt: skip
        identifiers.append(
            (site_id, IdentifierKind.ACCREDITATION, f"ACR-{20000 + i}", "American College of "
             "Radiology", today + timedelta(days=ctx.rng.randint(-20, 1000)))
        )  # fmt: skip
        if tier != "small" or ctx.rng.random() < 0.3:
            expires = today + timedelta(days=ctx.rng.randint(60, 1800))
            identifiers.append(
                (site_id, IdentifierKind.RADIOACTIVE_MATERIALS_LICENCE, f"RML-{30000 + i}",
                 "U.S. Nuclear Regulatory Commission", expires)
            )  # fmt: skip
        identifiers.append(
            (site_id, IdentifierKind.MQSA_CERTIFICATE, f"MQSA-{40000 + i}", "FDA",
             today + timedelta(days=ctx.rng.randint(10, 1095)))
        )  # fmt: skip
    ctx.copy(
        Site,
        ["id", "code", "name", "time_zone", "clinical_days", "opens_at", "closes_at", "address"],
        rows,
    )
    ctx.copy(SiteIdentifier, ["site_id", "kind", "number", "issuer", "expires_on"], identifiers)


# --- people and their roles ----------------------------------------------------------------

# fmt: off
FIRST = [
    "Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Priya",
    "Wei", "Sofia", "Mateo", "Aisha", "Noah", "Emma", "Liam", "Olivia", "Hana", "Diego",
    "Fatima", "Chen", "Grace", "Samuel", "Nia", "Omar", "Elena", "Kofi", "Maya",
]
LAST = [
    "Brooks", "Raman", "Ellis", "Kim", "Moreno", "Nguyen", "Patel", "Garcia", "Smith",
    "Johnson", "Okafor", "Schmidt", "Rossi", "Haddad", "Tanaka", "Silva", "Cohen", "Novak",
    "Walsh", "Dubois", "Larsen", "Mendez", "Ito", "Khan", "Murphy", "Adeyemi", "Fischer",
]
# fmt: on
CREDENTIALS = {
    Role.TECHNICIAN: ["RT(R)", "RT(R)(CT)", "RT(R)(M)", "RT(MR)", "RDMS", "CNMT", "CBET", "RT(N)"],
    Role.PHYSICIST: ["PhD, DABR", "MS, DABR", "PhD, DABMP", "MS, DABR (DMP)"],
    Role.RSO: ["CHP", "MS, CHP", "PhD, DABR"],
    Role.MANAGER: ["MBA, RT(R)", "RT(R)(CT)", "MHA", "BSN, MBA"],
    Role.INSPECTOR: ["State inspector", "NRC inspector", "MQSA inspector", "ACR surveyor"],
}
# Share of people by their main role.
ROLE_MIX = [
    (Role.TECHNICIAN, 0.70),
    (Role.PHYSICIST, 0.07),
    (Role.RSO, 0.03),
    (Role.MANAGER, 0.12),
    (Role.INSPECTOR, 0.08),
]
REGIONAL_MANAGERS = 10  # managers of 8 to 30 sites, besides the bench manager at all of them


def build_people(ctx: Build) -> None:
    rng = ctx.rng
    sites = ctx.sites
    weights = [s["weight"] for s in sites]
    largest = max(sites, key=lambda s: s["weight"])
    password = make_password("bench-password-not-used", salt="bench")  # one hash for everyone
    joined = ctx.now - timedelta(days=3 * 365)
    users, memberships = [], []
    seen = set()
    regional = 0

    def member(user_id, site, role, trainee=False, expires=None, active=True):
        key = (user_id, site["id"], role)
        if key in seen:
            return
        seen.add(key)
        memberships.append((user_id, site["id"], role, trainee, expires, active))
        ctx.members[site["id"]][role].append(user_id)

    for i in range(ctx.sizes["people"]):
        user_id = i + 1
        if i == 0:
            username, role, home = BENCH_MANAGER, Role.MANAGER, largest
            first, last = "Regional", "Manager"
        elif i == 1:
            username, role, home = BENCH_TECHNICIAN, Role.TECHNICIAN, largest
            first, last = "Bench", "Technician"
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            username = f"{first[0]}{last}{user_id}".lower()
            role = rng.choices([r for r, _ in ROLE_MIX], [w for _, w in ROLE_MIX])[0]
            home = rng.choices(sites, weights)[0]
        credentials = rng.choice(CREDENTIALS[role])
        users.append(
            (
                user_id, username, password, first, last, f"{first} {last}", credentials,
                f"{username}@example.org", f"E{100000 + user_id}", home["id"],
                rng.random() > 0.02 or i < 2, False, False, joined,
            )
        )  # fmt: skip
        ctx.users.append(
            {"id": user_id, "username": username, "home": home["id"], "active": users[-1][10]}
        )

        if i == 0:
            for site in sites:
                member(user_id, site, Role.MANAGER)
            continue
        if i == 1:
            member(user_id, largest, Role.TECHNICIAN)
            continue
        if role == Role.INSPECTOR:
            # Time-limited access at one to three sites; about a third has already expired.
            for site in rng.sample(sites, rng.randint(1, 3)):
                days = rng.randint(-400, -1) if rng.random() < 0.3 else rng.randint(7, 365)
                member(user_id, site, role, expires=ctx.now.date() + timedelta(days=days))
            continue
        member(
            user_id,
            home,
            role,
            trainee=role == Role.TECHNICIAN and rng.random() < 0.08,
            active=rng.random() > 0.02,
        )
        if role == Role.PHYSICIST and rng.random() < 0.3:
            member(user_id, home, Role.RSO)  # the physicist who is also the RSO
        if role == Role.MANAGER and regional < REGIONAL_MANAGERS:
            regional += 1
            for site in rng.sample(sites, rng.randint(8, 30)):
                member(user_id, site, Role.MANAGER)
            continue
        # Consulting physicists cover several sites; some staff float between two or three.
        if rng.random() < (0.6 if role == Role.PHYSICIST else 0.1):
            extra = rng.randint(1, 5 if role == Role.PHYSICIST else 2)
            for site in rng.choices(sites, weights, k=extra):
                member(user_id, site, role)

    ctx.copy(
        User,
        ["id", "username", "password", "first_name", "last_name", "full_name", "credentials",
         "email", "employee_id", "home_site_id", "is_active", "is_staff", "is_superuser",
         "date_joined"],
        users,
    )  # fmt: skip
    ctx.copy(
        SiteMembership,
        ["user_id", "site_id", "role", "is_trainee", "expires_on", "is_active"],
        memberships,
    )


# --- locations -----------------------------------------------------------------------------

# room kind: (building, room name, area class, secured storage, weight of extra rooms)
ROOM_KINDS = {
    "ct": ("Main", "CT", AreaClass.CONTROLLED, False, 3),
    "mr": ("Main", "MRI", AreaClass.MRI_ZONE_IV, False, 2),
    "xr": ("Main", "X-ray", AreaClass.CONTROLLED, False, 4),
    "fluoro": ("Main", "Fluoro", AreaClass.CONTROLLED, False, 2),
    "angio": ("Heart & Vascular", "Cath lab", AreaClass.CONTROLLED, False, 1),
    "mammo": ("Breast Center", "Mammo", AreaClass.CONTROLLED, False, 2),
    "us": ("Outpatient Pavilion", "Ultrasound", AreaClass.UNRESTRICTED, False, 3),
    "nm": ("Nuclear Medicine", "Camera room", AreaClass.RESTRICTED, False, 1),
    "pet": ("Nuclear Medicine", "PET/CT", AreaClass.RESTRICTED, False, 0.5),
    "hotlab": ("Nuclear Medicine", "Hot lab", AreaClass.RESTRICTED, True, 0.3),
    "qa": ("Physics", "QA store", AreaClass.UNRESTRICTED, False, 0.5),
    "bmd": ("Outpatient Pavilion", "DEXA", AreaClass.UNRESTRICTED, False, 0.5),
    "mr_control": ("Main", "MRI control", AreaClass.MRI_ZONE_III, False, 0.5),
}


def build_locations(ctx: Build) -> None:
    per_site = _split(
        ctx.sizes["locations_per_site"] * len(ctx.sites), [s["weight"] ** 0.5 for s in ctx.sites]
    )
    kinds = list(ROOM_KINDS)
    rows = []
    location_id = 0
    for site, count in zip(ctx.sites, per_site, strict=True):
        # One room of each kind, then more of the busy kinds.
        chosen = kinds[:count] + ctx.rng.choices(
            kinds, [ROOM_KINDS[k][4] for k in kinds], k=max(0, count - len(kinds))
        )
        numbers = defaultdict(int)
        for kind in chosen:
            building, room, area_class, secured, _ = ROOM_KINDS[kind]
            numbers[kind] += 1
            location_id += 1
            rows.append(
                (location_id, site["id"], building, f"{room} {numbers[kind]}", area_class, secured)
            )
            ctx.rooms[site["id"]][kind].append(location_id)
    ctx.copy(Location, ["id", "site_id", "building", "room", "area_class", "secured_storage"], rows)


# --- equipment -----------------------------------------------------------------------------

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
    per_site = _split(ctx.sizes["equipment"], [s["weight"] for s in ctx.sites])
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


# --- status history ------------------------------------------------------------------------

REASONS = {
    S.IN_SERVICE: ["Acceptance testing passed.", "Repair completed and verified.",
                   "Returned to service after vendor repair.", "QC passed after recalibration."],
    S.OUT_OF_SERVICE: ["Tube failure; vendor called.", "Detector error on start-up.",
                       "Failed daily QC: uniformity out of action limit.",
                       "Gantry noise; stopped use pending service.", "Software upgrade."],
    S.RETIRED: ["Replaced by new unit.", "End of vendor support.", "Department closed."],
    S.DISPOSED: ["Removed by vendor for recycling.", "Sold to refurbisher; data wiped."],
}  # fmt: skip
ADOPTION_REASON = "In clinical use before Imaging Ops; records carried over."


def _history(rng: random.Random, final: str) -> list[str]:
    """A path through the transition table from in service to `final` (after adoption)."""
    path = [S.IN_SERVICE]
    for _ in range(rng.choices([0, 1, 2, 3], [55, 25, 12, 8])[0]):
        path += [S.OUT_OF_SERVICE, S.IN_SERVICE]
    if final == S.OUT_OF_SERVICE:
        path.append(S.OUT_OF_SERVICE)
    elif final in (S.RETIRED, S.DISPOSED):
        path.append(S.RETIRED)
        if final == S.DISPOSED:
            path.append(S.DISPOSED)
    return path


def build_status_history(ctx: Build) -> None:
    rng = ctx.rng
    rows = []
    for item in ctx.equipment:
        if item["status"] == S.AWAITING_ACCEPTANCE:
            continue  # new equipment: no change yet
        people = ctx.members[item["site_id"]]
        managers = people[Role.MANAGER]
        staff = people[Role.TECHNICIAN] + people[Role.PHYSICIST] or managers
        path = _history(rng, item["status"])
        span = (ctx.now - item["created"]).total_seconds()
        moments = sorted(rng.uniform(0, span) for _ in path[1:])
        previous = ""
        for step, (status, offset) in enumerate(zip(path, [0.0, *moments], strict=True)):
            assert previous == "" or status in TRANSITIONS[previous], (previous, status)
            if step == 0:
                kind, reason, actor = StatusChangeKind.ADOPTION, ADOPTION_REASON, managers
            else:
                kind, reason = StatusChangeKind.CHANGE, rng.choice(REASONS[status])
                actor = managers if status in (S.RETIRED, S.DISPOSED) else staff
            changed_at = item["created"] + timedelta(seconds=offset)
            rows.append(
                (len(rows) + 1, item["id"], kind, previous, status, reason, rng.choice(actor),
                 changed_at)
            )  # fmt: skip
            previous = status
    ctx.copy(
        EquipmentStatusChange,
        ["id", "equipment_id", "kind", "from_status", "to_status", "reason", "actor_id",
         "changed_at"],
        rows,
    )  # fmt: skip
    ctx.status_changes = rows


# --- the audit trail -----------------------------------------------------------------------

# What happens between the records' creations, by share of those events. Sign-ins dominate, as
# in production; the updates are the field edits a registry sees (software upgrades, moves,
# contract renewals, password changes), each with its old and new values.
AUDIT_MIX = [
    ("login", 0.50),
    ("logout", 0.14),
    ("failed_login", 0.03),
    ("equipment_update", 0.25),
    ("export", 0.02),
    ("location_update", 0.01),
    ("user_update", 0.03),
    ("membership_update", 0.02),
]
AUDIT_BATCH = 50_000  # events per COPY statement
ONBOARDING_ACTOR = "system"  # who created the registry that existed before the trail
UPGRADE_REASONS = ["", "", "", "Vendor software upgrade (FSE visit).", "Security patch."]
MOVE_REASONS = ["", "", "Room refit.", "Moved to the new wing."]
EXPORT_FILTERS = [{}, {"status": "in_service"}, {"modality": "CT"}, {"status": "out_of_service"}]


class _StoredEvent:
    """The attributes `event_fields` reads from a stored event: one instance, refilled."""

    __slots__ = (
        "action", "actor_id", "actor_name", "address", "changes", "object_id", "object_type",
        "reason", "request_id", "site_id",
    )  # fmt: skip


def _address(rng: random.Random, site_id: int) -> str:
    """A workstation at the site: IPv4 mostly, some IPv6 (as `clean_ipv6_address` keeps it)."""
    if rng.random() < 0.03:
        return str(ipaddress.IPv6Address(f"2001:db8:{site_id:x}::{rng.getrandbits(16):x}"))
    return f"10.{site_id}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _request_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _creations(ctx: Build, start: datetime) -> list[tuple]:
    """The event of every generated row of a regulated model, as its first save records it.

    The registry (sites, identifiers, people, roles, rooms) is created at the start of the trail
    by the system; each piece of equipment when it was created, by a manager of its site; each
    status change at its time by its actor, with the equipment's own update beside it. Each event
    is `(at, n, action, actor_id, actor_name, object_type, object_id, site_id, changes, reason,
    address, request_id)`; `n` keeps the order of events at the same moment.
    """
    from imaging_ops.audit.mixin import REDACTED, RegulatedModel
    from imaging_ops.audit.trail import AuditAction

    rng = ctx.rng
    names = {u["id"]: u["username"] for u in ctx.users}
    site_of_equipment = {e["id"]: e["site_id"] for e in ctx.equipment}
    created = {e["id"]: e["created"] for e in ctx.equipment}
    events = []
    onboarding = start
    for model, fields, rows in ctx.written:
        if not issubclass(model, RegulatedModel) or model is EquipmentStatusChange:
            continue
        meta = model._meta
        given = {meta.get_field(name).attname: i for i, name in enumerate(fields)}
        exempt = model.audit_exempt_fields
        audited = [
            f
            for f in meta.concrete_fields
            if not f.primary_key and f.name not in exempt and f.attname not in exempt
        ]
        defaults = {
            f.attname: ctx.now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else (f.get_default() if f.has_default() else None)
            for f in audited
            if f.attname not in given
        }
        redacted = model.audit_redacted_fields
        label = meta.label_lower
        for position, row in enumerate(rows):
            # As the saved instance holds them: "07:00" given for a time field is 07:00:00.
            values = {
                f.attname: f.to_python(row[given[f.attname]])
                if f.attname in given
                else defaults[f.attname]
                for f in audited
            }
            changes = {
                name: [None, REDACTED if name in redacted else jsonable(value)]
                for name, value in values.items()
            }
            object_id = row[given["id"]] if "id" in given else position + 1
            if model is Site:
                site_id = object_id
            elif model is User:
                site_id = values["home_site_id"]
            else:
                site_id = values["site_id"]
            if model is Equipment:
                # Created awaiting acceptance; adoption or acceptance moves it on (below).
                changes["status"] = [None, EquipmentStatus.AWAITING_ACCEPTANCE]
                at = created[object_id]
                actor = rng.choice(ctx.members[site_id][Role.MANAGER])
                who, address, request = names[actor], _address(rng, site_id), _request_id(rng)
            else:
                onboarding += timedelta(milliseconds=rng.randint(5, 400))
                at, actor, who, address, request = onboarding, None, ONBOARDING_ACTOR, None, ""
            events.append(
                (at, len(events), AuditAction.CREATE, actor, who, label, str(object_id), site_id,
                 changes, "", address, request)
            )  # fmt: skip
    previous = {}
    change_label, equipment_label = (
        EquipmentStatusChange._meta.label_lower,
        Equipment._meta.label_lower,
    )
    # The rows of one piece of equipment are in time order: `previous` follows its status.
    for row in ctx.status_changes:
        change_id, equipment_id, kind, from_status, to_status, reason, actor, changed_at = row
        site_id = site_of_equipment[equipment_id]
        at = changed_at + timedelta(milliseconds=rng.randint(3, 60))
        address, request = _address(rng, site_id), _request_id(rng)
        changes = {
            "actor_id": [None, actor],
            "changed_at": [None, jsonable(changed_at)],
            "equipment_id": [None, equipment_id],
            "from_status": [None, from_status],
            "kind": [None, kind],
            "reason": [None, reason],
            "to_status": [None, to_status],
        }
        events.append(
            (at, len(events), AuditAction.CREATE, actor, names[actor], change_label,
             str(change_id), site_id, changes, "", address, request)
        )  # fmt: skip
        before = previous.get(equipment_id, EquipmentStatus.AWAITING_ACCEPTANCE)
        events.append(
            (at, len(events), AuditAction.UPDATE, actor, names[actor], equipment_label,
             str(equipment_id), site_id, {"status": [before, to_status]}, reason, address,
             request)
        )  # fmt: skip
        previous[equipment_id] = to_status
    events.sort(key=lambda event: (event[0], event[1]))
    return events


def _activity(ctx: Build, count: int, begin: datetime, end: datetime):
    """`count` events between the creations, in time order, drawn as they are consumed."""
    from imaging_ops.audit.trail import AuditAction

    rng = ctx.rng
    user_label = User._meta.label_lower
    equipment_label = Equipment._meta.label_lower
    location_label = Location._meta.label_lower
    membership_label = SiteMembership._meta.label_lower
    people = [u for u in ctx.users if u["active"]]
    names = {u["id"]: u["username"] for u in ctx.users}
    managers = {s["id"]: ctx.members[s["id"]][Role.MANAGER] for s in ctx.sites}
    editors = {s["id"]: ctx.members[s["id"]][Role.PHYSICIST] + managers[s["id"]] for s in ctx.sites}
    equipment = sorted(ctx.equipment, key=lambda e: e["created"])
    state = {
        e["id"]: {
            "software_version": e["software"],
            "location_id": e["location_id"],
            "contract_ends_on": e["contract_ends_on"],
            "contract_reference": e["contract_reference"],
        }
        for e in equipment
    }
    rooms = {}  # location id: [site id, room name]
    memberships = []  # [membership id, site id, is_active]
    for model, fields, rows in ctx.written:
        if model is Location:
            rooms.update({row[0]: [row[1], row[3]] for row in rows})
        elif model is SiteMembership:
            site, active = fields.index("site_id"), fields.index("is_active")
            memberships += [[i + 1, row[site], row[active]] for i, row in enumerate(rows)]
    room_ids = list(rooms)
    credentials = {}  # user id: their credentials now
    for model, fields, rows in ctx.written:
        if model is User:
            user, held = fields.index("id"), fields.index("credentials")
            credentials.update({row[user]: row[held] for row in rows})
    kinds = [kind for kind, _ in AUDIT_MIX]
    weights = [share for _, share in AUDIT_MIX]
    base, span = begin.timestamp(), (end - begin).total_seconds()
    moments = sorted(rng.random() * span for _ in range(count))
    chosen = rng.choices(kinds, weights, k=count)
    available = 0  # equipment created by now (the list is in order of creation)
    for n, (offset, kind) in enumerate(zip(moments, chosen, strict=True)):
        at = datetime.fromtimestamp(base + offset, UTC)
        if kind in ("login", "logout", "failed_login") or kind == "user_update":
            person = rng.choice(people)
            uid, site_id = person["id"], person["home"]
            address, request = _address(rng, site_id), _request_id(rng)
            if kind == "failed_login":
                yield (at, n, AuditAction.FAILED_LOGIN, None, "anonymous", user_label, str(uid),
                       site_id, {"username": person["username"]}, "", address, request)  # fmt: skip
            elif kind == "user_update":
                if rng.random() < 0.75:
                    yield (at, n, AuditAction.UPDATE, uid, person["username"], user_label,
                           str(uid), site_id, {"password": ["[redacted]", "[redacted]"]}, "",
                           address, request)  # fmt: skip
                    continue
                manager = rng.choice(managers[site_id])
                new = rng.choice(CREDENTIALS[Role.TECHNICIAN])
                old, credentials[uid] = credentials[uid], new
                yield (at, n, AuditAction.UPDATE, manager, names[manager], user_label, str(uid),
                       site_id, {"credentials": [old, new]}, "", address, request)  # fmt: skip
            else:
                action = AuditAction.LOGIN if kind == "login" else AuditAction.LOGOUT
                yield (at, n, action, uid, person["username"], user_label, str(uid), site_id, {},
                       "", address, request)  # fmt: skip
            continue
        if kind == "equipment_update":
            while available < len(equipment) and equipment[available]["created"] < at:
                available += 1
            if not available:
                kind = "export"  # nothing to edit yet
            else:
                item = equipment[rng.randrange(available)]
                site_id, current = item["site_id"], state[item["id"]]
                actor = rng.choice(editors[site_id])
                roll, reason = rng.random(), ""
                if current["software_version"] and roll < 0.45:
                    major, minor, patch = (int(p) for p in current["software_version"].split("."))
                    new = f"{major}.{minor}.{patch + 1}" if rng.random() < 0.7 else (
                        f"{major}.{minor + 1}.0")  # fmt: skip
                    changes = {"software_version": [current["software_version"], new]}
                    current["software_version"], reason = new, rng.choice(UPGRADE_REASONS)
                elif current["location_id"] and roll < 0.65:
                    new = rng.choice(room_ids)
                    while rooms[new][0] != site_id:
                        new = rng.choice(room_ids)
                    changes = {"location_id": [current["location_id"], new]}
                    current["location_id"], reason = new, rng.choice(MOVE_REASONS)
                elif current["contract_ends_on"] and roll < 0.85:
                    ends = current["contract_ends_on"] + timedelta(days=365)
                    reference = f"SC-{rng.randint(100000, 999999)}"
                    changes = {
                        "contract_ends_on": [jsonable(current["contract_ends_on"]), jsonable(ends)],
                        "contract_reference": [current["contract_reference"], reference],
                    }
                    current["contract_ends_on"], current["contract_reference"] = ends, reference
                else:
                    changes = {"has_maintenance_history": [False, True]}
                yield (at, n, AuditAction.UPDATE, actor, names[actor], equipment_label,
                       str(item["id"]), site_id, changes, reason, _address(rng, site_id),
                       _request_id(rng))  # fmt: skip
                continue
        if kind == "location_update":
            location_id = rng.choice(room_ids)
            site_id, room = rooms[location_id]
            new = f"{room.split(' (')[0]} ({rng.choice(['refit', 'east', 'west', 'annex'])})"
            rooms[location_id][1] = new
            actor = rng.choice(managers[site_id])
            yield (at, n, AuditAction.UPDATE, actor, names[actor], location_label,
                   str(location_id), site_id, {"room": [room, new]}, "Room renamed.",
                   _address(rng, site_id), _request_id(rng))  # fmt: skip
            continue
        if kind == "membership_update":
            membership = rng.choice(memberships)
            membership_id, site_id, active = membership
            membership[2] = not active
            actor = rng.choice(managers[site_id])
            reason = "Left the department." if active else "Returned from leave."
            yield (at, n, AuditAction.UPDATE, actor, names[actor], membership_label,
                   str(membership_id), site_id, {"is_active": [active, not active]}, reason,
                   _address(rng, site_id), _request_id(rng))  # fmt: skip
            continue
        site = rng.choice(ctx.sites)["id"]  # an export of a list, by a manager
        actor = rng.choice(managers[site])
        filters = {"site": str(site), **rng.choice(EXPORT_FILTERS)}
        yield (at, n, AuditAction.EXPORT, actor, names[actor], "equipment list", "", None,
               {"filters": filters}, "", _address(rng, site), _request_id(rng))  # fmt: skip


def build_audit_events(ctx: Build) -> None:
    """`SIZES["audit_events"]` chained events that `verify_audit` accepts, and the chain head.

    Each event's canonical text and hash are made by the chain writer's own functions
    (`event_fields`, `canonical_text`, `chain_hash`) with the key the verifier will use
    (`AUDIT_HMAC_KEY` of bench/settings.py, fixed), numbered from 1 without gaps and in time
    order. COPY inserts (the table's trigger refuses only UPDATE, DELETE and TRUNCATE).
    """
    from imaging_ops.audit.trail import (
        GENESIS_HASH,
        canonical_text,
        chain_hash,
        event_fields,
        hmac_key,
    )
    from imaging_ops.models import AuditChainHead, AuditEvent

    first = min(
        [e["created"] for e in ctx.equipment] + [row[7] for row in ctx.status_changes]
    ) - timedelta(days=1)
    created = _creations(ctx, first)
    filler = ctx.sizes["audit_events"] - len(created)
    if filler < 0:
        raise RuntimeError(f"{len(created)} creations alone exceed the audit events' size")
    begin = max(first + timedelta(days=1), created[0][0] if created else first)
    activity = _activity(ctx, filler, begin, ctx.now - timedelta(hours=1))
    events = heapq.merge(created, activity, key=lambda event: event[0])

    key = hmac_key()
    previous, seq = GENESIS_HASH, 0
    stored = _StoredEvent()
    columns = [
        "id", "seq", "at", "action", "actor_id", "actor_name", "object_type", "object_id",
        "site_id", "changes", "reason", "address", "request_id", "canonical", "hash",
    ]  # fmt: skip
    meta = AuditEvent._meta
    statement = (
        f"COPY {connection.ops.quote_name(meta.db_table)} "
        f"({', '.join(meta.get_field(c).column for c in columns)}) FROM STDIN"
    )
    timings = defaultdict(float)
    with _without_indexes(ctx.cursor, meta.db_table, timings):
        clock = time.perf_counter()
        while batch := list(itertools.islice(events, AUDIT_BATCH)):
            timings["drawn"] += time.perf_counter() - clock
            clock = time.perf_counter()
            rows = []
            for event in batch:
                at, _, action, actor_id, actor_name, object_type, object_id, site_id = event[:8]
                changes, reason, address, request_id = event[8:]
                seq += 1
                stored.action, stored.actor_id, stored.actor_name = action, actor_id, actor_name
                stored.object_type, stored.object_id = object_type, object_id
                stored.site_id, stored.changes, stored.reason = site_id, changes, reason
                stored.address, stored.request_id = address, request_id
                text = canonical_text(event_fields(seq=seq, at=at, pending_or_row=stored))
                previous = chain_hash(key, previous, text)
                rows.append(
                    (seq, seq, at, action, actor_id, actor_name, object_type, object_id, site_id,
                     json.dumps(jsonable(changes), ensure_ascii=False), reason, address,
                     request_id, text, previous)
                )  # fmt: skip
            timings["canonical text and hash"] += time.perf_counter() - clock
            clock = time.perf_counter()
            with ctx.cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            timings["COPY"] += time.perf_counter() - clock
            clock = time.perf_counter()
    ctx.cursor.execute(
        f"UPDATE {connection.ops.quote_name(AuditChainHead._meta.db_table)} "
        "SET seq = %s, last_hash = %s WHERE id = 1",
        [seq, previous],
    )
    ctx.counts[meta.db_table] = seq
    ctx.models.append(AuditEvent)
    ctx.log(
        f"    {seq:,} events ({len(created):,} creations of the generated records, the rest "
        "activity): " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items())
    )


@contextmanager
def _without_indexes(cursor, table: str, timings: dict):
    """Drop a table's indexes and constraints for a load and make them again, as they were.

    COPY into a table with seven indexes spends most of its time maintaining them; building
    them afterwards from sorted data is several times faster. The definitions are PostgreSQL's
    own, so the schema ends exactly as the migrations made it.
    """
    start = time.perf_counter()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY contype",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table],
    )
    indexes = cursor.fetchall()
    quoted = connection.ops.quote_name(table)
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    for name, _ in constraints:
        cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    timings["indexes dropped"] += time.perf_counter() - start
    yield
    start = time.perf_counter()
    for name, definition in constraints:
        cursor.execute(
            f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
        )
    for _, definition in indexes:
        cursor.execute(definition)
    timings["indexes made again"] += time.perf_counter() - start


# --- the build -----------------------------------------------------------------------------

GROUPS = [
    ("sites", build_sites),
    ("people", build_people),
    ("locations", build_locations),
    ("equipment", build_equipment),
    ("status history", build_status_history),
    ("audit events", build_audit_events),
]

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
    "status is where the history ends": """
        SELECT count(*) FROM equipment_equipment e JOIN LATERAL (
            SELECT to_status FROM equipment_equipmentstatuschange c WHERE c.equipment_id = e.id
            ORDER BY changed_at DESC, id DESC LIMIT 1) last ON true
        WHERE last.to_status <> e.status""",
    "equipment without history awaits acceptance": """
        SELECT count(*) FROM equipment_equipment e WHERE status <> 'awaiting_acceptance'
        AND NOT EXISTS (SELECT 1 FROM equipment_equipmentstatuschange c
                        WHERE c.equipment_id = e.id)""",
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
    "status changes made by people of the site": """
        SELECT count(*) FROM equipment_equipmentstatuschange c
        JOIN equipment_equipment e ON e.id = c.equipment_id
        WHERE NOT EXISTS (SELECT 1 FROM imaging_ops_sitemembership m
                          WHERE m.user_id = c.actor_id AND m.site_id = e.site_id)""",
    "audit events numbered from 1 without gaps": """
        SELECT abs(count(*) - coalesce(max(seq), 0)) + count(*) FILTER (WHERE seq < 1)
        FROM imaging_ops_auditevent""",
    "the audit chain head names the last event": """
        SELECT count(*) FROM imaging_ops_auditchainhead h
        LEFT JOIN imaging_ops_auditevent e ON e.seq = h.seq
        WHERE h.id = 1 AND (h.seq <> (SELECT max(seq) FROM imaging_ops_auditevent)
                            OR e.hash IS DISTINCT FROM h.last_hash)""",
    "audit events in time order": """
        SELECT count(*) FROM (SELECT at < lag(at) OVER (ORDER BY seq) AS back
                              FROM imaging_ops_auditevent) x WHERE back""",
    "audit events name people and sites that exist": """
        SELECT count(*) FROM imaging_ops_auditevent e
        WHERE (e.actor_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM imaging_ops_user u WHERE u.id = e.actor_id))
           OR (e.site_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM imaging_ops_site s WHERE s.id = e.site_id))""",
}  # fmt: skip


# Rows the services' own validation checks after a build: a sample of each kind.
VALIDATED_SAMPLE = 300


def _refused_by_services(ctx: Build) -> list[str]:
    """Run the services' own validation over a sample of generated rows, as a save would.

    The invariants above are the rules known when the generator was written; this catches the
    rules added since, so a new rule the data breaks fails the build instead of skewing it.
    """
    from equipment.services import registry as services

    checks = [
        (Equipment.objects.select_related("site", "location"), "_validate_equipment"),
        (Location.objects.select_related("site"), "_validate_location"),
    ]
    problems = []
    for queryset, name in checks:
        validate = getattr(services, name, None)
        if validate is None:
            continue  # renamed: the invariants still hold the line
        ids = list(queryset.values_list("pk", flat=True).order_by("pk"))
        sample = ctx.rng.sample(ids, min(VALIDATED_SAMPLE, len(ids)))
        for row in queryset.filter(pk__in=sample):
            try:
                validate(row)
            except ValidationError as exc:
                problems.append(f"{row._meta.model_name} {row.pk}: {exc.messages[0]}")
    return problems[:5]


def _chain_refused(ctx: Build, sample: int = 2000) -> list[str]:
    """The verifier's own check over the first events, read back through the ORM.

    A chain the verifier refuses would make the case fail on every run; this fails the build
    instead, in a second. (The whole chain is verified by the case.)
    """
    from types import SimpleNamespace

    from imaging_ops.audit.trail import GENESIS_HASH, canonical_text, chain_hash, event_fields
    from imaging_ops.audit.verify import FIELDS
    from imaging_ops.models import AuditEvent

    key, previous = hmac_key(), GENESIS_HASH
    rows = AuditEvent.objects.order_by("seq").values_list(*FIELDS)[:sample]
    for values in rows:
        row = SimpleNamespace(**dict(zip(FIELDS, values, strict=True)))
        text = canonical_text(event_fields(seq=row.seq, at=row.at, pending_or_row=row))
        if text != row.canonical:
            return [f"audit event #{row.seq} reads back differently: {text} != {row.canonical}"]
        if chain_hash(key, previous, text) != row.hash:
            return [f"audit event #{row.seq} does not follow from #{row.seq - 1}"]
        previous = row.hash
    return []


def schema_fingerprint() -> str:
    """A hash of the project's migration files: data built for another schema is rebuilt."""
    project = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        if Path(config.path).parent != project:
            continue
        for path in sorted((Path(config.path) / "migrations").glob("*.py")):
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def identity() -> dict:
    """What the data depends on; a database whose marker differs is rebuilt."""
    return {
        "version": GENERATOR_VERSION,
        "seed": SEED,
        "sizes": SIZES,
        "generator": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16],
        "schema": schema_fingerprint(),
        # The chain verifies only under the key it was built with (bench/settings.py).
        "audit key": hashlib.sha256(hmac_key()).hexdigest()[:8],
    }


def build(log=print) -> dict:
    """Fill the (freshly migrated, empty) database; the marker it leaves."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    with transaction.atomic(), connection.cursor() as cursor:
        ctx = Build(rng=random.Random(SEED), sizes=SIZES, now=now, cursor=cursor, log=log)
        timings = {}
        for name, group in GROUPS:
            t0 = time.perf_counter()
            group(ctx)
            timings[name] = round(time.perf_counter() - t0, 1)
            log(f"  {name:<16} {timings[name]:6.1f} s")
        # Rows came with their ids: move each id sequence past them.
        for statement in connection.ops.sequence_reset_sql(no_style(), ctx.models):
            cursor.execute(statement)
        broken = []
        for rule, query in INVARIANTS.items():
            cursor.execute(query)
            rows = cursor.fetchone()[0]
            if rows:
                broken.append(f"{rule} ({rows} rows)")
        broken += _refused_by_services(ctx)
        broken += _chain_refused(ctx)
        if broken:
            raise RuntimeError(f"Generated data breaks the services' rules: {'; '.join(broken)}")
        marker = {
            "identity": identity(),
            "built_on": now.isoformat(),
            "seconds": round(time.perf_counter() - started, 1),
            "groups": timings,
            "rows": ctx.counts,
        }
        write_marker(cursor, marker)
    # Leave the tables as autovacuum would in production: planner statistics, the visibility map,
    # and GIN indexes' pending lists merged (else the planner shuns them and the numbers lie).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return marker


def changed(marker: dict | None) -> list[str]:
    """What differs between the data in the database and the data this generator builds."""
    if not marker:
        return ["no finished build"]
    built, wanted = marker.get("identity", {}), identity()
    return [
        {
            "schema": "the migrations",
            "version": "the generator version",
            "generator": "the generator's code",
        }.get(key, f"the {key}")
        + " changed"
        for key in wanted
        if json.dumps(built.get(key), sort_keys=True) != json.dumps(wanted[key], sort_keys=True)
    ]
