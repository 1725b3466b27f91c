"""The audit trail: the creation events and the activity, chained as the chain writer chains
them, loaded with COPY, and the chain head; the step that must come last (it records the rows
of every step before it)."""

import heapq
import itertools
import json
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

from django.db import connection

from bench.generator.audit_activity import activity
from bench.generator.audit_creations import creations
from bench.generator.context import Build, Step
from imaging_ops.audit.trail import (
    GENESIS_HASH,
    canonical_text,
    chain_hash,
    event_fields,
    hmac_key,
    jsonable,
)
from imaging_ops.audit.verify import FIELDS
from imaging_ops.models import AuditChainHead, AuditEvent

AUDIT_BATCH = 50_000  # events per COPY statement


class _StoredEvent:
    """The attributes `event_fields` reads from a stored event: one instance, refilled."""

    __slots__ = (
        "action", "actor_id", "actor_name", "address", "changes", "object_id", "object_type",
        "reason", "request_id", "site_id",
    )  # fmt: skip


def build_audit_events(ctx: Build) -> None:
    """`ctx.sizes["audit_events"]` chained events that `verify_audit` accepts, and the chain head.

    Each event's canonical text and hash are made by the chain writer's own functions
    (`event_fields`, `canonical_text`, `chain_hash`) with the key the verifier will use
    (`AUDIT_HMAC_KEY` of bench/settings.py, fixed), numbered from 1 without gaps and in time
    order. COPY inserts (the table's trigger refuses only UPDATE, DELETE and TRUNCATE).
    """

    first = min(
        [e["created"] for e in ctx.equipment] + [row[7] for row in ctx.status_changes]
    ) - timedelta(days=1)
    # The registry's creations, and the events the steps made themselves (maintenance).
    created = sorted(creations(ctx, first) + ctx.events, key=lambda event: (event[0], event[1]))
    filler = ctx.sizes["audit_events"] - len(created)
    if filler < 0:
        raise RuntimeError(f"{len(created)} creations alone exceed the audit events' size")
    begin = max(first + timedelta(days=1), created[0][0] if created else first)
    drawn = activity(ctx, filler, begin, ctx.now - timedelta(hours=1))
    events = heapq.merge(created, drawn, key=lambda event: event[0])

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
    with without_indexes(ctx.cursor, meta.db_table, timings):
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
def without_indexes(cursor, tables, timings: dict, *, foreign: bool = False):
    """Drop tables' indexes and constraints for a load and make them again, as they were.

    COPY into a table with seven indexes spends most of its time maintaining them; building
    them afterwards from sorted data is several times faster. With `foreign`, the tables'
    foreign keys go too (else every row queues a check until commit) and are validated again
    at the end, in one pass each. The definitions are PostgreSQL's own, so the schema ends
    exactly as the migrations made it. `tables` is one table name or a list of them.
    """
    start = time.perf_counter()
    tables = [tables] if isinstance(tables, str) else list(tables)
    saved, keys = [], []
    for table in tables:
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
        saved.append((table, constraints, cursor.fetchall()))
    if foreign:
        # The tables' foreign keys, and those pointing at them (a key needs its index).
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND (conrelid = ANY(%s::regclass[]) "
            "OR confrelid = ANY(%s::regclass[])) ORDER BY 1, 2",
            [tables, tables],
        )
        keys = cursor.fetchall()
        # A table with pending (deferred) checks cannot lose a key: run the checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name, _ in keys:
        cursor.execute(
            f"ALTER TABLE {connection.ops.quote_name(table)} "
            f"DROP CONSTRAINT {connection.ops.quote_name(name)}"
        )
    for table, constraints, indexes in saved:
        quoted = connection.ops.quote_name(table)
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        for name, _ in constraints:
            cursor.execute(
                f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}"
            )
    timings["indexes dropped"] += time.perf_counter() - start
    yield
    start = time.perf_counter()
    for table, constraints, indexes in saved:
        quoted = connection.ops.quote_name(table)
        for name, definition in constraints:
            cursor.execute(
                f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} "
                f"{definition}"
            )
        for _, definition in indexes:
            cursor.execute(definition)
    for table, name, definition in keys:
        cursor.execute(
            f"ALTER TABLE {connection.ops.quote_name(table)} "
            f"ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
        )
    if foreign:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    timings["indexes made again"] += time.perf_counter() - start


def chain_refused(ctx: Build, sample: int = 2000) -> list[str]:
    """The verifier's own check over the first events, read back through the ORM.

    A chain the verifier refuses would make the case fail on every run; this fails the build
    instead, in a second. (The whole chain is verified by the case.)
    """

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


# Rules the chain writer keeps, as queries that must count zero rows.
INVARIANTS = {
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

STEP = Step(
    "audit events",
    build_audit_events,
    sizes={"audit_events": 1_000_000},
    invariants=INVARIANTS,
    checks=(chain_refused,),
)
