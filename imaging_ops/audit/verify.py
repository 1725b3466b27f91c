"""Walk the audit chain and name the first break: an edited, deleted, reordered or forged event,
or a chain cut short (against the head, or an anchor kept outside the database)."""

from dataclasses import dataclass

from django.db import connection, transaction

from imaging_ops.audit.trail import (
    GENESIS_HASH,
    canonical_text,
    chain_hash,
    event_fields,
    hmac_key,
)
from imaging_ops.models import AuditChainHead, AuditEvent

FIELDS = (
    "seq",
    "at",
    "action",
    "actor_id",
    "actor_name",
    "object_type",
    "object_id",
    "site_id",
    "changes",
    "reason",
    "address",
    "request_id",
    "canonical",
    "hash",
)


@dataclass
class Anchor:
    seq: int
    hash: str


@dataclass
class VerifyResult:
    checked: int
    last_seq: int
    last_hash: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class _Row:
    __slots__ = FIELDS

    def __init__(self, values):
        for name, value in zip(FIELDS, values, strict=True):
            setattr(self, name, value)


def verify_chain(*, anchor: Anchor | None = None, chunk_size: int = 5000) -> VerifyResult:
    """Stream every event in order and check it against the one before; stop at the first break.

    The events and the head are read in one snapshot (on PostgreSQL, a REPEATABLE READ
    transaction unless the caller holds one): a walk of a million events takes half a minute,
    and an event appended meanwhile must not move the head past the last event streamed, which
    would read as "events were removed". Inside a transaction the iterator's server-side cursor
    also streams, where outside one it is a WITH HOLD cursor that copies the whole result to a
    temporary file before the first row.
    """
    if connection.vendor == "postgresql" and connection.get_autocommit():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return _walk(anchor, chunk_size)
    return _walk(anchor, chunk_size)


def _walk(anchor: Anchor | None, chunk_size: int) -> VerifyResult:
    key = hmac_key()
    expected_seq, previous, checked = 1, GENESIS_HASH, 0
    anchor_seen = anchor is None
    rows = AuditEvent.objects.order_by("seq").values_list(*FIELDS).iterator(chunk_size=chunk_size)
    for values in rows:
        row = _Row(values)
        if row.seq != expected_seq:
            problem = (
                f"event #{expected_seq} is missing (the next event is #{row.seq}): deleted"
                if row.seq > expected_seq
                else f"event #{row.seq} is out of order after #{expected_seq - 1}"
            )
            return VerifyResult(checked, expected_seq - 1, previous, problem)
        text = canonical_text(event_fields(seq=row.seq, at=row.at, pending_or_row=row))
        if text != row.canonical:
            return VerifyResult(
                checked,
                row.seq - 1,
                previous,
                f"event #{row.seq} was edited: its fields no longer match its recorded text",
            )
        if chain_hash(key, previous, row.canonical) != row.hash:
            return VerifyResult(
                checked,
                row.seq - 1,
                previous,
                f"event #{row.seq} does not follow from event #{row.seq - 1}: it was edited, "
                "reordered or written without the audit key",
            )
        if anchor is not None and row.seq == anchor.seq:
            if row.hash != anchor.hash:
                return VerifyResult(
                    checked, row.seq, row.hash, f"event #{row.seq} differs from the anchor"
                )
            anchor_seen = True
        previous = row.hash
        expected_seq += 1
        checked += 1
    last_seq = expected_seq - 1
    if not anchor_seen:
        return VerifyResult(
            checked,
            last_seq,
            previous,
            f"the chain ends at #{last_seq}, before the anchor #{anchor.seq}: it was cut short",
        )
    head = AuditChainHead.objects.get(pk=1)
    if (head.seq, head.last_hash) != (last_seq, previous):
        return VerifyResult(
            checked,
            last_seq,
            previous,
            f"the chain ends at #{last_seq} but its head records #{head.seq}: events were "
            "removed from the end or the head was altered",
        )
    return VerifyResult(checked, last_seq, previous)
