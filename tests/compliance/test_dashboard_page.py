"""The dashboard page, its CSV and /api/v1/dashboard/: managers only, their sites only, the
same figures from the same selectors, bad filters as field errors, and a constant number of
queries for 10 and for 1,000 pieces of equipment."""

import csv
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imaging_ops.vocabulary import Role
from tests.compliance.dashboard_data import (
    DAY,
    NOW,
    many_units,
    procedure,
    schedule,
    unit,
    work_order,
)

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("compliance:dashboard")
API = "/api/v1/dashboard/"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(manager, site_a, site_b, tech):
    """Alpha: a CT overdue (assigned to Tess) and an MR due in 5 days; Beta: a CT overdue."""
    proc = procedure(manager, site_a)
    ct, mr = unit(site_a, asset_tag="A-CT"), unit(site_a, modality="MR", asset_tag="A-MR")
    overdue = schedule(ct, proc, due=NOW - 20 * DAY, assignee=tech)
    soon = schedule(mr, proc, due=NOW + 5 * DAY)
    beta = unit(site_b, asset_tag="B-CT")
    schedule(beta, procedure(manager, site_a, code="B-QC"), due=NOW - 30 * DAY)
    work_order(beta, manager, opened_at=NOW - DAY)
    return {"overdue": overdue, "soon": soon}


def test_a_manager_sees_the_figures_of_their_sites_only(client, manager, history):
    client.force_login(manager)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    figures = response.context["figures"]
    assert [row.label for row in figures.compliance_by_site] == ["ALPHA"]
    assert figures.overdue_count == 1 and figures.overdue == [history["overdue"]]
    assert figures.due_soon == [history["soon"]]
    assert sum(row.total for row in figures.work_orders) == 0
    page = response.content.decode()
    assert "A-CT" in page and "B-CT" not in page and "<svg" in page


def test_the_overdue_count_links_to_the_schedule_list_filtered_the_same_way(
    client, manager, site_a, history
):
    client.force_login(manager)
    response = client.get(DASHBOARD, {"site": site_a.pk, "modality": "CT"})
    url = response.context["overdue_url"]
    assert url.startswith(reverse("equipment:schedules"))
    listed = client.get(url)
    assert [row.schedule for row in listed.context["rows"]] == [history["overdue"]]


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PHYSICIST, Role.INSPECTOR])
def test_people_who_manage_no_site_are_refused(client, person, site_a, role):
    client.force_login(person(role, site_a))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("compliance:dashboard_export", args=["overdue"])).status_code == 403


def test_another_sites_filter_is_a_field_error(client, manager, site_b, history):
    client.force_login(manager)
    response = client.get(DASHBOARD, {"site": site_b.pk})
    assert response.status_code == 400
    assert "site" in response.context["form"].errors


@pytest.mark.parametrize(
    "params, field",
    [
        ({"period_from": "2026-06-10", "period_to": "2026-06-01"}, "period_from"),
        ({"period_from": "2020-01-01", "period_to": "2026-06-01"}, "period_to"),
        ({"period_to": "yesterday"}, "period_to"),
        ({"modality": "XX"}, "modality"),
        ({"site": "1e9"}, "site"),
    ],
)
def test_bad_filters_are_field_errors_never_a_500(client, api, manager, history, params, field):
    client.force_login(manager)
    response = client.get(DASHBOARD, params)
    assert response.status_code == 400 and field in response.context["form"].errors
    api.force_authenticate(manager)
    answer = api.get(API, params)
    assert answer.status_code == 400 and field in answer.json()


def test_an_unknown_page_of_the_overview_is_404(client, manager, history):
    client.force_login(manager)
    assert client.get(DASHBOARD, {"page": "9"}).status_code == 404
    assert client.get(DASHBOARD, {"page": "x"}).status_code == 404


def test_the_overview_sorts_and_pages(client, manager, site_a, history):
    many_units(site_a, procedure(manager, site_a, code="BULK-QC"), 30)
    client.force_login(manager)
    first = client.get(DASHBOARD, {"sort": "-next_due"})
    rows = [s for s, _label, _when in first.context["overview"]]
    assert len(rows) == 25 and first.context["paginator"].count == 32
    assert [s.next_due for s in rows] == sorted((s.next_due for s in rows), reverse=True)
    second = client.get(DASHBOARD, {"sort": "-next_due", "page": 2})
    assert len(second.context["overview"]) == 7


def test_each_table_exports_as_csv_with_the_filters(client, manager, tech, site_a, history):
    client.force_login(manager)
    url = reverse("compliance:dashboard_export", args=["overdue"])
    response = client.get(url, {"site": site_a.pk})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["site", "asset_tag"]
    assert [(r[1], r[4], r[5]) for r in rows[1:]] == [("A-CT", "Overdue", str(tech))]
    for table in ("compliance-by-site", "on-time", "availability", "work-orders", "training"):
        assert client.get(reverse("compliance:dashboard_export", args=[table])).status_code == 200
    assert client.get(reverse("compliance:dashboard_export", args=["nothing"])).status_code == 404


def test_the_managers_home_is_the_dashboard_and_technicians_keep_my_work(
    client, manager, tech, history
):
    client.force_login(manager)
    home = client.get(reverse("home"))
    assert "compliance/dashboard.html" in {t.name for t in home.templates}
    assert home.context["figures"].overdue_count == 1
    client.force_login(tech)
    assert "home/technician.html" in {t.name for t in client.get(reverse("home")).templates}


def test_the_api_gives_the_pages_figures(api, manager, site_a, history):
    api.force_authenticate(manager)
    body = api.get(API, {"modality": "CT"}).json()
    assert body["compliance_by_site"] == [
        {"key": site_a.pk, "label": "ALPHA", "active": 1, "overdue": 1, "share": 0.0}
    ]
    assert body["overdue"]["count"] == 1
    assert body["overdue"]["oldest"][0]["asset_tag"] == "A-CT"
    assert len(body["on_time_by_month"]) == 12
    assert body["work_orders"]["mean_time_to_repair_seconds"] is None


def test_the_api_refuses_people_who_manage_nothing(api, tech, history):
    api.force_authenticate(tech)
    assert api.get(API).status_code == 403


def _queries(client, url) -> int:
    client.get(url)  # warm up: the session, content types
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [DASHBOARD, reverse("home"), API])
def test_the_dashboard_runs_the_same_queries_for_10_and_1000_pieces_of_equipment(
    client, manager, site_a, url
):
    proc = procedure(manager, site_a, code="BULK-QC")
    many_units(site_a, proc, 10, prefix="SMALL")
    client.force_login(manager)
    small = _queries(client, url)
    many_units(site_a, proc, 990, prefix="LARGE")
    assert _queries(client, url) == small


def test_the_oldest_open_work_orders_link_to_the_list_of_exactly_those(
    client, manager, site_a, history
):
    ct = history["overdue"].equipment
    old = work_order(ct, manager, opened_at=NOW - 45 * DAY, priority="urgent")
    work_order(ct, manager, opened_at=NOW - 2 * DAY, priority="urgent")
    client.force_login(manager)
    rows = {
        row.priority: cells for row, cells, _url in client.get(DASHBOARD).context["work_orders"]
    }
    (young, _young_url), _middle, (oldest, oldest_url) = rows["urgent"]
    assert (young, oldest) == (1, 1)
    listed = client.get(oldest_url)
    assert list(listed.context["page_obj"].object_list) == [old]
