"""The record form, its as-you-type evaluation and the trends its disclosures load run the same
queries for 10 schedules at the site or 500, and for a schedule with 5 past records or 500
(values and trends in one query)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.equipment.record_form.conftest import (
    add_past_records,
    check_ids,
    evaluate_url,
    record_url,
)
from tests.equipment.schedules.test_schedule_list import add_schedules

pytestmark = pytest.mark.django_db


def queries(client, method, url, data=None) -> int:
    getattr(client, method)(url, data)  # warm up: the session's first save
    with CaptureQueriesContext(connection) as captured:
        answer = getattr(client, method)(url, data)
    assert answer.status_code == 200
    return len(captured)


def counts(client, schedule) -> tuple[int, int]:
    ma = check_ids(schedule)["ma"]
    return (
        queries(client, "get", record_url(schedule)),
        queries(client, "post", evaluate_url(schedule, "ma"), {f"value_{ma}": "101"}),
        queries(client, "get", trends_url(schedule)),
    )


def trends_url(schedule, check="") -> str:
    return f"/equipment/schedules/{schedule.pk}/trends/" + (f"?check={check}" if check else "")


def test_the_form_and_evaluation_do_not_grow_with_the_sites_schedules(client, tech, daily_qc):
    client.force_login(tech)
    add_schedules(daily_qc, 9)
    few = counts(client, daily_qc)
    add_schedules(daily_qc, 490)
    assert counts(client, daily_qc) == few


def test_the_form_and_evaluation_do_not_grow_with_past_records(client, tech, daily_qc):
    client.force_login(tech)
    add_past_records(daily_qc, 5, actor=tech)
    few = counts(client, daily_qc)
    page = client.get(record_url(daily_qc))
    assert all(len(entry.recent) == 5 for entry in page.context["entries"])
    add_past_records(daily_qc, 495, actor=tech)
    assert counts(client, daily_qc) == few
    page = client.get(record_url(daily_qc))
    ma = next(entry for entry in page.context["entries"] if entry.check.key == "ma")
    assert len(ma.recent) == 5 and ma.trend_url == trends_url(daily_qc, "ma")
    loaded = client.get(ma.trend_url, headers={"HX-Request": "true"})
    assert [len(t.measurements) for t in loaded.context["trends"]] == [60]
