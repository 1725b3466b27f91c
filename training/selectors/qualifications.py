"""Who is qualified for what: the one place that answers it.

`missing_qualifications` is what the equipment side asks before a signature for a modality,
and what the authorization lists of restricted areas and MRI zones are built from. A person is
qualified for a required course on a day when they hold a training record of it that counts
(passed, signed by the instructor, not voided), completed on or before the day and not expired
on it. Training records count wherever they were recorded: training belongs to the person.
"""

from collections import defaultdict
from datetime import date

from django.db.models import Q

from imaging_ops.models import SiteMembership, User
from training.expiry import is_current
from training.models import Course, Requirement, RequirementBasis, TrainingRecord


def requirements_in_force(site):
    return Requirement.objects.filter(site=site, retired_at__isnull=True).select_related("course")


def _required_courses(site, *, modality=None, area_class=None, role=None) -> list[Course]:
    subjects = Q(pk__in=[])
    if modality:
        subjects |= Q(basis=RequirementBasis.MODALITY, modality=modality)
    if area_class:
        subjects |= Q(basis=RequirementBasis.AREA_CLASS, area_class=area_class)
    if role:
        subjects |= Q(basis=RequirementBasis.ROLE, role=role)
    courses = {r.course_id: r.course for r in requirements_in_force(site).filter(subjects)}
    return sorted(courses.values(), key=lambda course: course.code)


def latest_expiries(people_ids, course_ids, *, on: date) -> dict[tuple[int, int], date | None]:
    """For each (person, course) with a completion that counts by `on`, its furthest expiry
    (None: never expires). One query however many people and courses."""
    rows = TrainingRecord.objects.filter(
        person_id__in=people_ids, course_id__in=course_ids, counts=True, completed_on__lte=on
    ).values_list("person_id", "course_id", "expires_on")
    best: dict[tuple[int, int], date | None] = {}
    for person_id, course_id, expiry in rows:
        key = (person_id, course_id)
        if key not in best or (best[key] is not None and (expiry is None or expiry > best[key])):
            best[key] = expiry
    return best


def missing_qualifications(
    person, *, site, on: date, modality=None, area_class=None, role=None
) -> list[Course]:
    """The courses `site` requires for `modality`, `area_class` or `role` that `person` does
    not hold current on `on`, by code; empty when they are qualified (or nothing is required).
    """
    required = _required_courses(site, modality=modality, area_class=area_class, role=role)
    if not required:
        return []
    held = latest_expiries([person.pk], [c.pk for c in required], on=on)
    return [
        course
        for course in required
        if (person.pk, course.pk) not in held or not is_current(held[(person.pk, course.pk)], on)
    ]


def missing_message(missing: list[Course], *, what: str) -> str:
    """The sentence a refusal shows: which courses, by code and title."""
    names = "; ".join(f"{course.code} ({course.title})" for course in missing)
    return f"Current training is required {what}: {names}."


def authorization_list(site, *, area_class: str, on: date) -> tuple[list[Course], list]:
    """The people at `site` authorized to enter `area_class` on `on`: those who hold every
    course the site requires for it, current. With no course required the list is empty: an
    authorization list exists only where training authorizes. Two queries besides the
    requirements'."""
    required = _required_courses(site, area_class=area_class)
    if not required:
        return [], []
    members = SiteMembership.objects.in_force(on).filter(site=site).values("user_id")
    held = latest_expiries(members, [c.pk for c in required], on=on)
    member_ids = {person_id for person_id, _ in held}
    expiry_of: dict[int, list] = defaultdict(list)
    authorized_ids = []
    for person_id in member_ids:
        expiries = [held.get((person_id, c.pk), "missing") for c in required]
        if all(e != "missing" and is_current(e, on) for e in expiries):
            authorized_ids.append(person_id)
            expiry_of[person_id] = [e for e in expiries if e is not None]
    people = list(
        User.objects.filter(pk__in=authorized_ids, is_active=True).order_by("full_name", "username")
    )
    for person in people:
        dates = expiry_of[person.pk]
        person.authorized_until = min(dates) if dates else None
    return required, people
