"""Writes of courses and requirements: create and change a site's course, require a course at
a site, retire a requirement with a reason.

Who may: managers of the site; its RSO for radiation-safety courses only (the "radiation-safety
courses" grant of the matrix, checked here on the course); the organisation catalog is shipped
data (`load_courses`) that system administrators edit.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError

from imaging_ops.access.permissions import (
    FULL,
    RADIATION_SAFETY_COURSES,
    Action,
    grants,
    require,
)
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.errors import Conflict
from imaging_ops.vocabulary import AreaClass, Modality, Role
from training.models import Course, CourseCategory, Requirement, RequirementBasis

COURSE_FIELDS = (
    "code",
    "title",
    "category",
    "validity_months",
    "citation",
    "description",
    "modalities",
    "area_classes",
    "roles",
    "verify_locally_note",
)


def require_manage_course(actor, *, site, category: str) -> None:
    """Managers of the site, or its RSO when the course is a radiation-safety course."""
    if site is None:
        if not actor.is_superuser:
            raise PermissionDenied(
                "The organisation catalog is shipped data that system administrators edit."
            )
        return
    grant = require(actor, Action.MANAGE_COURSES, site)
    if grant is FULL:
        return
    if grants(grant, RADIATION_SAFETY_COURSES) and category == CourseCategory.RADIATION_SAFETY:
        return
    raise PermissionDenied("As RSO you may manage radiation-safety courses only.")


def _clean_course(course: Course) -> None:
    course.code = (course.code or "").strip().upper()
    course.title = (course.title or "").strip()
    course.full_clean()


def create_course(*, actor, site, now: datetime, **content) -> Course:
    """A course of the site (or, for a system administrator, of the organisation catalog)."""
    unknown = set(content) - set(COURSE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field is not part of a course."))
    require_manage_course(actor, site=site, category=content.get("category", ""))
    course = Course(site=site, **content)
    _clean_course(course)
    with regulated_transaction(actor=actor):
        course.save()
    return course


def update_course(*, actor, course: Course, now: datetime, **changes) -> Course:
    """Change a course's fields; a catalog course edited here is marked locally modified, so
    `load_courses` never overwrites it."""
    unknown = set(changes) - set(COURSE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field is not part of a course."))
    require_manage_course(actor, site=course.site, category=course.category)
    if "category" in changes:
        require_manage_course(actor, site=course.site, category=changes["category"])
    for field, value in changes.items():
        setattr(course, field, value)
    if course.catalog_code:
        course.locally_modified = True
    _clean_course(course)
    with regulated_transaction(actor=actor):
        course.save()
    return course


def _subject_errors(basis: str, subject: str) -> dict:
    choices = {
        RequirementBasis.MODALITY: (Modality, "modality"),
        RequirementBasis.AREA_CLASS: (AreaClass, "area class"),
        RequirementBasis.ROLE: (Role, "role"),
    }
    if basis not in choices:
        return {"basis": "Choose whether the course is required for a modality, an area or a role."}
    vocabulary, name = choices[basis]
    if subject not in vocabulary.values:
        return {"subject": f"Choose the {name} the course is required for."}
    return {}


def create_requirement(
    *, actor, site, course: Course, basis: str, subject: str, now: datetime
) -> Requirement:
    """Require `course` at `site` for one modality, area class or role (`subject`)."""
    require_manage_course(actor, site=site, category=course.category)
    errors = _subject_errors(basis, subject)
    if course.site_id not in (None, site.pk):
        errors["course"] = "Choose a course of this site or of the organisation catalog."
    if errors:
        raise ValidationError(errors)
    requirement = Requirement(
        site=site,
        course=course,
        basis=basis,
        modality=subject if basis == RequirementBasis.MODALITY else "",
        area_class=subject if basis == RequirementBasis.AREA_CLASS else "",
        role=subject if basis == RequirementBasis.ROLE else "",
        created_at=now,
    )
    try:
        requirement.full_clean()
    except ValidationError as exc:
        if "__all__" in exc.message_dict:
            raise ValidationError({"subject": exc.message_dict["__all__"]}) from None
        raise
    with regulated_transaction(actor=actor):
        requirement.save()
    return requirement


def retire_requirement(*, actor, requirement: Requirement, reason: str, now: datetime):
    """The requirement no longer applies from now; it stays on record with the reason."""
    require_manage_course(actor, site=requirement.site, category=requirement.course.category)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the course is no longer required."})
    if requirement.retired_at is not None:
        raise Conflict("This requirement was already retired.")
    requirement.retired_at, requirement.retire_reason = now, reason
    requirement._audit_reason = reason
    with regulated_transaction(actor=actor):
        requirement.save(update_fields=["retired_at", "retire_reason"])
    return requirement
