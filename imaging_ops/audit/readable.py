"""The audit trail as people read it: objects by name, fields by label, times in site time.

An event stores what the database held (`current_version_id: [null, 2]`, `in_service`, a user's
pk, a UTC time); an inspector reads "Current version: — → version 1", "In service", "Jane Doe",
"2026-03-04 09:22:05 EST (UTC-05:00)". `readable_events()` turns a page of events into that,
fetching every object the page names — the events' objects, the rows their foreign keys point
at, the people who acted, the sites — in one query per model, however many events there are.
How each model reads is registered by its app (imaging_ops.audit.names).
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst

from imaging_ops.audit.mixin import REDACTED
from imaging_ops.audit.names import DEFAULT, Naming, naming_for
from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent, Signature, Site, User
from imaging_ops.sites.local_time import local_time_text

EMPTY = "—"
ACTION_LABELS = dict(AuditAction.CHOICES)
# Keys some events carry besides model fields (a signature's meaning), read as these fields.
DETAIL_FIELDS = {"meaning": Signature._meta.get_field("meaning")}
# Keys some events carry that name a row by its id (a sign event's signature): label, model.
DETAIL_POINTERS = {"signature_id": ("Signature", Signature)}


@dataclass(frozen=True)
class ReadableChange:
    """One recorded field: its label and its values as the forms show them."""

    field: str  # the key as stored in the event
    label: str
    old: str | None  # None when the event records only a value (a create, a detail)
    new: str


@dataclass(frozen=True)
class ReadableEvent:
    event: AuditEvent
    action: str
    when: str  # "2026-03-04 09:22:05 EST (UTC-05:00)"
    time_zone: str  # the IANA name the time is shown in, or "UTC"
    zone_note: str  # why this zone, for an event that belongs to no site; else ""
    actor: str
    actor_url: str | None
    record_type: str
    record: str  # the object's name, or its type and id when there is no such row
    record_url: str | None
    changes: tuple[ReadableChange, ...]
    site_code: str

    def changes_text(self) -> str:
        """The changes on one line, for a CSV cell: "Status: In service → Out of service"."""
        return "; ".join(
            f"{c.label}: {c.new}" if c.old is None else f"{c.label}: {c.old} → {c.new}"
            for c in self.changes
        )


def readable_events(events: Iterable[AuditEvent], *, viewer) -> list[ReadableEvent]:
    """The events as people read them, for `viewer` (whose home site dates events with none).

    Runs one query per model the events name (their objects, foreign-key values, actors and
    sites), not one per event.
    """
    events = list(events)
    rows = _Rows()
    home_site_id = getattr(viewer, "home_site_id", None)
    if home_site_id:
        rows.want(Site, home_site_id)
    for event in events:
        _want_rows_of(event, rows)
    rows.fetch()
    home = rows.get(Site, home_site_id) if home_site_id else None
    return [_readable(event, rows=rows, viewer=viewer, home=home) for event in events]


def readable_batches(
    events: Iterable[AuditEvent], *, viewer, size: int = 500
) -> Iterator[ReadableEvent]:
    """Readable events of a long stream (a CSV export), resolved a batch at a time."""
    batch: list[AuditEvent] = []
    for event in events:
        batch.append(event)
        if len(batch) == size:
            yield from readable_events(batch, viewer=viewer)
            batch = []
    if batch:
        yield from readable_events(batch, viewer=viewer)


# --- fetching the rows a page names ---------------------------------------------------------


class _Rows:
    """The rows a page of events names, fetched in one query per model."""

    def __init__(self):
        self._wanted: dict[type[models.Model], set] = {}
        self._found: dict[type[models.Model], dict] = {}

    def want(self, model: type[models.Model], pk) -> None:
        try:
            pk = model._meta.pk.to_python(pk)
        except (ValidationError, TypeError, ValueError):
            return
        if pk is not None:
            self._wanted.setdefault(model, set()).add(pk)

    def fetch(self) -> None:
        for model, pks in self._wanted.items():
            naming = naming_for(model)
            found = model._base_manager.filter(pk__in=pks)
            if naming.related:
                found = found.select_related(*naming.related)
            if naming.prefetch:
                found = found.prefetch_related(*naming.prefetch)
            self._found[model] = {row.pk: row for row in found}

    def get(self, model: type[models.Model], pk):
        try:
            pk = model._meta.pk.to_python(pk)
        except (ValidationError, TypeError, ValueError):
            return None
        return self._found.get(model, {}).get(pk)


def _model_of(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None  # "audit trail", "equipment list": what an export covered, not a row


_FIELDS: dict[type[models.Model], dict[str, models.Field]] = {}


def _fields_of(model: type[models.Model]) -> dict[str, models.Field]:
    """The model's fields by attname (`site_id`, as events store them) and by name, in order."""
    fields = _FIELDS.get(model)
    if fields is None:
        fields = {}
        for f in model._meta.concrete_fields:
            fields.setdefault(f.attname, f)
            fields.setdefault(f.name, f)
        _FIELDS[model] = fields
    return fields


def _field(model: type[models.Model] | None, key: str) -> models.Field | None:
    """The model field an event's key names, or the field a detail key reads as."""
    if model is not None:
        field = _fields_of(model).get(key)
        if field is not None:
            return field
    return DETAIL_FIELDS.get(key)


def _in_form_order(model: type[models.Model] | None, keys) -> list[str]:
    """The keys in the order the model declares its fields (as its forms list them)."""
    order = {key: i for i, key in enumerate(_fields_of(model))} if model is not None else {}
    return sorted(keys, key=lambda key: (order.get(key, len(order)), key))


def _points_at(field: models.Field | None) -> type[models.Model] | None:
    """The model a foreign key points at by primary key, or None for any other field."""
    if field is None or not (field.many_to_one or field.one_to_one):
        return None
    target = field.related_model
    return target if field.target_field == target._meta.pk else None


def _generic_key(model: type[models.Model] | None, key: str) -> GenericForeignKey | None:
    """The generic foreign key whose object id `key` holds (the version a signature signs)."""
    if model is None:
        return None
    for private in model._meta.private_fields:
        if isinstance(private, GenericForeignKey) and private.fk_field == key:
            return private
    return None


def _content_model(content_type_id) -> type[models.Model] | None:
    try:  # content types are cached by their manager: a query the first time only
        return ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (ContentType.DoesNotExist, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class _Recorded:
    """One key of an event's changes: before and after, or a single value (a detail)."""

    key: str
    field: models.Field | None
    label: str | None  # for a key that is no model field's: a generic key, a detail pointer
    values: list  # [old, new], or [value]
    is_change: bool
    targets: list  # the model each value points at, or None for a plain value
    full_names: bool  # a generic or detail pointer reads by the row's full name


def _recorded(model: type[models.Model] | None, changes: dict) -> Iterator[_Recorded]:
    for key in _in_form_order(model, changes):
        stored = changes[key]
        is_change = isinstance(stored, list) and len(stored) == 2
        values = stored if is_change else [stored]
        field = _field(model, key)
        label, full_names = None, False
        target = _points_at(field)
        targets = [target] * len(values)
        if target is None and key in DETAIL_POINTERS:
            label, target = DETAIL_POINTERS[key]
            targets, full_names = [target] * len(values), True
        generic = _generic_key(model, key) if target is None else None
        if generic is not None:
            kinds = changes.get(model._meta.get_field(generic.ct_field).attname)
            kinds = kinds if isinstance(kinds, list) and len(kinds) == len(values) else [kinds]
            targets = [_content_model(kind) for kind in kinds] * (len(values) // len(kinds))
            label, full_names = capfirst(generic.name), True
        yield _Recorded(key, field, label, values, is_change, targets, full_names)


def _want_rows_of(event: AuditEvent, rows: _Rows) -> None:
    model = _model_of(event.object_type)
    if model is not None and event.object_id:
        rows.want(model, event.object_id)
    if event.actor_id:
        rows.want(User, event.actor_id)
    if event.site_id:
        rows.want(Site, event.site_id)
    for recorded in _recorded(model, event.changes or {}):
        for target, value in zip(recorded.targets, recorded.values, strict=False):
            if target is not None and value is not None and value != REDACTED:
                rows.want(target, value)


# --- reading one event ----------------------------------------------------------------------


def _zone(event: AuditEvent, site, home) -> tuple[zoneinfo.ZoneInfo, str, str]:
    """(zone, its name, why) for an event: its site's, else the viewer's home site's, else UTC."""
    if site is not None:
        return site.zone, site.time_zone, ""
    if home is not None:
        return home.zone, home.time_zone, f"No site: shown in {home.code} time, your home site"
    return zoneinfo.ZoneInfo("UTC"), "UTC", "No site: shown in UTC"


def _readable(event: AuditEvent, *, rows: _Rows, viewer, home) -> ReadableEvent:
    model = _model_of(event.object_type)
    site = rows.get(Site, event.site_id) if event.site_id else None
    zone, zone_name, zone_note = _zone(event, site, home)
    record_type, record, record_url = _record(event, model, rows, viewer)
    actor_text, actor_url = _actor(event, rows, viewer)
    return ReadableEvent(
        event=event,
        action=ACTION_LABELS.get(event.action, event.action),
        when=local_time_text(event.at, zone, seconds=True),
        time_zone=zone_name,
        zone_note=zone_note,
        actor=actor_text,
        actor_url=actor_url,
        record_type=record_type,
        record=record,
        record_url=record_url,
        changes=tuple(_changes(event, model, rows, zone)),
        site_code=site.code if site is not None else "",
    )


def _record(event, model, rows: _Rows, viewer) -> tuple[str, str, str | None]:
    if model is None:
        return capfirst(event.object_type), capfirst(event.object_type), None
    record_type = capfirst(str(model._meta.verbose_name))
    obj = rows.get(model, event.object_id) if event.object_id else None
    if obj is None:
        fallback = f"{record_type} {event.object_id}".strip()
        return record_type, fallback, None
    naming = naming_for(model)
    return record_type, naming.name(obj), naming.link(obj, event, viewer)


def _actor(event, rows: _Rows, viewer) -> tuple[str, str | None]:
    """The person by name with the username as recorded; a command or task by its name."""
    person = rows.get(User, event.actor_id) if event.actor_id else None
    if person is None:
        return event.actor_name, None
    naming = naming_for(User)
    name = naming.name(person)
    text = name if name == event.actor_name else f"{name} ({event.actor_name})"
    return text, naming.link(person, event, viewer)


def _changes(event, model, rows: _Rows, zone) -> Iterator[ReadableChange]:
    creating = event.action == AuditAction.CREATE
    for recorded in _recorded(model, event.changes or {}):
        field = recorded.field
        naming = naming_for(field.model) if field is not None else DEFAULT
        if recorded.label:
            label = recorded.label
        elif field is not None:
            label = naming.field_label(field)
        else:
            label = capfirst(recorded.key.replace("_", " "))
        texts = [
            _value_text(value, field, naming, rows, zone, target, full_name=recorded.full_names)
            for value, target in zip(recorded.values, recorded.targets, strict=False)
        ]
        if recorded.is_change:
            yield ReadableChange(recorded.key, label, None if creating else texts[0], texts[1])
        else:  # a detail of the event, not a before and after: a signature's meaning
            yield ReadableChange(recorded.key, label, None, texts[0])


def _value_text(value, field, naming: Naming, rows: _Rows, zone, target, *, full_name) -> str:
    """A stored value as the forms show it: choice labels, names, Yes/No, local times."""
    if value is None or value == "" or value == []:
        return EMPTY
    if value == REDACTED:
        return "not recorded"
    if target is not None:
        obj = rows.get(target, value)
        if obj is None:
            return f"{capfirst(str(target._meta.verbose_name))} {value}"
        target_naming = naming_for(target)
        return target_naming.name(obj) if full_name else target_naming.value_name(obj)
    if field is None:
        return _plain(value)
    if field.name in naming.values:
        return naming.values[field.name](value)
    if field.choices:
        labels = dict(field.flatchoices)
        if isinstance(value, list):
            return ", ".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            return local_time_text(moment, zone)
    return _plain(value)


def _plain(value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value) or EMPTY
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in sorted(value.items())) or EMPTY
    return str(value)
