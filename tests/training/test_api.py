"""The training API: records with filters (person, course, site, status), sessions recorded
with their attendance, the matrix; 400 with field errors, 403, 404 outside your sites; lists
in a constant number of queries."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imaging_ops.vocabulary import Role
from tests import factories
from tests.training.conftest import NOW, train
from training.models import TrainingRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_noon_on_the_4th():
    # Status filters and the matrix read "today": Alpha's 2026-03-04.
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def trained(tech, person, physicist, site_a, ct_dose):
    old = person(Role.TECHNICIAN, site_a, username="old")
    train(physicist, site_a, ct_dose, tech)
    train(physicist, site_a, ct_dose, old, held_on=date(2024, 1, 10))
    return tech, old


def test_records_filter_by_person_and_status(api, manager, trained, ct_dose):
    tech, old = trained
    api.force_authenticate(manager)
    everyone = api.get("/api/v1/training-records/").json()["results"]
    assert {r["person"] for r in everyone} == {tech.pk, old.pk}
    current = api.get("/api/v1/training-records/", {"status": "current"}).json()["results"]
    assert [r["person"] for r in current] == [tech.pk]
    expired = api.get("/api/v1/training-records/", {"status": "expired"}).json()["results"]
    assert [r["person"] for r in expired] == [old.pk]
    mine = api.get("/api/v1/training-records/", {"person": tech.pk, "course": ct_dose.pk})
    (row,) = mine.json()["results"]
    assert row["signatures"][0]["valid"] and row["signatures"][0]["meaning"] == "performed"


def test_a_bad_filter_is_a_field_error(api, manager, trained):
    api.force_authenticate(manager)
    response = api.get("/api/v1/training-records/", {"status": "soon"})
    assert response.status_code == 400 and "status" in response.json()


def test_another_sites_records_are_not_found(api, person, site_b, trained):
    api.force_authenticate(person(Role.MANAGER, site_b, username="bmgr"))
    assert api.get("/api/v1/training-records/").json()["results"] == []
    record = TrainingRecord.objects.first()
    assert api.get(f"/api/v1/training-records/{record.pk}/").status_code == 404


def test_the_records_list_runs_a_constant_number_of_queries(
    api, manager, physicist, site_a, ct_dose
):
    api.force_authenticate(manager)
    people = [factories.MembershipFactory(site=site_a, role=Role.TECHNICIAN).user for _ in range(2)]
    train(physicist, site_a, ct_dose, *people)
    api.get("/api/v1/training-records/")
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/training-records/")
    more = [factories.MembershipFactory(site=site_a, role=Role.TECHNICIAN).user for _ in range(20)]
    train(physicist, site_a, ct_dose, *more)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/training-records/").json()["results"]) == 22
    assert len(many) == len(few)


def _session(site, course, people, **extra):
    return {
        "site": site.pk,
        "course": course.pk,
        "held_on": "2026-03-01",
        "attendees": [{"person": p.pk} for p in people],
        "username": extra.pop("username", "tess"),
        "password": factories.PASSWORD,
        "acknowledge_policy": True,
        **extra,
    }


def test_a_session_is_recorded_through_the_api(api, tech, person, site_a, ct_dose):
    people = [person(Role.TECHNICIAN, site_a, username=f"n{i}") for i in range(3)]
    api.force_authenticate(tech)
    response = api.post(
        "/api/v1/training-sessions/", _session(site_a, ct_dose, people), format="json"
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["records"]) == 3


def test_a_bad_session_answers_400_with_field_errors(api, tech, site_a, ct_dose):
    api.force_authenticate(tech)
    payload = _session(site_a, ct_dose, [], held_on="2030-01-01")
    response = api.post("/api/v1/training-sessions/", payload, format="json")
    assert response.status_code == 400
    assert {"held_on", "attendees"} <= set(response.json())
    assert not TrainingRecord.objects.exists()


def test_a_trainee_is_refused_403(api, person, tech, site_a, ct_dose):
    trainee = person(Role.TECHNICIAN, site_a, username="learner", is_trainee=True)
    api.force_authenticate(trainee)
    payload = _session(site_a, ct_dose, [tech], username="learner")
    assert api.post("/api/v1/training-sessions/", payload, format="json").status_code == 403


def test_the_matrix_endpoint(api, manager, trained, site_a, site_b):
    tech, old = trained
    api.force_authenticate(manager)
    body = api.get("/api/v1/training-matrix/", {"site": site_a.pk}).json()
    assert [c["code"] for c in body["courses"]] == ["CT-DOSE"]
    statuses = {p["person"]: p["cells"][0]["status"] for p in body["people"]}
    assert statuses[tech.pk] == "current" and statuses[old.pk] == "expired"
    assert api.get("/api/v1/training-matrix/").status_code == 400
    assert api.get("/api/v1/training-matrix/", {"site": site_b.pk}).status_code == 404


def test_a_manager_creates_a_course_and_requires_it_through_the_api(api, manager, site_a):
    api.force_authenticate(manager)
    response = api.post(
        "/api/v1/courses/",
        {
            "site": site_a.pk,
            "code": "MRI-L1",
            "title": "MRI safety level 1",
            "category": "mri_safety",
            "validity_months": 12,
            "area_classes": ["mri_zone_3"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    course = response.json()["id"]
    made = api.post(
        "/api/v1/training-requirements/",
        {"site": site_a.pk, "course": course, "basis": "area_class", "subject": "mri_zone_3"},
        format="json",
    )
    assert made.status_code == 201
    wrong = api.post(
        "/api/v1/training-requirements/",
        {"site": site_a.pk, "course": course, "basis": "area_class", "subject": "attic"},
        format="json",
    )
    assert wrong.status_code == 400 and "subject" in wrong.json()


def test_course_writes_are_refused_to_a_technician_and_bad_fields_named(api, tech, site_a):
    api.force_authenticate(tech)
    payload = {"site": site_a.pk, "code": "X", "title": "X", "category": "other"}
    assert api.post("/api/v1/courses/", payload, format="json").status_code == 403
    bad = api.post(
        "/api/v1/courses/", {**payload, "category": "nope", "modalities": ["ZZ"]}, format="json"
    )
    assert bad.status_code == 400 and {"category", "modalities"} <= set(bad.json())


def test_my_training_and_a_persons_page_run_constant_queries(
    client, tech, physicist, person, site_a, ct_dose, mri_l2
):
    client.force_login(physicist)
    train(physicist, site_a, ct_dose, tech)
    url = f"/training/people/{tech.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(1, 12):
        train(physicist, site_a, mri_l2, tech, held_on=date(2026, 2, day))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
