"""Test helpers that reach past the audit trail's defences, as someone with database access
would, so the tests can show that the chain check catches what they do."""

import importlib
from contextlib import contextmanager

from django.db import connection

TABLE = "imaging_ops_auditevent"
MIGRATION = importlib.import_module("imaging_ops.migrations.0002_audit_trail")


def lift_trigger_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"ALTER TABLE {TABLE} DISABLE TRIGGER USER"]
    return list(MIGRATION.SQLITE_DROP)


def restore_trigger_statements(vendor: str) -> list[str]:
    """Put the trigger back, and the chain head the flush emptied (as the migration made it)."""
    head = (
        "INSERT INTO imaging_ops_auditchainhead (id, seq, last_hash) "
        f"VALUES (1, 0, '{MIGRATION.GENESIS_HASH}')"
    )
    if vendor == "postgresql":
        return [f"ALTER TABLE {TABLE} ENABLE TRIGGER USER", head]
    return [*MIGRATION.SQLITE_TRIGGERS, head]


@contextmanager
def triggers_disabled():
    """Lift the append-only trigger for the duration (PostgreSQL or SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            try:
                yield cursor
            finally:
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        else:
            for statement in MIGRATION.SQLITE_DROP:
                cursor.execute(statement)
            try:
                yield cursor
            finally:
                for statement in MIGRATION.SQLITE_TRIGGERS:
                    cursor.execute(statement)


def tamper(sql: str, params=()) -> None:
    with triggers_disabled() as cursor:
        cursor.execute(sql, params)
