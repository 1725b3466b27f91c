"""/api/v1/logs/: a log issued (201), listed by cursor and read within the requester's sites,
its file byte for byte, and approved with the signature (username and password every time)."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import LogState, RegulatoryLog
from imaging_ops.models import AuditEvent
from imaging_ops.vocabulary import Role
from tests.compliance.logs_support import record
from tests.compliance.signed_logs import issue
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _request(ct, **changes):
    return {
        "kind": "equipment",
        "equipment": ct.pk,
        "period_start": "2026-02-01",
        "period_end": "2026-03-31",
        **changes,
    }


def _signature(user, **changes):
    return {
        "signature": {
            "username": user.username,
            "password": PASSWORD,
            "meaning": "approved",
            "acknowledge_policy": True,
            **changes,
        }
    }


def test_a_log_is_issued_and_its_file_downloaded_byte_for_byte(api, inspector, zoe, daily, ct):
    record(daily, zoe, days_ago=1)
    api.force_authenticate(inspector)
    response = api.post("/api/v1/logs/", _request(ct), format="json")
    assert response.status_code == 201, response.data
    body = response.json()
    log = RegulatoryLog.objects.get()
    assert body["id"] == log.pk and body["state"] == "draft" and body["code"] == log.code
    assert body["kind"] == "equipment" and body["entries"] == 1 and body["equipment"] == ct.pk
    assert body["period"] == {"start": "2026-02-01", "end": "2026-03-31"}
    assert "ALPHA-CT1" in body["scope"] and body["sha256"] == log.file_sha256
    assert body["urls"]["file"].endswith(f"/api/v1/logs/{log.pk}/file/")
    assert body["urls"]["verify"].endswith(f"/verify/{log.code}/")
    first = api.get(body["urls"]["file"])
    again = api.get(f"/api/v1/logs/{log.pk}/file/", HTTP_ACCEPT="application/pdf")
    assert first.status_code == again.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first.content == again.content
    assert hashlib.sha256(first.content).hexdigest() == log.file_sha256
    assert AuditEvent.objects.filter(action="export", object_id=str(log.pk)).count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period_end": "2026-01-01"}, "period_end"),
        ({"period_start": "2010-01-01"}, "period_end"),
        ({"period_start": "soon"}, "period_start"),
        ({"kind": "site_qc"}, "kind"),
        ({"equipment": 999999}, "equipment"),
        ({"equipment": 1.5}, "equipment"),
    ],
)
def test_bad_input_is_a_field_error_and_issues_nothing(api, manager, ct, changes, field):
    api.force_authenticate(manager)
    response = api.post("/api/v1/logs/", _request(ct, **changes), format="json")
    assert response.status_code == 400 and field in response.json()
    assert not RegulatoryLog.objects.exists()


def test_another_sites_equipment_and_logs_are_not_found(api, person, site_b, manager, ct):
    log = issue(manager, ct)
    outsider = person(Role.MANAGER, site_b, username="bmgr")
    api.force_authenticate(outsider)
    response = api.post("/api/v1/logs/", _request(ct), format="json")
    assert response.status_code == 400 and "equipment" in response.json()
    assert api.get(f"/api/v1/logs/{log.pk}/").status_code == 404
    assert api.get(f"/api/v1/logs/{log.pk}/file/").status_code == 404
    approve = api.post(f"/api/v1/logs/{log.pk}/approve/", _signature(outsider), format="json")
    assert approve.status_code == 404
    assert api.get("/api/v1/logs/").json()["results"] == []


@pytest.mark.req("11.200(a)")
def test_a_manager_approves_with_username_and_password(api, manager, ct):
    log = issue(manager, ct)
    api.force_authenticate(manager)
    response = api.post(f"/api/v1/logs/{log.pk}/approve/", _signature(manager), format="json")
    assert response.status_code == 200, response.data
    body = response.json()
    log.refresh_from_db()
    assert body["state"] == "approved" == log.state and body["approved_by"] == manager.pk
    assert body["sha256"] == log.file_sha256 != body["draft_sha256"] == log.draft_file_sha256
    again = api.post(f"/api/v1/logs/{log.pk}/approve/", _signature(manager), format="json")
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "wrong"}, "password"),
        ({"username": ""}, "username"),
        ({"meaning": "reviewed"}, "meaning"),
        ({"meaning": "blessed"}, "signature"),
    ],
)
def test_a_bad_signature_is_a_field_error_and_approves_nothing(api, manager, ct, changes, field):
    log = issue(manager, ct)
    api.force_authenticate(manager)
    response = api.post(
        f"/api/v1/logs/{log.pk}/approve/", _signature(manager, **changes), format="json"
    )
    assert response.status_code == 400 and field in response.json()
    log.refresh_from_db()
    assert log.state == LogState.DRAFT


@pytest.mark.req("11.10(g)")
@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.INSPECTOR])
def test_technicians_and_inspectors_may_not_approve(api, person, site_a, manager, ct, role):
    log = issue(manager, ct)
    user = person(role, site_a, username=f"api-{role}")
    api.force_authenticate(user)
    response = api.post(f"/api/v1/logs/{log.pk}/approve/", _signature(user), format="json")
    assert response.status_code == 403
    log.refresh_from_db()
    assert log.state == LogState.DRAFT


def _queries(api, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_the_list_pages_by_cursor_in_the_same_queries_for_few_or_many(api, manager, physicist, ct):
    oldest = issue(manager, ct)
    api.force_authenticate(manager)
    _queries(api, "/api/v1/logs/")
    few = _queries(api, "/api/v1/logs/")
    logs = [issue(physicist, ct) for _ in range(3)]
    api.post(f"/api/v1/logs/{logs[0].pk}/approve/", _signature(manager), format="json")
    assert _queries(api, "/api/v1/logs/") == few
    assert _queries(api, f"/api/v1/logs/{logs[0].pk}/") <= few
    page = api.get("/api/v1/logs/", {"page_size": 2}).json()
    assert [row["id"] for row in page["results"]] == [logs[2].pk, logs[1].pk]
    rest = api.get(page["next"]).json()
    assert [row["id"] for row in rest["results"]] == [logs[0].pk, oldest.pk]
    assert rest["results"][0]["state"] == "approved"
