"""Writes of acceptance notes: create, edit the unsigned draft, amend, void and sign.

Pages and the API call these; the versioning rules (a signed version never changes, amendments
and voids need a reason) live in imaging_ops.records.versioning, the signing rules in
imaging_ops.records.signatures.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError

from equipment.models import AcceptanceNote, AcceptanceNoteVersion, AcceptanceOutcome, Equipment
from equipment.services.facts import EARLIEST_PLAUSIBLE_DATE
from imaging_ops.access.permissions import Action, require
from imaging_ops.errors import Conflict
from imaging_ops.records.signatures import sign_record
from imaging_ops.records.versioning import (
    amend_record,
    create_record,
    require_amend,
    require_edit_draft,
    update_draft,
    void_record,
)

CONTENT_FIELDS = ("accepted_on", "summary", "tests_performed", "outcome", "conditions")


def validate_acceptance_content(content: dict, *, equipment: Equipment, now: datetime) -> dict:
    """Trimmed text, and the rules a form and the API share, as field errors. The services ask
    this first; a form that did not parse asks it about the fields that did."""
    cleaned = {
        key: value.strip() if isinstance(value, str) else value for key, value in content.items()
    }
    unknown = set(cleaned) - set(CONTENT_FIELDS)
    if unknown:
        raise ValidationError(
            dict.fromkeys(unknown, "This field is not part of an acceptance note.")
        )
    errors = {}
    accepted_on = cleaned.get("accepted_on")
    today = equipment.site.today(now)
    if isinstance(accepted_on, date) and accepted_on > today:
        errors["accepted_on"] = "The acceptance date cannot be in the future."
    elif isinstance(accepted_on, date) and accepted_on < EARLIEST_PLAUSIBLE_DATE:
        errors["accepted_on"] = f"{accepted_on:%Y-%m-%d} is before 1950: check the year."
    outcome = cleaned.get("outcome")
    if outcome == AcceptanceOutcome.ACCEPTED_WITH_CONDITIONS and not cleaned.get("conditions"):
        errors["conditions"] = "Say which conditions the acceptance is subject to."
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_acceptance_note(*, actor, equipment: Equipment, now: datetime, **content):
    """A new acceptance note for the equipment, with its first (unsigned) version."""
    require(actor, Action.PERFORM_RECORDS, equipment.site_id)
    content = validate_acceptance_content(content, equipment=equipment, now=now)
    note = AcceptanceNote(equipment=equipment)
    version = AcceptanceNoteVersion(**content)
    version.note = note
    return create_record(record=note, version=version, actor=actor, now=now)


def update_acceptance_draft(*, actor, note: AcceptanceNote, now: datetime, **changes):
    """Change the current version while nobody has signed it; a signed one raises Conflict."""
    require_edit_draft(actor, note)
    changes = validate_acceptance_content(
        {**_current_content(note), **changes}, equipment=note.equipment, now=now
    )
    return update_draft(record=note, changes=changes, actor=actor, now=now)


def amend_acceptance_note(*, actor, note: AcceptanceNote, reason: str, now: datetime, **changes):
    """A new version (fields not given are carried over) with the reason; both are kept."""
    require_amend(actor, note)
    content = validate_acceptance_content(
        {**_current_content(note), **changes}, equipment=note.equipment, now=now
    )
    return amend_record(
        record=note, version=AcceptanceNoteVersion(**content), reason=reason, actor=actor, now=now
    )


def void_acceptance_note(*, actor, note: AcceptanceNote, reason: str, now: datetime):
    require_amend(actor, note)
    return void_record(record=note, reason=reason, actor=actor, now=now)


def sign_acceptance_note(
    *,
    note: AcceptanceNote,
    signer,
    meaning: str,
    password: str,
    now: datetime,
    version_number: int | None = None,
    **how,
):
    """Sign the note's current version; `version_number`, when given, must still be current,
    so nobody signs a version other than the one they read."""
    version = note.current_version
    if version_number is not None and version.number != version_number:
        raise Conflict(
            f"Version {version_number} is no longer current: the note is at version "
            f"{version.number}. Read it before signing."
        )
    return sign_record(
        version=version, signer=signer, meaning=meaning, password=password, now=now, **how
    )


def _current_content(note: AcceptanceNote) -> dict:
    version = note.current_version
    return {field: getattr(version, field) for field in CONTENT_FIELDS}
