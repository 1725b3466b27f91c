"""The benchmark database: created when missing, dropped on `--rebuild`, and its data marker.

These helpers talk to PostgreSQL with psycopg directly, before Django is set up, because they
create and drop the very database Django will connect to.
"""

import json
from urllib.parse import urlparse, urlunparse

import psycopg
from psycopg import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/imaging_ops_bench"
MARKER_TABLE = "bench_marker"


def database_name(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if not name:
        raise SystemExit(f"BENCH_DATABASE_URL names no database: {url}")
    return name


def _maintenance_url(url: str) -> str:
    """The same server, connected to the `postgres` maintenance database."""
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def _connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"Cannot connect to PostgreSQL at {url}: {exc}") from exc


def ensure_database(url: str, *, drop: bool) -> bool:
    """Create the database if missing (dropping it first when asked). True if it is new."""
    name = database_name(url)
    with _connect(_maintenance_url(url)) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def read_marker(url: str) -> dict | None:
    """The marker the generator left when it finished, or None (no data, or a broken build)."""
    with _connect(url) as conn:
        table = conn.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()[0]
        if table is None:
            return None
        row = conn.execute(f"SELECT marker FROM {MARKER_TABLE} ORDER BY built_at DESC LIMIT 1")
        found = row.fetchone()
    return found[0] if found else None


def write_marker(cursor, marker: dict) -> None:
    """Record, inside the generator's transaction, which data the database now holds."""
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} "
        "(built_at timestamptz NOT NULL DEFAULT now(), marker jsonb NOT NULL)"
    )
    cursor.execute(f"DELETE FROM {MARKER_TABLE}")
    cursor.execute(f"INSERT INTO {MARKER_TABLE} (marker) VALUES (%s::jsonb)", [json.dumps(marker)])
