"""The audit mixin: the one sanctioned side effect. A regulated model records every create and
every field-level change (old and new values) in the audit trail, through the regulated
transaction helper, and refuses the writes that would bypass it: bulk update (unless only
audit-exempt, derived columns change), bulk create or update outside the audited helper, and
any delete — nothing regulated is hard-deleted; it is voided with a reason.
"""

import contextvars
from contextlib import contextmanager

from django.db import models

from imaging_ops.audit.trail import (
    AuditAction,
    RegulatedWriteError,
    jsonable,
    record_event,
    regulated_transaction,
)

REDACTED = "[redacted]"


def _copied(value):
    """JSON values are copied: they can be changed in place after they are read. A JSON value
    holds only dicts, lists and scalars, so a plain walk copies it (about three times faster
    than `copy.deepcopy`, which every loaded row of a regulated model pays)."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


_bulk_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "imaging_ops_bulk_allowed", default=False
)


@contextmanager
def audited_bulk_writes():
    """Allow bulk_create / bulk_update for code that records its own events for the rows."""
    token = _bulk_allowed.set(True)
    try:
        with regulated_transaction():
            yield
    finally:
        _bulk_allowed.reset(token)


class RegulatedQuerySet(models.QuerySet):
    def _exempt(self) -> frozenset[str]:
        return getattr(self.model, "audit_exempt_fields", frozenset())

    def update(self, **kwargs):
        if not _bulk_allowed.get() and not set(kwargs) <= self._exempt():
            changed = ", ".join(sorted(set(kwargs) - self._exempt()))
            raise RegulatedWriteError(
                f"{self.model.__name__}: a bulk update of {changed} would bypass the audit "
                "trail; change rows through their service."
            )
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        if not _bulk_allowed.get():
            raise RegulatedWriteError(
                f"{self.model.__name__}: bulk_create bypasses the audit trail; use "
                "audited_bulk_writes() and record the events."
            )
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if not _bulk_allowed.get() and not set(fields) <= self._exempt():
            raise RegulatedWriteError(
                f"{self.model.__name__}: bulk_update bypasses the audit trail."
            )
        return super().bulk_update(objs, fields, *args, **kwargs)

    def delete(self):
        raise RegulatedWriteError(
            f"{self.model.__name__} rows are never deleted; void them with a reason."
        )

    delete.alters_data = True
    delete.queryset_only = True


RegulatedManager = models.Manager.from_queryset(RegulatedQuerySet)


class RegulatedModel(models.Model):
    """Declares a model regulated: its writes are audited and it is never hard-deleted.

    `audit_exempt_fields` names derived columns (next due, reminder stage, timestamps) that may
    move without an event; `audit_redacted_fields` are recorded as changed, never by value.
    """

    audit_exempt_fields: frozenset[str] = frozenset()
    audit_redacted_fields: frozenset[str] = frozenset()

    objects = RegulatedManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        """Create, or update only the columns that changed since the row was read.

        Writing only what changed means an object read before someone else's change (a status
        change, say) can never put the old value back unseen: every column a save writes is a
        column whose change the audit event records.
        """
        creating = self._state.adding
        if not creating and not args and kwargs.get("update_fields") is None:
            changed = self._changed_attnames()
            if changed is not None:
                if not changed:
                    return
                kwargs["update_fields"] = changed
        with regulated_transaction():
            super().save(*args, **kwargs)
            changes = self._audit_changes(creating)
            if creating or changes:
                action = AuditAction.CREATE if creating else AuditAction.UPDATE
                # A service may name the update for what it is (a status change, an adoption).
                action = self.__dict__.pop("_audit_action", None) or action
                record_event(action, target=self, changes=changes, reason=self.audit_reason())
            self._audit_original = self._audit_snapshot()
            self._audit_loaded = self._raw_values()

    def delete(self, *args, **kwargs):
        raise RegulatedWriteError(
            f"{self._meta.verbose_name} records are never deleted; void them with a reason."
        )

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Keep the loaded values as they are; they take their event form only when a save needs
        # them (most rows are only read). JSON values are copied: they can change in place.
        instance._audit_loaded = loaded = dict(zip(field_names, values, strict=True))
        for name in cls._json_attnames():
            if name in loaded:
                loaded[name] = _copied(loaded[name])
        return instance

    @classmethod
    def _json_attnames(cls) -> tuple[str, ...]:
        """The model's JSON columns, the only loaded values that can change in place."""
        found = cls.__dict__.get("_audit_json_attnames")
        if found is None:
            found = tuple(
                f.attname for f in cls._meta.concrete_fields if isinstance(f, models.JSONField)
            )
            cls._audit_json_attnames = found
        return found

    def _raw_values(self) -> dict:
        deferred = self.get_deferred_fields()
        return {
            f.attname: _copied(getattr(self, f.attname))
            for f in self._meta.concrete_fields
            if f.attname not in deferred
        }

    def _changed_attnames(self) -> list[str] | None:
        """The columns whose values differ from those read (None when nothing was read)."""
        loaded = self.__dict__.get("_audit_loaded")
        if loaded is None:
            return None
        deferred = self.get_deferred_fields()
        changed = [
            f.attname
            for f in self._meta.concrete_fields
            if not f.primary_key
            and f.attname not in deferred
            and (f.attname not in loaded or loaded[f.attname] != getattr(self, f.attname))
        ]
        if changed:
            # auto_now columns move with any change.
            changed += [
                f.attname
                for f in self._meta.concrete_fields
                if getattr(f, "auto_now", False) and f.attname not in changed
            ]
        return changed

    def _audit_before(self) -> dict:
        """The values at load (or at the last save), in their event form."""
        original = self.__dict__.get("_audit_original")
        if original is None:
            loaded = self.__dict__.get("_audit_loaded", {})
            original = {
                f.attname: jsonable(loaded[f.attname])
                for f in self._audited_fields()
                if f.attname in loaded
            }
            self._audit_original = original
        return original

    def _audited_fields(self):
        deferred = self.get_deferred_fields()
        for field in self._meta.concrete_fields:
            if field.primary_key or field.attname in deferred:
                continue
            if field.name in self.audit_exempt_fields or field.attname in self.audit_exempt_fields:
                continue
            yield field

    def _audit_snapshot(self) -> dict:
        return {f.attname: jsonable(getattr(self, f.attname)) for f in self._audited_fields()}

    def _audit_changes(self, creating: bool) -> dict:
        before = {} if creating else self._audit_before()
        after = self._audit_snapshot()
        changes = {}
        for name, new in after.items():
            old = before.get(name)
            if creating or old != new:
                if name in self.audit_redacted_fields:
                    changes[name] = [None if creating else REDACTED, REDACTED]
                else:
                    changes[name] = [old, new]
        return changes

    def audit_reason(self) -> str:
        """The reason to record with the next write; services set `_audit_reason` when given."""
        return getattr(self, "_audit_reason", "")
