"""POST /api/v1/records/<id>/amend/: a new version through the amendment service, answered
201 with the record at that version and the schedule's next due; field errors are 400 and save
nothing; 403 for who may not amend, 404 outside the sites, 409 for a voided record. And the
records list runs the same queries for 10 and for 1,000 records."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import ServiceRecord, ServiceRecordVersion
from equipment.services.records import void_service_record
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.record_pages.conftest import copy_records, pdf, record
from tests.equipment.records import conftest as records_setup
from tests.equipment.records.conftest import values_for

daily = records_setup.daily  # the daily CT QC schedule fixture of the record tests

pytestmark = pytest.mark.django_db


def amend_url(made):
    return f"/api/v1/records/{made.pk}/amend/"


def body(schedule, **extra):
    values = values_for(schedule, ma="106")
    return {
        "reason": "Typed the wrong tube current",
        "measurements": [{"check": k, "value": v} for k, v in values.items()],
        "comments": "Re-read from the console.",
        "signature": {"username": "tess", "password": factories.PASSWORD},
        **extra,
    }


def test_an_amendment_answers_201_with_the_new_version_and_next_due(api, tech, daily):
    made = record(daily, tech)
    api.force_authenticate(tech)
    later = made.performed_at + timedelta(minutes=15)
    answer = api.post(amend_url(made), body(daily, performed_at=later.isoformat()), format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["version"] == 2 and data["outcome"] == "tolerance" and data["counts"] is True
    assert {m["key"]: m["result"] for m in data["measurements"]}["ma"] == "tolerance"
    assert data["signatures"][0]["meaning"] == "performed"
    daily.refresh_from_db()
    assert daily.last_done == later
    assert data["next_due"] == daily.next_due.isoformat().replace("+00:00", "Z")
    assert ServiceRecordVersion.objects.get(number=2).amendment_reason == body(daily)["reason"]


def test_without_a_moment_the_amended_versions_is_kept(api, tech, daily):
    made = record(daily, tech)
    api.force_authenticate(tech)
    answer = api.post(amend_url(made), body(daily), format="json")
    assert answer.status_code == 201
    made.refresh_from_db()
    assert made.performed_at == made.versions.get(number=1).performed_at


def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(api, tech, daily):
    made = record(daily, tech)
    api.force_authenticate(tech)
    cases = [
        (body(daily, reason=" "), "reason"),
        (body(daily, performed_at="2026-03-04T08:00:00"), "performed_at"),
        (body(daily, performed_at="2099-03-04T08:00:00Z"), "performed_at"),
        (body(daily, signature={"username": "tess", "password": "not it"}), "password"),
        (body(daily, signature={"password": factories.PASSWORD}), "username"),
        ({**body(daily), "measurements": "lots"}, "measurements"),
    ]
    for payload, field in cases:
        answer = api.post(amend_url(made), payload, format="json")
        assert answer.status_code == 400, (field, answer.json())
        assert field in answer.json(), (field, answer.json())
    wrong = body(daily)
    wrong["measurements"][0]["value"] = "lots"
    answer = api.post(amend_url(made), wrong, format="json")
    assert answer.status_code == 400
    assert any(key.startswith("measurements.") for key in answer.json())
    assert ServiceRecordVersion.objects.count() == 1


def test_an_outside_performers_amendment_is_not_signed_as_performed(api, tech, daily):
    made = record(
        daily,
        tech,
        signature=False,
        external={"name": "Fred Field", "organisation": "Vendor Inc."},
        attachments=[pdf()],
    )
    api.force_authenticate(tech)
    answer = api.post(amend_url(made), body(daily), format="json")
    assert answer.status_code == 400 and "signature" in answer.json()
    unsigned = body(daily)
    del unsigned["signature"]
    answer = api.post(amend_url(made), unsigned, format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["external"]["name"] == "Fred Field" and data["counts"] is False


def test_403_404_and_409(api, tech, person, site_a, site_b, manager, daily):
    made = record(daily, tech)
    api.force_authenticate(person("technician", site_a, username="toby"))
    assert api.post(amend_url(made), body(daily), format="json").status_code == 403
    api.force_authenticate(person("inspector", site_a))
    assert api.post(amend_url(made), body(daily), format="json").status_code == 403
    api.force_authenticate(person("manager", site_b))
    assert api.post(amend_url(made), body(daily), format="json").status_code == 404
    void_service_record(actor=manager, record=made, reason="Duplicate", now=NOW)
    api.force_authenticate(manager)
    answer = api.post(amend_url(made), body(daily), format="json")
    assert answer.status_code == 409 and "voided" in answer.json()["detail"]
    assert ServiceRecordVersion.objects.count() == 1


def count_list(api, query) -> int:
    api.get(f"/api/v1/records/{query}")  # warm up
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(f"/api/v1/records/{query}")
    assert answer.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?outcome=pass&performed_from=2025-01-01"])
def test_the_records_list_runs_the_same_queries_for_10_and_1000_records(api, tech, daily, query):
    made = record(daily, tech)
    copy_records(made, 9)
    api.force_authenticate(tech)
    ten = count_list(api, query)
    copy_records(made, 990, step=timedelta(minutes=3))
    assert ServiceRecord.objects.count() == 1000
    assert count_list(api, query) == ten


def test_the_list_takes_the_pages_filters_and_refuses_bad_ones(api, tech, daily):
    made = record(daily, tech)
    api.force_authenticate(tech)

    def ids(query):
        answer = api.get(f"/api/v1/records/?{query}")
        assert answer.status_code == 200, answer.json()
        return [r["id"] for r in answer.json()["results"]]

    assert ids(f"kind=qc&performer={tech.pk}") == [made.pk]
    assert ids("performer=external") == [] and ids("kind=calibration") == []
    assert ids(f"timeliness={made.current_version.timeliness}") == [made.pk]
    assert ids("performed_from=2026-03-04&performed_to=2026-03-04") == [made.pk]
    assert ids("performed_from=2026-03-05") == []
    answer = api.get("/api/v1/records/?performer=somebody&performed_to=soon")
    assert answer.status_code == 400
    assert {"performer", "performed_to"} <= set(answer.json())
