"""An SQLite copy of a benchmark database: the same rows as on PostgreSQL, table by table.

    python -m bench.sqlite_copy [--from URL] [--to PATH] [--force]

The comparison of engines (bench/peer.py) measures the same pages on the same data on both
engines, so the SQLite file is not generated again but copied: migrated by the project's own
migrations (`manage.py migrate` in a subprocess, on the app's embedded SQLite settings), then
every table's rows read from PostgreSQL through a server-side cursor in batches and inserted
in one transaction (journal and fsync off while the file is filled, the indexes made again
after the rows are in), each value written as Django's SQLite backend writes it (times as UTC
text, decimals as text, JSON as text). Then the foreign keys are checked, every table's row
count compared with PostgreSQL's, and `ANALYZE` gives the planner its statistics.

The copy keeps the PostgreSQL build's marker (`bench_marker`, see bench/database.py) in its
own table; a copy whose marker is the database's current one is reused. Tables that only the
project's migrations fill (content types, permissions, the audit chain's head) are emptied and
copied too, so ids match: a copy is the PostgreSQL database's rows, nothing more.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from bench import database

PROJECT = Path(__file__).resolve().parent.parent
COPY_DIR = PROJECT / "var" / "bench"
COPY_MARKER_TABLE = "bench_copy_marker"
BATCH = 20_000
# Django's own bookkeeping: the SQLite file's migrations are those migrate ran on it.
SKIPPED = {"django_migrations", database.MARKER_TABLE}


class CopyError(Exception):
    """The copy would not hold the same data: the message says what differs."""


@dataclass
class CopyResult:
    path: Path
    marker: dict
    reused: bool
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    only_in_sqlite: list[str] = field(default_factory=list)


def default_path(url: str) -> Path:
    """var/bench/<database name>.sqlite3"""
    return COPY_DIR / f"{database.database_name(url)}.sqlite3"


# --- values as Django's SQLite backend writes them ---------------------------------------------


def _utc_text(value):
    """A timestamptz (read in UTC) as Django stores a datetime on SQLite: naive UTC, str()."""
    return None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


def _text(value):
    return None if value is None else str(value)


def _microseconds(value):
    return None if value is None else value // timedelta(microseconds=1)


def _uuid_hex(value):
    return None if value is None else value.hex


CONVERTERS = {
    "timestamp with time zone": _utc_text,
    "date": _text,
    "time without time zone": _text,
    "numeric": _text,  # Django adapts Decimal with str() for SQLite
    "inet": _text,
    "interval": _microseconds,  # DurationField: bigint microseconds
    "uuid": _uuid_hex,  # UUIDField: char(32), no dashes
}
# Read as PostgreSQL's text form, which is the JSON text Django writes on SQLite.
AS_TEXT = {"jsonb", "json"}


def _row_converter(types: list[str]):
    """A function from a PostgreSQL row to the SQLite row, or None when nothing needs it."""
    converters = [(i, CONVERTERS[t]) for i, t in enumerate(types) if t in CONVERTERS]
    if not converters:
        return None

    def convert(row):
        row = list(row)
        for i, fn in converters:
            row[i] = fn(row[i])
        return row

    return convert


# --- the two databases -------------------------------------------------------------------------


def _pg_columns(pg) -> dict[str, list[tuple[str, str]]]:
    rows = pg.execute(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position"
    ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, data_type))
    return columns


def _sqlite_columns(lite) -> dict[str, list[str]]:
    tables = [
        name
        for (name,) in lite.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: [row[1] for row in lite.execute(f'PRAGMA table_info("{t}")')] for t in tables}


def _dependency_order(lite, tables: list[str]) -> list[str]:
    """Tables with the tables they point at first (foreign keys are checked after the copy,
    so the order is for a reader of the log, and for a copy with the checks left on)."""
    wanted = set(tables)
    parents = {
        t: {row[2] for row in lite.execute(f'PRAGMA foreign_key_list("{t}")')} & wanted - {t}
        for t in tables
    }
    ordered, placed = [], set()
    while len(ordered) < len(tables):
        ready = sorted(t for t in tables if t not in placed and parents[t] <= placed)
        if not ready:  # a cycle: the rest in name order
            ready = sorted(t for t in tables if t not in placed)
        ordered += ready
        placed.update(ready)
    return ordered


def read_copy_marker(path: Path) -> dict | None:
    """What a finished copy recorded (the source's marker, when, how long, rows), or None."""
    if not path.exists():
        return None
    try:
        lite = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = lite.execute(f"SELECT copy FROM {COPY_MARKER_TABLE}").fetchone()
    except sqlite3.Error:
        return None
    finally:
        lite.close()
    return json.loads(row[0]) if row else None


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def migrate(path: Path) -> None:
    """The project's migrations on a new SQLite file, in a process of its own (Django's
    database settings are the process's)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "BENCH_SQLITE_PATH": str(path)}
    env.pop("BENCH_READ_ONLY", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(PROJECT / "manage.py"), "migrate", "--verbosity", "0"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise CopyError(f"migrate on {path} failed:\n{done.stderr[-2000:]}")


def copy(source_url: str, path: Path, *, force: bool = False, log=print) -> CopyResult:
    """Make `path` an SQLite copy of the database at `source_url` (reused when its marker
    is the source's current one and `force` is not set)."""
    started = time.perf_counter()
    marker = database.read_marker(source_url)
    if marker is None:
        raise CopyError(f"{database.database_name(source_url)} holds no finished build to copy")
    previous = read_copy_marker(path)
    if previous and previous.get("source") == marker and not force:
        return CopyResult(
            path, marker, True, previous["seconds"], previous["rows"], previous["only_in_sqlite"]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove(path)
    partial = Path(f"{path}.partial")
    _remove(partial)
    t0 = time.perf_counter()
    migrate(partial)
    log(f"  migrated an empty SQLite file in {time.perf_counter() - t0:.1f} s")
    try:
        result = _fill(source_url, partial, marker, log)
    except BaseException:
        _remove(partial)
        raise
    result.seconds = round(time.perf_counter() - started, 1)
    _write_copy_marker(partial, result)
    partial.rename(path)
    result.path = path
    return result


def _fill(source_url: str, path: Path, marker: dict, log) -> CopyResult:
    lite = sqlite3.connect(path, isolation_level=None)
    lite.execute("PRAGMA journal_mode=OFF")
    lite.execute("PRAGMA synchronous=OFF")
    lite.execute("PRAGMA foreign_keys=OFF")
    lite.execute("PRAGMA cache_size=-262144")  # 256 MiB while the indexes are made
    with psycopg.connect(source_url, autocommit=False) as pg:
        # One snapshot for every table and the counts compared afterwards.
        pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        pg.execute("SET TIME ZONE 'UTC'")
        pg_columns = {t: c for t, c in _pg_columns(pg).items() if t not in SKIPPED}
        lite_columns = {t: c for t, c in _sqlite_columns(lite).items() if t not in SKIPPED}
        only_in_pg = sorted(set(pg_columns) - set(lite_columns))
        if only_in_pg:
            raise CopyError(
                f"tables on PostgreSQL that the migrations do not make: {', '.join(only_in_pg)}"
            )
        tables = _dependency_order(lite, sorted(pg_columns))
        indexes = lite.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        lite.execute("BEGIN")
        for name, _ in indexes:
            lite.execute(f'DROP INDEX "{name}"')
        rows = {}
        for table in tables:
            t0 = time.perf_counter()
            rows[table] = _copy_table(pg, lite, table, pg_columns[table], lite_columns[table])
            seconds = time.perf_counter() - t0
            if seconds > 2:
                log(f"  {table:<36} {rows[table]:>10,} rows {seconds:6.1f} s")
        t0 = time.perf_counter()
        for _, sql in indexes:
            lite.execute(sql)
        log(f"  made {len(indexes)} indexes again in {time.perf_counter() - t0:.1f} s")
        lite.execute("COMMIT")
        counts = {
            t: pg.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
        }  # in the same snapshot as the rows read
    broken = lite.execute("PRAGMA foreign_key_check").fetchmany(5)
    if broken:
        raise CopyError(f"foreign keys that point nowhere in the copy, e.g. {broken}")
    copied = {t: lite.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    differ = [f"{t}: {copied[t]:,} of {counts[t]:,}" for t in tables if copied[t] != counts[t]]
    if differ:
        raise CopyError(f"row counts differ: {'; '.join(differ)}")
    only_in_sqlite = sorted(set(lite_columns) - set(pg_columns))
    filled = [t for t in only_in_sqlite if lite.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()]
    if filled:
        raise CopyError(f"tables only in the copy hold rows: {', '.join(filled)}")
    t0 = time.perf_counter()
    lite.execute("ANALYZE")
    lite.execute("PRAGMA journal_mode=WAL")  # the app's own mode (imaging_ops/settings.py)
    lite.close()
    log(f"  ANALYZE in {time.perf_counter() - t0:.1f} s")
    return CopyResult(path, marker, False, 0.0, copied, only_in_sqlite)


def _copy_table(pg, lite, table: str, pg_cols, lite_cols) -> int:
    missing = [c for c in lite_cols if c not in {name for name, _ in pg_cols}]
    if missing:
        raise CopyError(
            f"{table}: columns the migrations make that PostgreSQL lacks ({', '.join(missing)}); "
            "the PostgreSQL database was built for other migrations"
        )
    lost = [name for name, _ in pg_cols if name not in lite_cols]
    if lost:
        raise CopyError(f"{table}: columns only on PostgreSQL ({', '.join(lost)})")
    names = [name for name, _ in pg_cols]
    types = [data_type for _, data_type in pg_cols]
    select = ", ".join(
        f'"{n}"::text' if t in AS_TEXT else f'"{n}"' for n, t in zip(names, types, strict=True)
    )
    quoted = ", ".join(f'"{n}"' for n in names)
    insert = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    convert = _row_converter(types)
    # Rows the migrations wrote (content types, permissions, the chain's head) give way to the
    # source's, so every id is the source's.
    lite.execute(f'DELETE FROM "{table}"')
    total = 0
    with pg.cursor(name=f"bench_copy_{table}") as cursor:
        cursor.itersize = BATCH
        cursor.execute(f'SELECT {select} FROM "{table}"')
        while batch := cursor.fetchmany(BATCH):
            lite.executemany(insert, batch if convert is None else map(convert, batch))
            total += len(batch)
    return total


def _write_copy_marker(path: Path, result: CopyResult) -> None:
    lite = sqlite3.connect(path, isolation_level=None)
    try:
        lite.execute(f"CREATE TABLE {COPY_MARKER_TABLE} (copy text NOT NULL)")
        record = {
            "source": result.marker,
            "copied_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": result.seconds,
            "rows": result.rows,
            "only_in_sqlite": result.only_in_sqlite,
        }
        lite.execute(f"INSERT INTO {COPY_MARKER_TABLE} VALUES (?)", [json.dumps(record)])
    finally:
        lite.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sqlite_copy", description=__doc__)
    parser.add_argument(
        "--from",
        dest="source",
        default=os.environ.get("BENCH_DATABASE_URL") or database.DEFAULT_URL,
        help="the PostgreSQL benchmark database (default: BENCH_DATABASE_URL)",
    )
    parser.add_argument(
        "--to", type=Path, help="the SQLite file (default var/bench/<name>.sqlite3)"
    )
    parser.add_argument("--force", action="store_true", help="copy again even if up to date")
    args = parser.parse_args(argv)
    path = args.to or default_path(args.source)
    print(f"Copying {database.database_name(args.source)} to {path}:")
    try:
        result = copy(args.source, path, force=args.force)
    except CopyError as exc:
        print(f"Not copied: {exc}", file=sys.stderr)
        return 1
    total = sum(result.rows.values())
    if result.reused:
        print(f"  up to date (copied in {result.seconds} s, {total:,} rows); --force to copy again")
    else:
        print(f"  {total:,} rows in {len(result.rows)} tables in {result.seconds} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
