"""The equipment log's snapshot: every record of the period in time order with its results
against limits, signatures and amendments beside what they superseded, the schedules, work
orders with downtime, status changes and exceptions, read in a constant number of queries."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.selectors.logs import Period, snapshot_sha256
from equipment.models import Category
from equipment.services.records import sign_service_record
from equipment.services.work_orders import open_work_order
from imaging_ops.models import Meaning
from tests import factories
from tests.compliance.logs_support import PERIOD, amend, record, snapshot
from tests.equipment.conftest import NOW
from tests.equipment.records.conftest import sign
from tests.equipment.records.test_record_service import calibrate

pytestmark = pytest.mark.django_db

ACTION = {"confirm_action": True, "comments": "Tube current ± 12 %: service called."}


def test_the_snapshot_holds_each_record_with_results_limits_and_signatures(zoe, daily, ct):
    record(daily, zoe, days_ago=2)
    record(daily, zoe, days_ago=1, ma="112", content=ACTION)
    log = snapshot(ct)
    assert log["equipment"]["asset_tag"] == "ALPHA-CT1"
    assert log["facility"]["name"] == "Alpha General"
    assert log["period"] == {"start": "2026-02-01", "end": "2026-03-31"}
    first, second = log["records"]
    assert first["performed_at"] < second["performed_at"]
    ma = next(r for r in second["results"] if r["check"] == "Tube current")
    assert ma["value"] == "112" and ma["unit"] == "mA" and ma["result"] == "Action"
    assert ma["limits"] == "tolerance 95 to 105; action limits 90 to 110 mA"
    assert second["outcome"] == "Action"
    (signature,) = second["signatures"]
    assert signature["name"] == "Zoë Ångström" and signature["meaning"] == "Performed"
    assert signature["signed_at"].endswith("EST (UTC\u221205:00)")
    assert second["performer"] == "Zoë Ångström, RT(R)(CT)"
    assert any(e["kind"] == "Action result" for e in log["exceptions"])
    assert log["schedules"][0]["procedure"] == "CT-DAILY CT daily QC"
    json.dumps(log)  # plain data only


def test_an_amendment_is_shown_with_its_reason_beside_what_it_superseded(zoe, daily, ct):
    made = record(daily, zoe, days_ago=1, ma="100")
    amend(made, zoe, reason="Typed the wrong tube current", ma="101")
    (entry,) = snapshot(ct)["records"]
    assert entry["version"] == 2
    (amendment,) = entry["amendments"]
    assert amendment["reason"] == "Typed the wrong tube current"
    superseded = next(r for r in amendment["superseded"]["results"] if r["check"] == "Tube current")
    current = next(r for r in entry["results"] if r["check"] == "Tube current")
    assert (superseded["value"], current["value"]) == ("100", "101")


def test_records_outside_the_period_are_left_out(zoe, daily, ct):
    record(daily, zoe, days_ago=1)
    march_only = Period(start=PERIOD.end.replace(day=5), end=PERIOD.end)
    assert snapshot(ct, march_only)["records"] == []


def test_an_open_work_order_is_an_open_deficiency_with_its_downtime(zoe, manager, daily, ct):
    open_work_order(
        actor=manager, equipment=ct, problem="Gantry noise on rotation", now=NOW, priority="high"
    )
    log = snapshot(ct)
    (work_order,) = log["work_orders"]
    assert work_order["problem"] == "Gantry noise on rotation" and work_order["open"]
    assert work_order["downtime"]
    assert any(
        e["kind"] == "Open deficiency" and "Gantry noise" in e["detail"] for e in log["exceptions"]
    )


def test_the_hash_is_stable_for_the_same_records(zoe, daily, ct):
    record(daily, zoe, days_ago=1)
    assert snapshot_sha256(snapshot(ct)) == snapshot_sha256(snapshot(ct))


def _queries(equipment) -> int:
    with CaptureQueriesContext(connection) as queries:
        snapshot(equipment)
    return len(queries)


def test_the_snapshot_reads_in_the_same_number_of_queries_for_few_or_many_records(
    zoe, manager, daily, ct
):
    record(daily, zoe, days_ago=1)
    open_work_order(actor=manager, equipment=ct, problem="Couch squeak", now=NOW, priority="low")
    snapshot(ct)  # warm the content-type cache
    few = _queries(ct)
    for days_ago in range(2, 12):
        made = record(daily, zoe, days_ago=days_ago)
        if days_ago % 3 == 0:
            amend(made, zoe, reason="Corrected", ma="101")
    for problem in ("Table drift", "Tube arcing"):
        open_work_order(actor=manager, equipment=ct, problem=problem, now=NOW, priority="low")
    assert len(snapshot(ct)["records"]) == 11
    assert _queries(ct) == few


def test_each_instrument_shows_its_calibration_before_the_work(zoe, physicist, daily, ct, site_a):
    meter = factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-DOS1", category=Category.QA_INSTRUMENT, modalities=[]
    )
    calibration = calibrate(meter, zoe, site_a, valid_until=NOW + timedelta(days=60))
    sign_service_record(
        record=calibration,
        signer=physicist,
        now=NOW,
        meaning=Meaning.REVIEWED,
        **sign(username="phil"),
    )
    record(daily, zoe, days_ago=1, content={"instruments": [meter]})
    (entry,) = snapshot(ct)["records"]
    calibrated_on = (NOW - timedelta(days=300)).date().isoformat()
    assert entry["instruments"] == [f"ALPHA-DOS1 {meter.name} (calibrated {calibrated_on})"]


def test_each_numeric_check_has_its_trend_of_the_period_with_bands_and_failures(zoe, daily, ct):
    record(daily, zoe, days_ago=3, ma="100")
    record(daily, zoe, days_ago=2, ma="112", content=ACTION)
    record(daily, zoe, days_ago=1, ma="101")
    trends = {t["check"]: t for t in snapshot(ct)["trends"]}
    current = trends["Tube current"]
    assert current["unit"] == "mA" and current["procedure"] == "CT daily QC"
    assert [(value, failed) for _, value, failed in current["points"]] == [
        (100.0, False),
        (112.0, True),
        (101.0, False),
    ]
    # The bands as zones: action below 90 and above 110, tolerance to 95 and from 105.
    edges = sorted({edge for low, high, *_ in current["zones"] for edge in (low, high) if edge})
    assert edges == [90.0, 95.0, 105.0, 110.0]
    # Values outside the period are not in its trend.
    march_only = Period(start=PERIOD.end.replace(day=5), end=PERIOD.end)
    assert snapshot(ct, march_only)["trends"] == []
