"""Annotating missed days: staff say why a clinical day got no record ("unit not used",
"site closed"), which inspectors read beside the missed day."""

from datetime import datetime

from django.core.exceptions import ValidationError

from equipment.models import MissedOccurrence
from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.text import has_bidi_controls

COMMON_REASONS = (
    "Unit not used that day",
    "Site closed",
    "Unit out of service",
    "Recorded on paper; scanned copy attached elsewhere",
)
MAX_ANNOTATION = 300


def annotate_missed(*, actor, occurrences, annotation: str, now: datetime) -> int:
    """Set the same annotation on each missed day (all at sites where the actor may record
    work); answers how many changed. Saying it again replaces the earlier annotation, which
    the audit trail keeps."""
    occurrences = list(occurrences)
    annotation = (annotation or "").strip()
    errors = {}
    if not occurrences:
        errors["occurrences"] = "Choose the missed days to annotate."
    if not annotation:
        errors["annotation"] = "Say why the work was not done, e.g. “Unit not used that day”."
    elif len(annotation) > MAX_ANNOTATION:
        errors["annotation"] = f"Keep the annotation under {MAX_ANNOTATION} characters."
    elif has_bidi_controls(annotation):
        errors["annotation"] = "Remove the invisible text-direction characters."
    if errors:
        raise ValidationError(errors)
    for site_id in {o.schedule.equipment.site_id for o in occurrences}:
        require(actor, Action.PERFORM_RECORDS, site_id)
    changed = 0
    with regulated_transaction(actor=actor):
        for occurrence in MissedOccurrence.objects.select_for_update().filter(
            pk__in=[o.pk for o in occurrences]
        ):
            if occurrence.annotation == annotation:
                continue
            occurrence.annotation = annotation
            occurrence.annotated_at, occurrence.annotated_by = now, actor
            occurrence._audit_reason = annotation
            occurrence.save()
            changed += 1
    return changed
