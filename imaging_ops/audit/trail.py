"""The audit trail's writer: `regulated_transaction()` buffers a transaction's events and, at its
end, chains them onto the trail in three queries however many there are.

At the end of the outermost regulated transaction the helper locks the one-row chain head, gives
each event the next gapless `seq`, stores its exact canonical text and an HMAC-SHA-256 over the
previous hash and that text (keyed by AUDIT_HMAC_KEY, kept outside the database), and moves the
head. A database trigger refuses UPDATE and DELETE on the events table; `verify_audit` walks the
chain. Email, files and network calls never run inside: queue them with `after_commit`.
"""

import contextvars
import datetime as dt
import hashlib
import hmac
import json
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from imaging_ops.access.site_paths import site_id_of
from imaging_ops.audit.context import current_context

GENESIS_HASH = "0" * 64
# How many events the current request (command, task) has written, in its audit context.
EVENTS_WRITTEN = "events_written"


class AuditAction:
    CREATE = "create"
    UPDATE = "update"
    VOID = "void"
    AMEND = "amend"
    SIGN = "sign"
    EXPORT = "export"
    LOGIN = "login"
    LOGOUT = "logout"
    FAILED_LOGIN = "failed_login"
    FAILED_SIGNATURE = "failed_signature"
    LOCKOUT = "lockout"
    UNLOCK = "unlock"
    ADOPT = "adopt"
    STATUS_CHANGE = "status_change"
    ACKNOWLEDGE_POLICY = "acknowledge_policy"
    VIEW = "view"  # a page an inspector read (imaging_ops.audit.viewing)

    CHOICES = (
        (CREATE, "Created"),
        (UPDATE, "Updated"),
        (VOID, "Voided"),
        (AMEND, "Amended"),
        (SIGN, "Signed"),
        (EXPORT, "Exported"),
        (LOGIN, "Signed in"),
        (LOGOUT, "Signed out"),
        (FAILED_LOGIN, "Failed sign-in"),
        (FAILED_SIGNATURE, "Failed signature"),
        (LOCKOUT, "Account locked"),
        (UNLOCK, "Account unlocked"),
        (ADOPT, "Adopted in service"),
        (STATUS_CHANGE, "Status changed"),
        (ACKNOWLEDGE_POLICY, "Acknowledged e-signature policy"),
        (VIEW, "Viewed"),
    )


class RegulatedWriteError(Exception):
    """A write that would bypass the audit trail (bulk change, delete, edit of an event)."""


_AS_IS = frozenset({str, int, float, bool, type(None)})


def jsonable(value):
    """A value as it is stored in an event: decimals as strings, times in UTC ISO form."""
    kind = type(value)  # the common cases first: the chain check converts every field
    if kind in _AS_IS:
        return value
    if kind is dict:
        return {str(k): jsonable(v) for k, v in value.items()}
    if kind is list:
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def canonical_text(fields: dict) -> str:
    return json.dumps(jsonable(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(key: bytes, previous: str, canonical: str) -> str:
    return hmac.new(key, f"{previous}\n{canonical}".encode(), hashlib.sha256).hexdigest()


def hmac_key() -> bytes:
    return settings.AUDIT_HMAC_KEY.encode()


@dataclass
class PendingEvent:
    action: str
    object_type: str
    object_id: str
    site_id: int | None
    changes: dict
    reason: str
    actor: object  # a user or None
    actor_name: str
    address: str | None
    request_id: str


def event_fields(*, seq: int, at, pending_or_row) -> dict:
    """The fields an event's canonical text is made of, from a pending event or a stored row."""
    e = pending_or_row
    actor_id = (
        e.actor.pk if isinstance(e, PendingEvent) and e.actor else getattr(e, "actor_id", None)
    )
    return {
        "seq": seq,
        "at": at,
        "action": e.action,
        "actor_id": actor_id,
        "actor_name": e.actor_name,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "site_id": e.site_id,
        "changes": e.changes,
        "reason": e.reason,
        "address": e.address,
        "request_id": e.request_id,
    }


class EventBuffer:
    def __init__(self):
        self.events: list[PendingEvent] = []

    def add(self, event: PendingEvent) -> None:
        self.events.append(event)

    def flush(self) -> None:
        """Chain the buffered events onto the trail: lock head, insert all, move head."""
        if not self.events:
            return
        AuditEvent = apps.get_model("imaging_ops", "AuditEvent")
        AuditChainHead = apps.get_model("imaging_ops", "AuditChainHead")
        key = hmac_key()
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        seq, previous = head.seq, head.last_hash
        at = timezone.now()
        rows = []
        for pending in self.events:
            seq += 1
            text = canonical_text(event_fields(seq=seq, at=at, pending_or_row=pending))
            previous = chain_hash(key, previous, text)
            rows.append(
                AuditEvent(
                    seq=seq,
                    at=at,
                    action=pending.action,
                    actor=pending.actor,
                    actor_name=pending.actor_name,
                    object_type=pending.object_type,
                    object_id=pending.object_id,
                    site_id=pending.site_id,
                    changes=jsonable(pending.changes),
                    reason=pending.reason,
                    address=pending.address,
                    request_id=pending.request_id,
                    canonical=text,
                    hash=previous,
                )
            )
        AuditEvent.objects.append_chained(rows)
        AuditChainHead.objects.filter(pk=1).update(seq=seq, last_hash=previous)
        self.events.clear()


_buffer: contextvars.ContextVar[EventBuffer | None] = contextvars.ContextVar(
    "imaging_ops_audit_buffer", default=None
)


def in_regulated_transaction() -> bool:
    return _buffer.get() is not None


_acting: contextvars.ContextVar[object | None] = contextvars.ContextVar(
    "imaging_ops_audit_actor", default=None
)


@contextmanager
def _acting_as(actor):
    if actor is None:
        yield
        return
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


@contextmanager
def regulated_transaction(*, actor=None):
    """An atomic block whose regulated writes and events commit together, or not at all.

    `actor` is the person a service acts for; events inside name them (otherwise the request's
    user, or the command or task by name). Nested blocks join the outermost one; events of a
    nested block that rolls back are dropped.
    """
    buffer = _buffer.get()
    if buffer is not None:
        mark = len(buffer.events)
        try:
            with _acting_as(actor), transaction.atomic():
                yield buffer
        except BaseException:
            del buffer.events[mark:]
            raise
        return
    buffer = EventBuffer()
    token = _buffer.set(buffer)
    try:
        with _acting_as(actor), transaction.atomic():
            yield buffer
            buffer.flush()
    finally:
        _buffer.reset(token)


def after_commit(func) -> None:
    """Run email, file or network I/O once the regulated transaction has committed."""
    transaction.on_commit(func)


def describe(obj) -> tuple[str, str, int | None]:
    """(object type, object id, site id) of a model instance, for an event."""
    site_id = site_id_of(obj) if getattr(obj, "scope_path", None) else None
    if site_id is None and hasattr(obj, "audit_site_id"):
        site_id = obj.audit_site_id()
    return obj._meta.label_lower, str(obj.pk), site_id


def record_event(
    action: str,
    *,
    target=None,
    object_type: str = "",
    object_id: str = "",
    site_id: int | None = None,
    changes: dict | None = None,
    reason: str = "",
    actor=None,
    actor_name: str | None = None,
) -> None:
    """Add an event to the current regulated transaction (or to one of its own)."""
    if target is not None:
        object_type, object_id, target_site = describe(target)
        site_id = site_id if site_id is not None else target_site
    context = current_context()
    address = context.address
    if address and ":" in address:
        address = clean_ipv6_address(address)
    if actor is None:
        actor = _acting.get() or context.user()
    if actor_name is None:
        actor_name = context.actor_name
        if actor is not None:
            # A command or task acting for a person names both: "manager via manage.py seed_demo".
            via_command = context.user_getter is None and context.actor_name != "system"
            actor_name = actor.get_username()
            if via_command:
                actor_name = f"{actor_name} via {context.actor_name}"
    event = PendingEvent(
        action=action,
        object_type=object_type,
        object_id=object_id,
        site_id=site_id,
        changes=changes or {},
        reason=reason,
        actor=actor,
        actor_name=actor_name,
        address=address,
        request_id=context.request_id,
    )
    # The request's end reads it: a download its view audited needs no event of its own.
    context.extra[EVENTS_WRITTEN] = context.extra.get(EVENTS_WRITTEN, 0) + 1
    buffer = _buffer.get()
    if buffer is not None:
        buffer.add(event)
        return
    with regulated_transaction() as buffer:
        buffer.add(event)
