"""The review queue page: reviewers see what waits at their sites and why, tick several and
sign once; the CSV holds the same rows; the page and the CSV run the same queries for 10 and
500 rows. A calibration found out of tolerance lists the records to review on its page, and
the status history names the records that satisfied the gate."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import Category, EquipmentStatus, ProcedureKind, RequiringEvent
from equipment.services.events import record_equipment_event
from equipment.services.status import change_equipment_status
from imaging_ops.models import Meaning, Signature
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.record_pages.conftest import copy_records
from tests.equipment.review_gate_support import (
    external,
    mammography_evaluation,
    procedure,
    signed,
)

pytestmark = pytest.mark.django_db
QUEUE = "/equipment/review/"


@pytest.fixture
def qc(manager, site_a):
    return procedure(manager, site_a, "CT-QC", modalities=["CT"])


def bulk(client, records, password=factories.PASSWORD, follow=False):
    return client.post(
        QUEUE,
        {
            "records": [r.pk for r in records],
            "username": "phil",
            "password": password,
            "acknowledge_policy": "on",
        },
        follow=follow,
    )


def test_reviewers_see_the_queue_and_others_are_refused(client, tech, physicist, ct, qc):
    made = signed(tech, ct, qc, outcome="tolerance")
    client.force_login(physicist)
    page = client.get(QUEUE)
    assert page.status_code == 200
    text = page.content.decode()
    assert f'id="record-{made.pk}"' in text and "A value at tolerance level" in text
    assert 'href="/equipment/review/"' in text  # the navigation offers it
    client.force_login(tech)
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"{QUEUE}export/").status_code == 403


def test_the_queue_filters_by_reason_and_says_what_is_wrong(client, tech, physicist, ct, qc):
    tolerance = signed(tech, ct, qc, outcome="tolerance")
    outside = external(tech, ct, qc, performed_at=NOW - timedelta(hours=1))
    client.force_login(physicist)
    text = client.get(f"{QUEUE}?reason=external").content.decode()
    assert f'id="record-{outside.pk}"' in text and f'id="record-{tolerance.pk}"' not in text
    text = client.get(f"{QUEUE}?reason=nonsense").content.decode()
    assert "Select a valid choice" in text and 'id="record-' not in text


def test_bulk_review_on_the_page(client, tech, physicist, ct, qc):
    first = signed(tech, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=2))
    second = signed(tech, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=1))
    own = signed(physicist, ct, qc, outcome="tolerance")
    client.force_login(physicist)
    refused = bulk(client, [first, own])
    assert refused.status_code == 400 and "no longer waiting for your review" in (
        refused.content.decode()
    )
    refused = bulk(client, [first], password="wrong")
    assert refused.status_code == 400 and "That password is not correct" in refused.content.decode()
    assert not Signature.objects.filter(meaning=Meaning.REVIEWED).exists()
    done = bulk(client, [first, second], follow=True)
    assert "Reviewed 2 records" in done.content.decode()
    assert Signature.objects.filter(meaning=Meaning.REVIEWED).count() == 2


def count_queries(client, url) -> int:
    client.get(url)  # warm up: session, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [QUEUE, f"{QUEUE}?reason=tolerance", f"{QUEUE}export/"])
def test_the_page_and_csv_run_the_same_queries_for_10_and_500_rows(
    client, tech, physicist, ct, qc, url
):
    made = signed(tech, ct, qc, outcome="tolerance")
    copy_records(made, 9)
    client.force_login(physicist)
    ten = count_queries(client, url)
    copy_records(made, 490, step=timedelta(minutes=7))
    assert count_queries(client, url) == ten


def test_the_csv_holds_the_queue(client, tech, physicist, ct, qc):
    made = signed(tech, ct, qc, outcome="tolerance")
    client.force_login(physicist)
    response = client.get(f"{QUEUE}export/")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["record"], r["reasons"]) for r in rows] == [
        (str(made.pk), "A value at tolerance level")
    ]


def test_a_calibration_found_out_of_tolerance_lists_the_records_to_review(
    client, tech, physicist, manager, ct, site_a
):
    meter = factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-DOS1", category=Category.QA_INSTRUMENT, modalities=[]
    )
    calibration = procedure(
        manager, site_a, "CAL-DOS", kind=ProcedureKind.CALIBRATION, categories=["qa_instrument"]
    )
    qc = procedure(manager, site_a, "CT-QC", modalities=["CT"])
    start = NOW - timedelta(days=100)
    signed(physicist, meter, calibration, performed_at=start, valid_until=NOW + timedelta(days=9))
    used = signed(tech, ct, qc, performed_at=NOW - timedelta(days=5), instruments=[meter])
    found = signed(
        physicist,
        meter,
        calibration,
        outcome="tolerance",
        now=NOW + timedelta(hours=1),
        performed_at=NOW,
        valid_until=NOW + timedelta(days=300),
    )
    client.force_login(manager)
    page = client.get(f"/equipment/records/{found.pk}/").content.decode()
    assert 'id="suspects"' in page and f"/equipment/records/{used.pk}/" in page
    page = client.get(f"/equipment/records/{used.pk}/").content.decode()
    assert 'id="review-state"' in page and "later found out of tolerance" in page
    queue = client.get(QUEUE).content.decode()
    assert "ALPHA-DOS1 found out of tolerance on" in queue


def test_the_status_history_names_the_records_that_satisfied_the_gate(
    client, manager, physicist, site_a
):
    mammo = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-MG1", modalities=["MG"])
    mee = mammography_evaluation(manager, site_a)
    with time_machine.travel(NOW, tick=False):
        record_equipment_event(
            mammo,
            kind=RequiringEvent.INSTALLATION,
            actor=manager,
            occurred_at=NOW - timedelta(days=1),
        )
        factories.signed_acceptance(actor=manager, equipment=mammo, now=NOW - timedelta(hours=2))
        passed = signed(physicist, mammo, mee, performed_at=NOW - timedelta(hours=1))
        change_equipment_status(
            equipment=mammo, to=EquipmentStatus.IN_SERVICE, reason="Installed", actor=manager
        )
    client.force_login(manager)
    page = client.get(f"/equipment/{mammo.pk}/").content.decode()
    assert "The gate was satisfied by" in page
    assert f'href="/equipment/records/{passed.pk}/">MQSA-MEE</a>' in page
