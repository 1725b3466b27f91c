"""The competency matrix: people by required courses, each cell current, expiring within 30
days, expired or missing at its boundaries, filtered, in a constant number of queries."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imaging_ops.vocabulary import Role
from tests import factories
from tests.training.conftest import NOW, TODAY, train
from training.expiry import TrainingStatus
from training.selectors.matrix import NOT_REQUIRED, competency_matrix
from training.services.courses import create_course, create_requirement

pytestmark = pytest.mark.django_db


def cells(matrix):
    return {row.person.username: [c.status for c in row.cells] for row in matrix.rows}


@pytest.mark.parametrize(
    ("held_on", "status"),
    [
        (TODAY, TrainingStatus.CURRENT),
        # Expires 2026-04-03: 30 days after today — expiring.
        (date(2025, 4, 3), TrainingStatus.EXPIRING),
        # Expires 2026-04-04: 31 days after today — still current.
        (date(2025, 4, 4), TrainingStatus.CURRENT),
        # Expires today: expiring, still current.
        (date(2025, 3, 4), TrainingStatus.EXPIRING),
        # Expired yesterday.
        (date(2025, 3, 3), TrainingStatus.EXPIRED),
    ],
)
def test_cells_at_their_boundaries(tech, physicist, site_a, ct_dose, held_on, status):
    train(physicist, site_a, ct_dose, tech, held_on=held_on)
    assert cells(competency_matrix(site_a, on=TODAY))["tess"] == [status]


def test_nobody_trained_is_missing_and_inspectors_are_not_listed(tech, inspector, site_a, ct_dose):
    # The manager made the course: people with a role at the site, inspectors aside.
    assert cells(competency_matrix(site_a, on=TODAY)) == {
        "tess": [TrainingStatus.MISSING],
        "max": [TrainingStatus.MISSING],
    }


def test_a_role_requirement_applies_to_its_holders_only(tech, physicist, manager, site_a, ct_dose):
    rso_course = create_course(
        actor=manager, site=site_a, now=NOW, code="PHYS", title="Physics", category="other"
    )
    create_requirement(
        actor=manager, site=site_a, course=rso_course, basis="role", subject="physicist", now=NOW
    )
    matrix = competency_matrix(site_a, on=TODAY)
    assert [c.code for c in matrix.courses] == ["CT-DOSE", "PHYS"]
    assert cells(matrix)["tess"] == [TrainingStatus.MISSING, NOT_REQUIRED]
    assert cells(matrix)["phil"] == [TrainingStatus.MISSING, TrainingStatus.MISSING]


def test_filters_by_status_role_and_name(tech, person, physicist, site_a, ct_dose):
    person(Role.TECHNICIAN, site_a, username="untrained")
    train(physicist, site_a, ct_dose, tech)
    assert set(cells(competency_matrix(site_a, on=TODAY, status="missing"))) == {
        "untrained",
        "phil",
        "max",
    }
    assert set(cells(competency_matrix(site_a, on=TODAY, role="physicist"))) == {"phil"}
    assert set(cells(competency_matrix(site_a, on=TODAY, q="untr"))) == {"untrained"}


def _people(site, count, start=0):
    made = []
    for i in range(start, start + count):
        user = factories.UserFactory(username=f"p{i:04d}")
        factories.MembershipFactory(user=user, site=site, role=Role.TECHNICIAN)
        made.append(user)
    return made


def test_the_matrix_runs_a_constant_number_of_queries(manager, physicist, site_a):
    courses = []
    for i in range(10):
        course = create_course(
            actor=manager,
            site=site_a,
            now=NOW,
            code=f"C{i}",
            title=f"Course {i}",
            category="other",
            validity_months=12,
        )
        create_requirement(
            actor=manager, site=site_a, course=course, basis="role", subject="technician", now=NOW
        )
        courses.append(course)
    few = _people(site_a, 3)
    train(physicist, site_a, courses[0], *few)
    competency_matrix(site_a, on=TODAY)  # warm up
    with CaptureQueriesContext(connection) as small:
        competency_matrix(site_a, on=TODAY)
    many = _people(site_a, 197, start=3)
    train(physicist, site_a, courses[1], *many)
    train(physicist, site_a, courses[2], *many[:100], held_on=TODAY - timedelta(days=360))
    with CaptureQueriesContext(connection) as large:
        matrix = competency_matrix(site_a, on=TODAY)
    assert len(matrix.rows) == 202  # 200 technicians, the manager and the physicist
    assert len(matrix.courses) == 10
    assert len(large) == len(small)
