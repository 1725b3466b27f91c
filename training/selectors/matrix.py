"""The competency matrix of a site: its people by the courses it requires, each cell current,
expiring within 30 days, expired or missing (or not required of that person).

A course required for a role is required of the people who hold that role at the site; one
required for a modality or an area class of everyone who works there (inspectors read, they
are not in the matrix). Four queries whatever the number of people and courses: the
requirements, the memberships, the people, and their completions.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from imaging_ops.models import SiteMembership, User
from imaging_ops.vocabulary import Role
from training.expiry import TrainingStatus, status_on
from training.models import Course, RequirementBasis
from training.selectors.qualifications import latest_expiries, requirements_in_force

NOT_REQUIRED = "not_required"


@dataclass(slots=True)
class Cell:
    course: Course
    status: str  # a TrainingStatus, or NOT_REQUIRED
    expires_on: date | None = None
    held: bool = False

    @property
    def label(self) -> str:
        if self.status == NOT_REQUIRED:
            return "Not required"
        return TrainingStatus(self.status).label


@dataclass
class Row:
    person: User
    roles: list[str]
    cells: list[Cell] = field(default_factory=list)

    @property
    def role_labels(self) -> str:
        return ", ".join(Role(r).label for r in self.roles)

    def has(self, status: str) -> bool:
        return any(cell.status == status for cell in self.cells)


@dataclass
class Matrix:
    courses: list[Course]
    rows: list[Row]
    on: date

    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys(TrainingStatus.values, 0)
        for row in self.rows:
            for cell in row.cells:
                if cell.status in totals:
                    totals[cell.status] += 1
        return totals


def competency_matrix(
    site, *, on: date, course_id=None, role: str = "", status: str = "", q: str = ""
) -> Matrix:
    """The matrix on day `on`; filters: one course's column, people holding `role`, people
    with at least one cell in `status`, and a name or username containing `q`."""
    requirements = list(requirements_in_force(site))
    courses_by_id = {r.course_id: r.course for r in requirements}
    if course_id:
        courses_by_id = {k: v for k, v in courses_by_id.items() if k == course_id}
    courses = sorted(courses_by_id.values(), key=lambda c: c.code)
    for_everyone = {r.course_id for r in requirements if r.basis != RequirementBasis.ROLE} & set(
        courses_by_id
    )
    for_role: dict[str, set[int]] = {}
    for r in requirements:
        if r.basis == RequirementBasis.ROLE and r.course_id in courses_by_id:
            for_role.setdefault(r.role, set()).add(r.course_id)

    in_force = SiteMembership.objects.in_force(on).filter(site=site).exclude(role=Role.INSPECTOR)
    roles_of: dict[int, set[str]] = {}
    for user_id, held_role in in_force.values_list("user_id", "role"):
        roles_of.setdefault(user_id, set()).add(held_role)
    # Subqueries, not lists of ids: a site of thousands stays within every engine's limits.
    members = in_force.filter(role=role) if role else in_force
    people = User.objects.filter(pk__in=members.values("user_id"), is_active=True)
    for word in (q or "").split():
        people = people.filter(Q(full_name__icontains=word) | Q(username__icontains=word))
    held = latest_expiries(people.values("pk"), list(courses_by_id), on=on) if courses else {}
    people = list(people.order_by("full_name", "username"))

    rows = []
    for person in people:
        person_roles = sorted(roles_of[person.pk])
        required = set(for_everyone)
        for held_role in person_roles:
            required |= for_role.get(held_role, set())
        row = Row(person=person, roles=person_roles)
        for course in courses:
            key = (person.pk, course.pk)
            if course.pk not in required:
                row.cells.append(Cell(course=course, status=NOT_REQUIRED))
                continue
            expiry = held.get(key)
            row.cells.append(
                Cell(
                    course=course,
                    status=status_on(expiry, on, held=key in held),
                    expires_on=expiry,
                    held=key in held,
                )
            )
        if status and not row.has(status):
            continue
        rows.append(row)
    return Matrix(courses=courses, rows=rows, on=on)
