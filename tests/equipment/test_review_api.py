"""The review API contract: GET /api/v1/review-queue/ (the records waiting for your review,
cursor pages, the same queries for 10 and 500 rows), POST /api/v1/records/<id>/review/ and
POST /api/v1/review-queue/review/ (several at once), with 400, 403 and 409 saying why."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import ReviewReason, ServiceRecord
from imaging_ops.models import Meaning, Signature
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.record_pages.conftest import copy_records
from tests.equipment.review_gate_support import external, procedure, signed

pytestmark = pytest.mark.django_db
QUEUE = "/api/v1/review-queue/"


def credentials(user):
    return {"username": user.username, "password": factories.PASSWORD, "acknowledge_policy": True}


@pytest.fixture
def qc(manager, site_a):
    return procedure(manager, site_a, "CT-QC", modalities=["CT"])


def test_the_queue_lists_what_waits_and_why(api, tech, physicist, ct, qc):
    waiting = signed(tech, ct, qc, outcome="tolerance")
    signed(tech, ct, qc, performed_at=NOW - timedelta(hours=1))
    outside = external(tech, ct, qc, performed_at=NOW - timedelta(hours=2))
    api.force_authenticate(physicist)
    body = api.get(QUEUE).json()
    assert [row["id"] for row in body["results"]] == [waiting.pk, outside.pk]
    first = body["results"][0]
    assert first["reasons"] == [ReviewReason.TOLERANCE] and first["asset_tag"] == "ALPHA-CT1"
    assert first["procedure_code"] == "CT-QC" and first["outcome"] == "tolerance"
    assert first["performer"] == tech.display_name and first["external"] is False
    assert body["results"][1]["reasons"] == [ReviewReason.EXTERNAL]
    assert body["results"][1]["performer"] == "Field Engineer"


def test_review_signs_it_and_takes_it_off_the_queue(api, tech, physicist, ct, qc):
    made = signed(tech, ct, qc, outcome="tolerance")
    api.force_authenticate(physicist)
    response = api.post(f"/api/v1/records/{made.pk}/review/", credentials(physicist), format="json")
    assert response.status_code == 201
    meanings = [s["meaning"] for s in response.json()["signatures"]]
    assert meanings == [Meaning.PERFORMED, Meaning.REVIEWED]
    assert all(s["valid"] for s in response.json()["signatures"])
    assert api.get(QUEUE).json()["results"] == []


def test_review_answers_why_it_refuses(api, tech, physicist, person, site_a, ct, qc):
    made = signed(tech, ct, qc, outcome="tolerance")
    url = f"/api/v1/records/{made.pk}/review/"
    api.force_authenticate(tech)
    refused = api.post(url, credentials(tech), format="json")
    assert refused.status_code == 403 and "review records" in refused.json()["detail"]
    own = signed(physicist, ct, qc, outcome="tolerance")
    api.force_authenticate(physicist)
    refused = api.post(f"/api/v1/records/{own.pk}/review/", credentials(physicist), format="json")
    assert refused.status_code == 403 and "your own record" in refused.json()["detail"]
    refused = api.post(url, {"password": "wrong", "username": "phil"}, format="json")
    assert refused.status_code == 400 and "password" in refused.json()
    refused = api.post(url, {"username": "phil"}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["password"]
    assert api.post(url, credentials(physicist), format="json").status_code == 201
    again = api.post(url, credentials(physicist), format="json")
    assert again.status_code == 409 and "already signed" in again.json()["detail"]
    elsewhere = person(Role.PHYSICIST, factories.SiteFactory(code="GAMMA"), username="gil")
    api.force_authenticate(elsewhere)
    assert api.post(url, credentials(elsewhere), format="json").status_code == 404


def test_bulk_review_through_the_api_is_all_or_nothing(api, tech, physicist, ct, qc):
    first = signed(tech, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=2))
    second = signed(tech, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=1))
    own = signed(physicist, ct, qc, outcome="tolerance")
    api.force_authenticate(physicist)
    url = f"{QUEUE}review/"
    refused = api.post(
        url, {**credentials(physicist), "records": [first.pk, own.pk]}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json() == {"records": [f"Record {own.pk} is not waiting for your review."]}
    refused = api.post(url, {**credentials(physicist), "records": []}, format="json")
    assert refused.status_code == 400 and "records" in refused.json()
    refused = api.post(url, {**credentials(physicist), "records": ["x"]}, format="json")
    assert refused.status_code == 400 and "records" in refused.json()
    assert not Signature.objects.filter(meaning=Meaning.REVIEWED).exists()
    done = api.post(
        url, {**credentials(physicist), "records": [first.pk, second.pk]}, format="json"
    )
    assert done.status_code == 201
    assert sorted(row["id"] for row in done.json()) == sorted([first.pk, second.pk])
    assert Signature.objects.filter(meaning=Meaning.REVIEWED).count() == 2


def count_queries(api, url) -> int:
    api.get(url)  # warm up
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_queue_runs_the_same_queries_for_10_and_500_rows(api, tech, physicist, ct, qc):
    made = signed(tech, ct, qc, outcome="tolerance")
    copy_records(made, 9)
    api.force_authenticate(physicist)
    ten = count_queries(api, QUEUE)
    copy_records(made, 490, step=timedelta(minutes=7))
    assert ServiceRecord.objects.filter(awaiting_review=True).count() == 500
    assert count_queries(api, QUEUE) == ten
