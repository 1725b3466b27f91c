"""Writing schedules through /api/v1/schedules/: create, change with a reason, pause and resume,
set and re-baseline references; who may (the RSO for radiation procedures only), other sites
answering 404, and bad input answering 400 with field errors, never 500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import Category, Reference, Schedule
from equipment.services.schedules import create_schedule
from imaging_ops.models import AuditEvent
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW

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
    return create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW, last_done=NOW)


def test_a_manager_creates_a_schedule_as_the_list_shows_it(api, manager, tech, ct, ct_qc):
    api.force_authenticate(manager)
    answer = api.post(
        "/api/v1/schedules/",
        {
            "equipment": ct.pk,
            "procedure": ct_qc.pk,
            "assignee": tech.pk,
            "last_done": "2026-03-01T09:30:00-05:00",
            "grace_days": 14,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert set(body) >= CONTRACT
    assert body["assignee"] == tech.pk and body["grace_days"] == 14
    assert body["last_done"] == "2026-03-01T14:30:00Z"
    assert body["status"] == "upcoming"
    [listed] = api.get("/api/v1/schedules/").json()["results"]
    assert listed == body


def test_a_naive_last_done_is_a_field_error(api, manager, ct, ct_qc):
    api.force_authenticate(manager)
    answer = api.post(
        "/api/v1/schedules/",
        {"equipment": ct.pk, "procedure": ct_qc.pk, "last_done": "2026-03-01T09:30:00"},
        format="json",
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"last_done"}
    assert not Schedule.objects.exists()


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"starts_on": "9999-12-31"}, {"starts_on"}),
        ({"starts_on": "1066-10-14"}, {"starts_on"}),
        ({"interval_months": 0, "interval_weeks": 0, "interval_days": 0}, {"interval"}),
        ({"interval_months": 70000}, {"interval_months"}),
        ({"interval_months": 1.5}, {"interval_months"}),
        ({"anchor": "sideways"}, {"anchor"}),
        ({"assignee_role": Role.INSPECTOR}, {"assignee_role"}),
        ({"assignee": 10**12}, {"assignee"}),
        ({"assignee": 1.5}, {"assignee"}),
        ({"weekday": 9}, {"weekday"}),
        ({"last_done": "2999-01-01T00:00:00Z"}, {"last_done"}),
        ({"last_done": "not a time"}, {"last_done"}),
    ],
)
def test_bad_input_answers_400_by_field(api, manager, ct, ct_qc, payload, fields):
    api.force_authenticate(manager)
    answer = api.post(
        "/api/v1/schedules/",
        {"equipment": ct.pk, "procedure": ct_qc.pk, **payload},
        format="json",
    )
    assert answer.status_code == 400, answer.content
    assert set(answer.json()) == fields
    assert not Schedule.objects.exists()


def test_a_duplicate_is_a_non_field_error(api, manager, survey):
    api.force_authenticate(manager)
    answer = api.post(
        "/api/v1/schedules/",
        {"equipment": survey.equipment_id, "procedure": survey.procedure_id},
        format="json",
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"non_field_errors"}


def test_an_assignee_from_another_site_is_no_choice(api, manager, person, site_b, ct, ct_qc):
    stranger = person(Role.TECHNICIAN, site_b)
    api.force_authenticate(manager)
    answer = api.post(
        "/api/v1/schedules/",
        {"equipment": ct.pk, "procedure": ct_qc.pk, "assignee": stranger.pk},
        format="json",
    )
    assert answer.status_code == 400 and set(answer.json()) == {"assignee"}
    assert "does not exist" in answer.json()["assignee"][0]


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR])
def test_those_who_may_not_edit_schedules_get_403_with_the_reason(api, person, site_a, ct, role):
    api.force_authenticate(person(role, site_a))
    answer = api.post("/api/v1/schedules/", {"equipment": ct.pk}, format="json")
    assert answer.status_code == 403 and answer.json()["detail"]


def test_the_rso_schedules_radiation_procedures_only(api, rso, site_a, ct, ct_qc, leak_test):
    source = factories.EquipmentFactory(site=site_a, category=Category.SEALED_SOURCE, modalities=[])
    api.force_authenticate(rso)
    made = api.post(
        "/api/v1/schedules/", {"equipment": source.pk, "procedure": leak_test.pk}, format="json"
    )
    assert made.status_code == 201
    refused = api.post(
        "/api/v1/schedules/", {"equipment": ct.pk, "procedure": ct_qc.pk}, format="json"
    )
    assert refused.status_code == 403 and "radiation" in refused.json()["detail"]


def test_another_sites_schedule_is_404_and_its_equipment_no_choice(api, person, site_b, survey):
    beta = person(Role.MANAGER, site_b)
    api.force_authenticate(beta)
    url = f"/api/v1/schedules/{survey.pk}/"
    assert api.patch(url, {"grace_days": 1, "reason": "x"}, format="json").status_code == 404
    for verb in ("pause", "resume", "references"):
        assert api.post(f"{url}{verb}/", {"reason": "x"}, format="json").status_code == 404
    answer = api.post(
        "/api/v1/schedules/",
        {"equipment": survey.equipment_id, "procedure": survey.procedure_id},
        format="json",
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"equipment", "procedure"}


def test_a_change_with_a_reason_moves_the_clock(api, manager, survey):
    api.force_authenticate(manager)
    url = f"/api/v1/schedules/{survey.pk}/"
    refused = api.patch(url, {"interval_months": 6}, format="json")
    assert refused.status_code == 400 and set(refused.json()) == {"reason"}
    answer = api.patch(url, {"interval_months": 6, "reason": "Site policy"}, format="json")
    assert answer.status_code == 200
    body = answer.json()
    assert body["interval_months"] == 6
    assert body["next_due"] != survey.next_due.isoformat()
    event = AuditEvent.objects.filter(object_type="equipment.schedule").latest("seq")
    assert event.reason == "Site policy"
    bad = api.patch(url, {"starts_on": "2200-01-01", "reason": "x"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"starts_on"}


def test_a_technician_may_not_change_a_schedule(api, tech, survey):
    api.force_authenticate(tech)
    answer = api.patch(
        f"/api/v1/schedules/{survey.pk}/", {"grace_days": 1, "reason": "x"}, format="json"
    )
    assert answer.status_code == 403
    assert api.post(f"/api/v1/schedules/{survey.pk}/pause/", {"reason": "x"}).status_code == 403


def test_pause_and_resume_need_a_reason(api, manager, survey):
    api.force_authenticate(manager)
    url = f"/api/v1/schedules/{survey.pk}/"
    assert api.post(f"{url}pause/", {}, format="json").status_code == 400
    paused = api.post(f"{url}pause/", {"reason": "In storage"}, format="json")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    again = api.post(f"{url}pause/", {"reason": "Again"}, format="json")
    assert again.status_code == 409
    resumed = api.post(f"{url}resume/", {"reason": "Back in use"}, format="json")
    assert resumed.status_code == 200 and resumed.json()["paused"] is False


def test_a_reference_is_set_201_then_rebaselined_200(api, physicist, survey):
    api.force_authenticate(physicist)
    url = f"/api/v1/schedules/{survey.pk}/references/"
    made = api.post(
        url, {"check_key": "ctdi", "value": "42.1", "reason": "At acceptance"}, format="json"
    )
    assert made.status_code == 201, made.json()
    assert made.json()["value"] == "42.10000000" and len(made.json()["history"]) == 1
    moved = api.post(url, {"check_key": "ctdi", "value": "40", "reason": "New tube"}, format="json")
    assert moved.status_code == 200
    assert [h["reason"] for h in moved.json()["history"]] == ["At acceptance", "New tube"]
    assert api.get(url).json()[0]["value"] == "40.00000000"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"check_key": "ctdi", "value": "0", "reason": "x"}, {"value"}),
        ({"check_key": "ctdi", "value": "lots", "reason": "x"}, {"value"}),
        ({"check_key": "notes", "value": "1", "reason": "x"}, {"check_key"}),
        ({"check_key": "ctdi", "value": "1"}, {"reason"}),
        ({"check_key": "ctdi", "value": "1", "reason": "   "}, {"reason"}),
    ],
)
def test_a_bad_reference_is_400_by_field(api, manager, survey, payload, fields):
    api.force_authenticate(manager)
    answer = api.post(f"/api/v1/schedules/{survey.pk}/references/", payload, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) == fields
    assert not Reference.objects.exists()


def test_the_write_answers_run_a_constant_number_of_queries(api, manager, survey):
    """Re-baselining a reference with a long history costs what it costs with a short one."""
    api.force_authenticate(manager)
    url = f"/api/v1/schedules/{survey.pk}/references/"

    def post(n):
        with CaptureQueriesContext(connection) as queries:
            answer = api.post(
                url, {"check_key": "ctdi", "value": str(40 + n), "reason": f"R{n}"}, format="json"
            )
        assert answer.status_code in (200, 201)
        return len(queries)

    post(0)
    few = post(1)
    for n in range(2, 30):
        post(n)
    assert post(30) == few
