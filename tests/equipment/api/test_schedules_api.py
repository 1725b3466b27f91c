"""/api/v1/schedules/ and /api/v1/procedures/: the contract's fields, filters by status,
equipment, site and procedure, scoping, references with their history, and the same queries
for 10 and for 100 schedules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.services.schedules import create_schedule, set_reference
from tests.equipment.conftest import NOW
from tests.equipment.schedules.test_schedule_list import LAST_SURVEY, add_schedules

pytestmark = pytest.mark.django_db
CONTRACT = {
    "id",
    "equipment",
    "procedure",
    "next_due",
    "overdue_at",
    "last_done",
    "status",
    "assignee",
}


@pytest.fixture
def survey(manager, ct, ct_qc):
    return create_schedule(
        actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=LAST_SURVEY
    )


def test_a_schedule_has_the_contracts_fields(api, tech, survey):
    api.force_authenticate(tech)
    [row] = api.get("/api/v1/schedules/").json()["results"]
    assert set(row) >= CONTRACT
    assert row["status"] == "past_hard_limit"  # last done 2025-06-10 with a 14-month limit


def test_filters_by_status_equipment_site_and_procedure(api, tech, survey, site_a, site_b):
    api.force_authenticate(tech)
    get = lambda query: api.get(f"/api/v1/schedules/?{query}")  # noqa: E731
    assert len(get("status=past_hard_limit").json()["results"]) == 1
    assert get("status=upcoming").json()["results"] == []
    assert len(get(f"equipment={survey.equipment_id}").json()["results"]) == 1
    assert len(get(f"site={site_a.pk}").json()["results"]) == 1
    assert len(get(f"procedure={survey.procedure_id}").json()["results"]) == 1
    assert get("status=sideways").status_code == 400
    assert get(f"site={site_b.pk}").status_code == 400  # not one of yours


def test_another_site_sees_nothing(api, person, site_b, survey):
    api.force_authenticate(person("technician", site_b))
    assert api.get("/api/v1/schedules/").json()["results"] == []
    assert api.get(f"/api/v1/schedules/{survey.pk}/").status_code == 404
    assert api.get(f"/api/v1/schedules/{survey.pk}/references/").status_code == 404


def test_references_with_their_history(api, tech, manager, survey):
    set_reference(
        actor=manager, schedule=survey, check_key="ctdi", value="50", reason="Acceptance", now=NOW
    )
    set_reference(
        actor=manager, schedule=survey, check_key="ctdi", value="48.5", reason="New tube", now=NOW
    )
    api.force_authenticate(tech)
    [reference] = api.get(f"/api/v1/schedules/{survey.pk}/references/").json()
    assert reference["check_key"] == "ctdi" and reference["reason"] == "New tube"
    assert [(h["previous_value"], h["reason"]) for h in reference["history"]] == [
        (None, "Acceptance"),
        ("50.00000000", "New tube"),
    ]


def test_procedures_have_their_ordered_checks_with_limits_as_text(api, tech, ct_qc):
    api.force_authenticate(tech)
    [procedure] = api.get("/api/v1/procedures/").json()["results"]
    assert procedure["code"] == "CT-DOSE" and procedure["version"] == 1
    assert [c["key"] for c in procedure["checks"]] == ["ctdi", "notes"]
    assert procedure["checks"][0]["tolerance_high"] == "10.00000000"


def count(api, url) -> int:
    api.get(url)  # the first request reads the person's memberships once for the session
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_queries_do_not_grow_with_schedules(api, tech, survey):
    api.force_authenticate(tech)
    add_schedules(survey, 9)
    few = count(api, "/api/v1/schedules/"), count(api, "/api/v1/procedures/")
    add_schedules(survey, 90)
    assert (count(api, "/api/v1/schedules/"), count(api, "/api/v1/procedures/")) == few
