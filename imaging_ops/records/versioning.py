"""Versioned regulated records: a stable identity, immutable version rows, a current pointer.

A record type declares two concrete models:

- the identity, subclassing `VersionedRecord`, with its own foreign keys (e.g. the equipment)
  and `current_version = models.OneToOneField(<Version>, null=True, on_delete=PROTECT,
  related_name="+")`, so schedules and work orders point at the identity and never at a
  superseded version;
- the version, subclassing `RecordVersion`, with a foreign key to the identity named by
  `record_field` and `related_name="versions"`, a unique (record, number) constraint, its
  content fields and `record_content()`.

Versions are written only by the services below. A signed version never changes: an amendment
is a new version with a reason, both kept; a record is voided with a reason, never deleted.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from imaging_ops.access.permissions import (
    FULL,
    OWN_BEFORE_REVIEW,
    RADIATION_RECORDS,
    Action,
    grants,
    require,
)
from imaging_ops.access.site_paths import site_id_of
from imaging_ops.audit.mixin import RegulatedModel
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.errors import Conflict
from imaging_ops.models import Meaning, Signature

REVIEW_MEANINGS = frozenset({Meaning.REVIEWED, Meaning.APPROVED})


class VersionedRecord(RegulatedModel):
    """The stable identity of a regulated record. Voided with a reason, never deleted."""

    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    void_reason = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    def version_history(self) -> list:
        """All versions, oldest first; from the prefetch of `versions` when there is one."""
        return sorted(self.versions.all(), key=lambda version: version.number)

    def current(self):
        """The current version, picked from the prefetched versions (no query when loaded)."""
        for version in self.versions.all():
            if version.pk == self.current_version_id:
                return version
        return None

    def is_radiation_record(self) -> bool:
        """Whether the RSO's "radiation records" grant covers this record; none by default."""
        return False


class RecordVersion(RegulatedModel):
    """One immutable version of a record: what it said, who wrote it, and why it was amended.

    `signed_content()` is what a signature's hash covers: this version's identity (record type,
    record, version id and number, author, amendment reason) and `record_content()`, the
    record's own fields. Workflow state (void flag, review status) is not part of it.
    """

    record_field: str = "record"
    # The meanings a signature on this kind of record may carry, in the order the dialog lists.
    signature_meanings: tuple[str, ...] = tuple(Meaning.values)

    number = models.PositiveIntegerField(editable=False)
    created_at = models.DateTimeField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, editable=False, related_name="+"
    )
    amendment_reason = models.TextField(blank=True, editable=False)
    signatures = GenericRelation(Signature, content_type_field="content_type")

    class Meta:
        abstract = True
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.record} v{self.number}"

    @property
    def record(self):
        return getattr(self, self.record_field)

    @property
    def record_id(self):
        return getattr(self, f"{self.record_field}_id")

    def record_content(self) -> dict:
        """The record's own fields as plain values; each record type implements it."""
        raise NotImplementedError(f"{type(self).__name__} must implement record_content()")

    def signed_content(self) -> dict:
        return {
            "record_type": self._meta.label_lower,
            "record_id": self.record_id,
            "version_id": self.pk,
            "number": self.number,
            "created_at": self.created_at,
            "created_by_id": self.created_by_id,
            "amendment_reason": self.amendment_reason,
            "content": self.record_content(),
        }

    def has_signatures(self) -> bool:
        if "signatures" in getattr(self, "_prefetched_objects_cache", {}):
            return bool(self._prefetched_objects_cache["signatures"])
        return Signature.objects.filter(
            content_type=ContentType.objects.get_for_model(type(self)), object_id=self.pk
        ).exists()

    def save(self, *args, **kwargs):
        # Refuses only; the services say why earlier and offer an amendment instead.
        if not self._state.adding and self.pk is not None:
            fresh = Signature.objects.filter(
                content_type=ContentType.objects.get_for_model(type(self)), object_id=self.pk
            )
            if fresh.exists():
                raise Conflict(signed_version_message(self))
        super().save(*args, **kwargs)


def signed_version_message(version) -> str:
    """Why a signed version refuses a change, and the way forward: said here for every page."""
    return (
        f"Version {version.number} is signed and cannot change: its signatures cover exactly "
        "what it says. Amend the record with a reason instead; both versions are kept."
    )


def voided_record_message(record) -> str:
    """Why a voided record refuses any change: said here for every page."""
    return (
        f"This record was voided on {record.voided_at:%Y-%m-%d} ({record.void_reason}); "
        "it is kept as it was and cannot change."
    )


# --- Who may do what to a record ------------------------------------------------------------


def record_site_id(record) -> int:
    return site_id_of(record)


def _reviewed(version) -> bool:
    return any(s.meaning in REVIEW_MEANINGS for s in version.signatures.all())


def require_amend(actor, record) -> None:
    """Amend or void: FULL grant, an RSO on a radiation record, or a technician's own record
    before review (own: the author of the current version)."""
    grant = require(actor, Action.AMEND_RECORDS, record_site_id(record))
    if grant is FULL:
        return
    version = record.current_version
    if grants(grant, RADIATION_RECORDS) and record.is_radiation_record():
        return
    if (
        grants(grant, OWN_BEFORE_REVIEW)
        and version is not None
        and version.created_by_id == actor.pk
    ):
        if _reviewed(version):
            raise PermissionDenied(
                "This record has been reviewed: only a physicist or manager may amend or void it."
            )
        return
    raise PermissionDenied("You may amend or void only your own records, before they are reviewed.")


def require_edit_draft(actor, record) -> None:
    """Change an unsigned version in place: its author (still allowed to perform records here)
    or anyone who may amend the record."""
    version = record.current_version
    if version is not None and version.created_by_id == actor.pk:
        require(actor, Action.PERFORM_RECORDS, record_site_id(record))
        return
    require_amend(actor, record)


# --- Services ---------------------------------------------------------------------------------


def _require_open(record) -> None:
    if record.is_voided:
        raise Conflict(voided_record_message(record))


def _clean(obj) -> None:
    """Model validation (field choices, lengths, constraints) as field errors."""
    obj.full_clean(exclude=[obj.record_field] if isinstance(obj, RecordVersion) else None)


def create_record(*, record: VersionedRecord, version: RecordVersion, actor, now):
    """Save a new record with its first version and point the record at it."""
    version.number = 1
    version.created_at = now
    version.created_by = actor
    version.amendment_reason = ""
    _clean(version)
    with regulated_transaction(actor=actor):
        record.save()
        setattr(version, version.record_field, record)
        version.save()
        record.current_version = version
        record.save(update_fields=["current_version"])
    return record


def _locked(record):
    """The record re-read under a row lock, so two writers cannot both pass the checks."""
    return type(record).objects.select_for_update().get(pk=record.pk)


def update_draft(*, record: VersionedRecord, changes: dict, actor, now=None):
    """Change the unsigned current version in place (a draft); a signed one raises Conflict."""
    with regulated_transaction(actor=actor):
        current = _locked(record)
        _require_open(current)
        version = (
            type(record.current_version)
            .objects.select_for_update()
            .get(pk=current.current_version_id)
        )
        if version.has_signatures():
            raise Conflict(signed_version_message(version))
        for field, value in changes.items():
            setattr(version, field, value)
        _clean(version)
        version.save()
    record.current_version = version
    return version


def amend_record(*, record: VersionedRecord, version: RecordVersion, reason: str, actor, now):
    """A new version with a reason becomes current; the earlier versions stay as they were."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for the amendment."})
    with regulated_transaction(actor=actor):
        current = _locked(record)
        _require_open(current)
        previous = current.current_version
        version.number = previous.number + 1
        version.created_at = now
        version.created_by = actor
        version.amendment_reason = reason
        setattr(version, version.record_field, current)
        _clean(version)
        version.save()
        current.current_version = version
        current._audit_reason = reason
        current.save(update_fields=["current_version"])
        record_event(
            AuditAction.AMEND,
            target=current,
            reason=reason,
            changes={"version": [previous.number, version.number]},
        )
    record.current_version = version
    return version


def void_record(*, record: VersionedRecord, reason: str, actor, now):
    """Mark the record void with a reason; it stays, with all its versions and signatures."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for voiding this record."})
    with regulated_transaction(actor=actor):
        current = _locked(record)
        _require_open(current)
        current.voided_at = now
        current.voided_by = actor
        current.void_reason = reason
        current._audit_reason = reason
        current.save(update_fields=["voided_at", "voided_by", "void_reason"])
        record_event(AuditAction.VOID, target=current, reason=reason)
    record.voided_at, record.voided_by, record.void_reason = now, actor, reason
    return record
