"""How the audit trail names training's records: courses by code, requirements by what they
require, sessions by course and day, training records by course and person, with their pages.

Registered from TrainingConfig.ready; the core names them through imaging_ops.audit.names and
never imports this app.
"""

from django.urls import reverse

from imaging_ops.access.permissions import Action, can
from imaging_ops.audit.names import register
from training.forms.courses import CourseForm
from training.models import (
    Course,
    Requirement,
    TrainingRecord,
    TrainingRecordVersion,
    TrainingSession,
)


def _record_page(record_id: int, site_id: int, viewer) -> str | None:
    if not can(viewer, Action.VIEW_RECORDS, site_id):
        return None
    return reverse("training:record", kwargs={"pk": record_id})


def _person(user) -> str:
    return user.full_name or user.username


def register_audit_names() -> None:
    register(
        Course,
        related=("site",),
        name=lambda c: f"Course {c.code} ({c.site.code if c.site_id else 'catalog'})",
        as_value=lambda c: c.code,
        forms=(CourseForm,),
    )
    register(
        Requirement,
        related=("course",),
        name=lambda r: f"Requirement: {r.course.code} {r.subject_label}",
    )
    register(
        TrainingSession,
        related=("course",),
        name=lambda s: f"Training session {s.course.code} on {s.held_on:%Y-%m-%d}",
    )
    register(
        TrainingRecord,
        related=("course", "person"),
        name=lambda r: f"Training record {r.course.code} for {_person(r.person)}",
        link=lambda r, event, viewer: _record_page(r.pk, r.site_id, viewer),
    )
    register(
        TrainingRecordVersion,
        related=("record__course", "record__person"),
        name=lambda v: (
            f"Training record {v.record.course.code} for {_person(v.record.person)}, "
            f"version {v.number}"
        ),
        as_value=lambda v: f"version {v.number}",
        link=lambda v, event, viewer: _record_page(v.record_id, v.record.site_id, viewer),
    )
