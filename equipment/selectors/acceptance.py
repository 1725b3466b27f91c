"""Reads of acceptance notes shared by the equipment page, the API and the status gate."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch

from equipment.models import (
    AcceptanceNote,
    AcceptanceNoteVersion,
    AcceptanceOutcome,
    Equipment,
    EquipmentStatus,
)
from imaging_ops.models import Meaning, Signature
from imaging_ops.records.signatures import signature_is_valid

# The outcomes that let equipment into clinical use.
ACCEPTING_OUTCOMES = (AcceptanceOutcome.ACCEPTED, AcceptanceOutcome.ACCEPTED_WITH_CONDITIONS)


def acceptance_notes():
    """Notes with their versions, authors and signatures (with their sites, for the
    manifestation) in a constant number of queries, however many notes and signatures."""
    versions = (
        AcceptanceNoteVersion.objects.select_related("created_by")
        .prefetch_related(Prefetch("signatures", queryset=Signature.objects.select_related("site")))
        .order_by("number")
    )
    return AcceptanceNote.objects.select_related("equipment__site", "voided_by").prefetch_related(
        Prefetch("versions", queryset=versions)
    )


def _retired_at(equipment: Equipment):
    return (
        equipment.status_changes.filter(to_status=EquipmentStatus.RETIRED)
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )


def needs_acceptance(equipment: Equipment) -> tuple[bool, object]:
    """Whether the equipment has not been in service since it was entered (or since it was
    last retired), and when it was last retired (None if never)."""
    retired_at = _retired_at(equipment)
    in_service_since = equipment.status_changes.filter(to_status=EquipmentStatus.IN_SERVICE)
    if retired_at is not None:
        in_service_since = in_service_since.filter(changed_at__gt=retired_at)
    return not in_service_since.exists(), retired_at


def acceptance_blockers(equipment: Equipment) -> list[str]:
    """The acceptance gate. Equipment that has not been in service since it was entered (or
    since it was last retired) needs an acceptance note whose latest signed version says
    accepted, signed (Performed) since that retirement, whatever way it comes: straight from
    awaiting acceptance or by way of out of service."""
    needed, retired_at = needs_acceptance(equipment)
    if needed and not has_signed_acceptance(equipment, since=retired_at):
        return [
            "Record and sign an acceptance note (outcome accepted) before "
            + ("first clinical use." if retired_at is None else "returning it to service.")
        ]
    return []


def acceptance_date_on_entry(equipment: Equipment):
    """The date the signed acceptance note gives, when this entry into service is the one that
    acceptance opens (first clinical use, or a return from retirement); None otherwise, so a
    return from out of service keeps the date it has."""
    needed, retired_at = needs_acceptance(equipment)
    if not needed:
        return None
    version = signed_acceptance(equipment, since=retired_at)
    return version.accepted_on if version is not None else None


def has_signed_acceptance(equipment: Equipment, *, since=None) -> bool:
    """Whether the latest signed acceptance note (not voided; Performed signature still valid,
    made since `since`) says the equipment is accepted. A later rejection closes the gate."""
    return signed_acceptance(equipment, since=since) is not None


def signed_acceptance(equipment: Equipment, *, since=None) -> AcceptanceNoteVersion | None:
    """The version of the latest signed acceptance note (not voided; Performed signature still
    valid, made since `since`) when it says the equipment is accepted; None when there is none,
    or when the latest says rejected."""
    notes = AcceptanceNote.objects.filter(
        equipment=equipment, voided_at__isnull=True, current_version__isnull=False
    ).select_related("current_version", "current_version__note")
    versions = {note.current_version_id: note.current_version for note in notes}
    if not versions:
        return None
    signatures = Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(AcceptanceNoteVersion),
        object_id__in=versions,
        meaning=Meaning.PERFORMED,
    ).order_by("-signed_at", "-pk")
    if since is not None:
        signatures = signatures.filter(signed_at__gte=since)
    latest = next(
        (sig for sig in signatures if signature_is_valid(sig, versions[sig.object_id])), None
    )
    if latest is None:
        return None
    version = versions[latest.object_id]
    return version if version.outcome in ACCEPTING_OUTCOMES else None
