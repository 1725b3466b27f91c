"""The build: the ordered steps, their sizes, one seed, and the marker a finished build leaves."""

import hashlib
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

from bench.database import write_marker
from bench.generator import (
    audit_chain,
    equipment,
    locations,
    long_log,
    maintenance,
    people,
    reminders,
    sites,
    status_history,
    training,
    work_orders,
)
from bench.generator.checks import broken_rules
from bench.generator.context import Build
from imaging_ops.audit.trail import hmac_key

GENERATOR_VERSION = 8
SEED = 20260504

# In build order: each step reads what the steps before it left on the context. The audit
# chain stays last, since it records the creation of every row written before it.
STEPS = [
    sites.STEP,
    people.STEP,
    locations.STEP,
    equipment.STEP,
    status_history.STEP,
    maintenance.STEP,
    training.STEP,
    work_orders.STEP,
    long_log.STEP,
    reminders.STEP,
    audit_chain.STEP,
]

# The sizes of a full build (a health system of 50 sites), from the steps.
SIZES = {name: size for step in STEPS for name, size in step.sizes.items()}
UNSCALED = frozenset().union(*(step.unscaled for step in STEPS))
# Below this the registry's own creation events outnumber the audit trail's size.
MIN_SCALE = 0.01

PACKAGE = Path(__file__).resolve().parent
PROJECT = PACKAGE.parent.parent


def sizes_at(scale: float) -> dict:
    """The sizes of a build `scale` times the full one: totals scaled, the unscaled kept.

    A small scale (`--scale 0.05`: 250 people, 500 pieces of equipment, 50,000 audit events
    over the same 50 sites and their rooms) builds in seconds, for trying the bench and its
    cases; the numbers of docs/benchmarks.md are taken at full scale.
    """
    if scale < MIN_SCALE:
        raise ValueError(f"scale {scale} is below {MIN_SCALE}")
    return {
        name: size if name in UNSCALED else max(1, round(size * scale))
        for name, size in SIZES.items()
    }


def schema_fingerprint() -> str:
    """A hash of the project's migration files: data built for another schema is rebuilt."""
    digest = hashlib.sha256()
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        if Path(config.path).parent != PROJECT:
            continue
        for path in sorted((Path(config.path) / "migrations").glob("*.py")):
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def code_fingerprint() -> str:
    """A hash of this package's modules and data files: other code or tables build other data."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".json", ".csv") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def identity(sizes: dict | None = None) -> dict:
    """What the data depends on; a database whose marker differs is rebuilt."""
    return {
        "version": GENERATOR_VERSION,
        "seed": SEED,
        "sizes": SIZES if sizes is None else sizes,
        "generator": code_fingerprint(),
        "schema": schema_fingerprint(),
        # The chain verifies only under the key it was built with (bench/settings.py).
        "audit key": hashlib.sha256(hmac_key()).hexdigest()[:8],
    }


def build(log=print, sizes: dict | None = None) -> dict:
    """Fill the (freshly migrated, empty) database; the marker it leaves."""
    sizes = SIZES if sizes is None else sizes
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    with transaction.atomic(), connection.cursor() as cursor:
        ctx = Build(rng=random.Random(SEED), sizes=sizes, now=now, cursor=cursor, log=log)
        timings = {}
        for step in STEPS:
            t0 = time.perf_counter()
            step.build(ctx)
            timings[step.name] = round(time.perf_counter() - t0, 1)
            log(f"  {step.name:<16} {timings[step.name]:6.1f} s")
        # Rows came with their ids: move each id sequence past them.
        for statement in connection.ops.sequence_reset_sql(no_style(), ctx.models):
            cursor.execute(statement)
        if broken := broken_rules(ctx, STEPS):
            raise RuntimeError(f"Generated data breaks the services' rules: {'; '.join(broken)}")
        marker = {
            "identity": identity(sizes),
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


def changed(marker: dict | None, sizes: dict | None = None) -> list[str]:
    """What differs between the data in the database and the data this generator builds."""
    if not marker:
        return ["no finished build"]
    built, wanted = marker.get("identity", {}), identity(sizes)
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
