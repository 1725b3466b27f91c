"""The records list at your sites and of one machine: each filter, sorting by the moment
performed, pagination, the empty states, scoping, the CSV with the same filters, and the same
queries for 10 and for 500 records."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import ProcedureKind, ServiceRecord
from equipment.services.records import void_service_record
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.record_pages.conftest import copy_records, pdf, record, values_for

pytestmark = pytest.mark.django_db

LIST = "/equipment/records/"


def listed(client, query="", url=LIST) -> list[int]:
    """The ids of the records the list shows, in order."""
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200, response.content.decode()[:500]
    return [row.record.pk for row in response.context["rows"]]


@pytest.fixture
def three(tech, manager, daily):
    """A passing record, a tolerance record a day earlier, and a voided action record two
    days earlier (with its confirmation and comment)."""
    ok = record(daily, tech, performed_at=NOW - timedelta(minutes=30))
    high = record(
        daily,
        tech,
        performed_at=NOW - timedelta(days=1),
        values=values_for(daily, ma="106"),
    )
    action = record(
        daily,
        manager,
        performed_at=NOW - timedelta(days=2),
        values=values_for(daily, ma="120"),
        confirm_action=True,
        comments="Tube current far too high; called service.",
    )
    void_service_record(actor=manager, record=action, reason="Wrong machine", now=NOW)
    return ok, high, action


def test_the_list_shows_my_sites_records_newest_first(client, tech, three):
    client.force_login(tech)
    ok, high, action = three
    assert listed(client) == [ok.pk, high.pk, action.pk]
    assert listed(client, "sort=performed_at") == [action.pk, high.pk, ok.pk]
    page = client.get(LIST).content.decode()
    assert f"/equipment/records/{ok.pk}/" in page
    assert "EST (UTC\u221205:00)" in page  # performed at, in the site's own time


def test_each_filter_narrows_the_list(client, tech, manager, three, daily, ct_qc, ct):
    ok, high, action = three
    client.force_login(tech)
    assert listed(client, "outcome=tolerance") == [high.pk]
    assert listed(client, "outcome=action") == [action.pk]
    assert listed(client, "voided=true") == [action.pk]
    assert listed(client, "voided=false") == [ok.pk, high.pk]
    assert listed(client, f"performer={manager.pk}") == [action.pk]
    assert listed(client, f"performer={tech.pk}") == [ok.pk, high.pk]
    assert listed(client, "performer=external") == []
    assert listed(client, f"procedure={daily.procedure_id}") == [ok.pk, high.pk, action.pk]
    assert listed(client, f"procedure={ct_qc.pk}") == []
    assert listed(client, f"kind={ProcedureKind.QC}") == [ok.pk, high.pk, action.pk]
    assert listed(client, f"kind={ProcedureKind.CALIBRATION}") == []
    assert listed(client, f"equipment={ct.pk}") == [ok.pk, high.pk, action.pk]
    assert listed(client, f"site={ct.site_id}") == [ok.pk, high.pk, action.pk]
    timeliness = ok.current_version.timeliness
    assert ok.pk in listed(client, f"timeliness={timeliness}")
    others = {"early", "on_time", "in_grace", "late", "past_hard_limit"} - {timeliness}
    for other in others:
        assert ok.pk not in listed(client, f"timeliness={other}")


def test_the_period_is_read_in_the_sites_own_days(client, tech, daily):
    """GIVEN records at 23:30 on 2 March and 00:30 on 3 March in New York (04:30 and 05:30
    UTC on 3 March) WHEN the list asks for 3 March THEN only the second is on that day."""
    late_evening = record(daily, tech, performed_at=NOW.replace(day=3, hour=4, minute=30))
    after_midnight = record(daily, tech, performed_at=NOW.replace(day=3, hour=5, minute=30))
    client.force_login(tech)
    day = "performed_from=2026-03-03&performed_to=2026-03-03"
    assert listed(client, day) == [after_midnight.pk]
    assert listed(client, "performed_to=2026-03-02") == [late_evening.pk]
    assert listed(client, "performed_from=2026-03-02") == [after_midnight.pk, late_evening.pk]


def test_bad_filters_say_so_and_list_nothing(client, tech, three):
    client.force_login(tech)
    response = client.get(f"{LIST}?performed_from=yesterday&performer=somebody")
    assert response.status_code == 200
    assert response.context["rows"] == []
    errors = response.context["filter"].errors
    assert {"performed_from", "performer"} <= set(errors)
    assert "Choose a person" in response.content.decode()


def test_other_sites_records_are_not_listed_and_their_filters_refused(
    client, person, site_b, three, ct
):
    outsider = person("technician", site_b)
    client.force_login(outsider)
    assert listed(client) == []
    response = client.get(f"{LIST}?equipment={ct.pk}")
    assert response.context["rows"] == [] and "equipment" in response.context["filter"].errors
    assert client.get(f"/equipment/{ct.pk}/records/").status_code == 404
    assert client.get(f"/equipment/{ct.pk}/records/export/").status_code == 404


def test_the_empty_states(client, tech, ct, daily):
    client.force_login(tech)
    assert "No work has been recorded on equipment at your sites yet." in (
        client.get(LIST).content.decode()
    )
    page = client.get(f"/equipment/{ct.pk}/records/").content.decode()
    assert f"No work has been recorded on {ct.asset_tag} yet." in page
    record(daily, tech)
    assert (
        "No record matches these filters." in client.get(f"{LIST}?outcome=action").content.decode()
    )


def test_one_machines_list_shows_only_its_records(client, tech, three, site_a, manager):
    other = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT2")
    client.force_login(tech)
    ok, high, action = three
    assert listed(client, url=f"/equipment/{ok.equipment_id}/records/") == [
        ok.pk,
        high.pk,
        action.pk,
    ]
    assert listed(client, url=f"/equipment/{other.pk}/records/") == []


def test_the_list_is_paginated(client, tech, daily):
    made = record(daily, tech)
    copy_records(made, 54)
    client.force_login(tech)
    first = client.get(LIST)
    assert len(first.context["rows"]) == 50 and first.context["paginator"].count == 55
    second = client.get(f"{LIST}?page=2")
    assert len(second.context["rows"]) == 5
    assert {r.record.pk for r in first.context["rows"]}.isdisjoint(
        {r.record.pk for r in second.context["rows"]}
    )


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="records')
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_has_the_lists_filters_rows_and_site_times(client, tech, three):
    ok, high, _ = three
    client.force_login(tech)
    rows = read_csv(client.get(f"{LIST}export/?voided=false"))
    assert [int(r["record"]) for r in rows] == [ok.pk, high.pk]
    tolerance = rows[1]
    assert tolerance["outcome"] == "Tolerance" and tolerance["site"] == "ALPHA"
    assert tolerance["performed_at"].endswith("EST (UTC\u221205:00)")
    assert "ma=106 (tolerance)" in tolerance["measurements"]
    assert tolerance["performer"] == tech.display_name and tolerance["state"] == "Counts"
    voided = read_csv(client.get(f"/equipment/{ok.equipment_id}/records/export/?voided=true"))
    assert [(r["state"], r["void_reason"]) for r in voided] == [("Void", "Wrong machine")]


def test_the_csv_neutralises_formulas(client, tech, daily):
    record(daily, tech, comments='=HYPERLINK("http://evil")')
    client.force_login(tech)
    (row,) = read_csv(client.get(f"{LIST}export/"))
    assert row["comments"].startswith("'=")


def test_an_outside_performers_record_is_filtered_as_external(client, tech, daily, ct):
    made = record(
        daily,
        tech,
        signature=False,
        external={"name": "Field Engineer", "organisation": "Vendor Inc."},
        attachments=[pdf()],
    )
    client.force_login(tech)
    assert listed(client, "performer=external") == [made.pk]
    assert listed(client, f"performer={tech.pk}") == []
    (row,) = read_csv(client.get(f"{LIST}export/?performer=external"))
    assert row["performer"] == "Field Engineer" and row["state"] == "Awaiting review"


def count_queries(client, url) -> int:
    client.get(url)  # warm up: session, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [LIST, f"{LIST}?outcome=tolerance&performed_from=2025-01-01&site=", f"{LIST}export/"],
)
def test_the_list_and_csv_run_the_same_queries_for_10_and_500_records(client, tech, daily, url):
    made = record(daily, tech, values=values_for(daily, ma="106"))
    copy_records(made, 9)
    client.force_login(tech)
    ten = count_queries(client, url)
    copy_records(made, 490, step=timedelta(minutes=7))
    assert ServiceRecord.objects.count() == 500
    assert count_queries(client, url) == ten


def test_one_machines_list_runs_the_same_queries_for_10_and_500_records(client, tech, daily):
    made = record(daily, tech)
    copy_records(made, 9)
    client.force_login(tech)
    url = f"/equipment/{made.equipment_id}/records/?sort=performed_at"
    ten = count_queries(client, url)
    copy_records(made, 490, step=timedelta(minutes=7))
    assert count_queries(client, url) == ten


def test_the_performer_filter_names_people_as_signatures_do_in_the_same_queries_for_many(
    client, tech, person, site_a
):
    client.force_login(tech)
    few = count_queries(client, LIST)
    people = [factories.MembershipFactory(site=site_a, role="technician").user for _ in range(20)]
    people[0].full_name, people[0].credentials = "Ana Ruiz", "RT(R)(CT)"
    people[0].save()
    people[1].full_name, people[1].first_name, people[1].last_name = "", "Ben", "Ode"
    people[1].credentials = ""
    people[1].save()
    assert count_queries(client, LIST) == few
    offered = dict(client.get(LIST).context["performer_choices"])
    for someone in [*people[:2], tech]:
        someone.refresh_from_db()
        assert offered[str(someone.pk)] == someone.display_name
