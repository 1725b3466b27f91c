"""Annotating missed days: staff say why a clinical day got no record ("unit not used",
"site closed"), which inspectors read beside the missed day."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError

from equipment.models import MissedOccurrence, Schedule
from imaging_ops.access.authority import roles_at
from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.text import has_bidi_controls
from imaging_ops.vocabulary import Role

COMMON_REASONS = (
    "Unit not used that day",
    "Site closed",
    "Unit out of service",
    "Recorded on paper; scanned copy attached elsewhere",
)
MAX_ANNOTATION = 300


def require_annotation(actor, schedule: Schedule) -> None:
    """May say why this schedule's days were missed: someone who may perform its procedure at
    the site (one of its performer roles, or any performer where it names none), or a manager
    of the site."""
    site_id = schedule.equipment.site_id
    require(actor, Action.PERFORM_RECORDS, site_id)
    if actor.is_superuser:
        return
    held = roles_at(actor, site_id)
    allowed = set(schedule.procedure.current_version.performer_roles or ())
    if not allowed or Role.MANAGER in held or held & allowed:
        return
    names = ", ".join(Role(role).label.lower() for role in sorted(allowed))
    raise PermissionDenied(
        f"Only those who perform {schedule.procedure.code} ({names}) or a manager of the site "
        "may annotate its missed days."
    )


def may_annotate(actor, schedule: Schedule) -> bool:
    """Whether the pages should offer to annotate this schedule's missed days."""
    try:
        require_annotation(actor, schedule)
    except PermissionDenied:
        return False
    return True


def annotate_missed(*, actor, occurrences, annotation: str, now: datetime) -> int:
    """Set the same annotation on each missed day (each one the actor may annotate, see
    `require_annotation`); answers how many changed. Saying it again replaces the earlier
    annotation, which the audit trail keeps."""
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
    for schedule in {o.schedule_id: o.schedule for o in occurrences}.values():
        require_annotation(actor, schedule)
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
