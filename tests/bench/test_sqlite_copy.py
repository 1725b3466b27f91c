"""The benchmark's SQLite copy of a PostgreSQL database (bench/sqlite_copy.py): every table's
rows, each value as Django's SQLite backend writes it, reused while the build is the same."""

import json
import sqlite3
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.db.models import DecimalField, JSONField

from bench import database, sqlite_copy
from equipment.models import Equipment, Location
from imaging_ops.models import AuditEvent, Site, User
from tests.factories import registered_source


def _url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _pg_counts(tables) -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def _as_django_writes_on_sqlite(obj) -> dict:
    """Each column of `obj` as Django's own SQLite backend would store it."""
    lite = SQLiteWrapper({"NAME": ":memory:", "OPTIONS": {}, "TIME_ZONE": None}, alias="check")
    values = {}
    for field in obj._meta.concrete_fields:
        value = field.get_db_prep_value(field.value_from_object(obj), connection=lite)
        values[field.column] = (field, value)
    return values


def _same(field, stored, expected) -> bool:
    if stored is None or expected is None:
        return stored is expected
    if isinstance(field, JSONField):
        return json.loads(stored) == json.loads(expected)
    if isinstance(field, DecimalField):  # a "decimal" column keeps the number, not the text
        return Decimal(str(stored)) == Decimal(str(expected))
    return stored == expected


@pytest.fixture
def marker():
    built = {"built_on": "2026-12-04T00:00:00+00:00", "identity": {"version": 1}}
    with connection.cursor() as cursor:
        database.write_marker(cursor, built)
    yield built
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {database.MARKER_TABLE}")


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_copy_holds_every_row_as_django_writes_it_and_is_reused_while_the_build_is_the_same(
    manager, site_a, marker, tmp_path
):
    """GIVEN a small PostgreSQL database (a sealed source at site A, its audit events) with a
    build marker WHEN it is copied to SQLite THEN every table holds the same number of rows,
    a site, a person and the source hold, column by column, what Django's SQLite backend
    writes for them (times, dates, decimals, JSON, booleans), the foreign keys hold, and the
    copy is reused until the marker changes."""
    location = Location.objects.create(
        site=site_a, building="Main", room="Hot lab", secured_storage=True
    )
    source = registered_source(manager, site_a, location)
    path = tmp_path / "copy.sqlite3"

    result = sqlite_copy.copy(_url(), path, log=lambda *_: None)

    assert not result.reused
    assert result.rows == _pg_counts(result.rows)
    assert result.rows["equipment_equipment"] == 1
    assert result.rows["imaging_ops_auditevent"] == AuditEvent.objects.count() > 0
    lite = sqlite3.connect(path)
    lite.row_factory = sqlite3.Row
    assert lite.execute("PRAGMA foreign_key_check").fetchall() == []
    assert lite.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for obj in (
        Site.objects.get(pk=site_a.pk),
        User.objects.get(pk=manager.pk),
        Equipment.objects.get(pk=source.pk),
    ):
        table = obj._meta.db_table
        row = lite.execute(f'SELECT * FROM "{table}" WHERE id = ?', [obj.pk]).fetchone()
        wanted = _as_django_writes_on_sqlite(obj)
        assert set(row.keys()) == set(wanted)
        differ = {
            column: (row[column], expected)
            for column, (field, expected) in wanted.items()
            if not _same(field, row[column], expected)
        }
        assert differ == {}, table
    stored = lite.execute(
        "SELECT reference_activity, reference_date, modalities, created_at "
        "FROM equipment_equipment WHERE id = ?",
        [source.pk],
    ).fetchone()
    lite.close()
    assert Decimal(str(stored["reference_activity"])) == Decimal("200")
    assert stored["reference_date"] == "2024-01-15"
    assert json.loads(stored["modalities"]) == source.modalities
    assert stored["created_at"] == str(source.created_at.replace(tzinfo=None))

    again = sqlite_copy.copy(_url(), path, log=lambda *_: None)
    assert again.reused and again.rows == result.rows

    with connection.cursor() as cursor:
        database.write_marker(cursor, {**marker, "built_on": "2026-12-05T00:00:00+00:00"})
    Location.objects.create(site=site_a, building="Main", room="Store")
    remade = sqlite_copy.copy(_url(), path, log=lambda *_: None)
    assert not remade.reused
    assert remade.rows["equipment_location"] == result.rows["equipment_location"] + 1


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_without_a_finished_build_is_not_copied(tmp_path):
    """GIVEN a PostgreSQL database without a build marker THEN there is nothing to copy."""
    with pytest.raises(sqlite_copy.CopyError, match="no finished build"):
        sqlite_copy.copy(_url(), tmp_path / "copy.sqlite3", log=lambda *_: None)
    assert not (tmp_path / "copy.sqlite3").exists()
