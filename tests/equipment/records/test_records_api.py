"""/api/v1/records/: POST records and signs in one step through the record service and answers
201 with the outcome, timeliness, each measurement's result and the schedule's new next due;
bad input is a 400 with field errors and saves nothing; PATCH is 409; the list is scoped,
filtered and runs the same queries for 10 and for 60 records."""

import json
from datetime import timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from equipment.api.records import ServiceRecordSerializer
from equipment.models import ServiceRecord
from equipment.selectors.records import service_records
from tests import factories
from tests.equipment.records.conftest import values_for

pytestmark = pytest.mark.django_db


def body(schedule, **extra):
    values = values_for(schedule, ma="106")
    return {
        "schedule": schedule.pk,
        "performed_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
        "measurements": [{"check": k, "value": v} for k, v in values.items()],
        "signature": {
            "username": "tess",
            "password": factories.PASSWORD,
            "acknowledge_policy": True,
        },
        **extra,
    }


def test_post_records_signs_and_moves_the_schedule(api, tech, daily):
    api.force_authenticate(tech)
    answer = api.post("/api/v1/records/", body(daily), format="json")
    assert answer.status_code == 201, answer.json()
    made = answer.json()
    assert made["outcome"] == "tolerance" and made["counts"] is True
    assert made["timeliness"] in {"on_time", "in_grace", "late", "past_hard_limit", "early"}
    assert {m["key"]: m["result"] for m in made["measurements"]} == {
        "ma": "tolerance",
        "noise": "pass",
        "artefacts": "pass",
    }
    daily.refresh_from_db()
    assert made["next_due"] == daily.next_due.isoformat().replace("+00:00", "Z")
    assert made["signatures"][0]["meaning"] == "performed"


def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(api, tech, daily):
    api.force_authenticate(tech)
    naive = body(daily, performed_at="2026-03-04T08:00:00")
    assert "performed_at" in api.post("/api/v1/records/", naive, format="json").json()
    wrong = body(daily)
    wrong["measurements"][0]["value"] = "lots"
    answer = api.post("/api/v1/records/", wrong, format="json")
    assert answer.status_code == 400
    assert any(key.startswith("measurements.") for key in answer.json())
    wrong = body(daily)
    wrong["signature"]["password"] = "not it"
    answer = api.post("/api/v1/records/", wrong, format="json")
    assert answer.status_code == 400 and "password" in answer.json()
    assert not ServiceRecord.objects.exists()


def test_patch_is_a_conflict_and_other_sites_see_nothing(api, tech, person, site_b, daily):
    api.force_authenticate(tech)
    made = api.post("/api/v1/records/", body(daily), format="json").json()
    assert api.patch(f"/api/v1/records/{made['id']}/", {}, format="json").status_code == 409
    api.force_authenticate(person("technician", site_b))
    assert api.get(f"/api/v1/records/{made['id']}/").status_code == 404
    assert api.get("/api/v1/records/").json()["results"] == []


def count_list(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = api.get("/api/v1/records/?outcome=tolerance")
    assert answer.status_code == 200
    return len(queries)


def test_the_list_is_filtered_and_its_query_count_is_flat(api, tech, daily):
    api.force_authenticate(tech)
    for _ in range(3):
        api.post("/api/v1/records/", body(daily), format="json")
    few = count_list(api)
    assert len(api.get("/api/v1/records/?outcome=tolerance").json()["results"]) == 3
    assert api.get("/api/v1/records/?outcome=action").json()["results"] == []
    for _ in range(12):
        api.post("/api/v1/records/", body(daily), format="json")
    assert count_list(api) == few


def test_the_written_out_representation_is_the_declared_fields(api, tech, manager, daily):
    """The list builds each record's JSON directly; it must say what DRF's walk over the
    declared fields says, record by record, for signed, amended and voided records."""
    api.force_authenticate(tech)
    made = [api.post("/api/v1/records/", body(daily), format="json").json() for _ in range(3)]
    api.force_authenticate(manager)
    voided = api.post(f"/api/v1/records/{made[0]['id']}/void/", {"reason": "Wrong phantom"})
    assert voided.status_code == 200, voided.json()
    listed = api.get("/api/v1/records/").json()["results"]
    serializer = ServiceRecordSerializer(context={"request": None})
    expected = [
        serializer.fields_representation(record)
        for record in service_records().filter(pk__in=[m["id"] for m in made]).order_by("-pk")
    ]
    assert listed == json.loads(json.dumps(expected, cls=DjangoJSONEncoder))
    assert listed[-1]["voided"] is True and listed[0]["signatures"][0]["valid"] is True
