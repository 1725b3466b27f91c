"""A site's issued logs: newest first, paged, as CSV, only at the person's own sites, in a
number of queries that does not grow with the logs."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.views.logs import SiteLogListView
from imaging_ops.vocabulary import Role
from tests.compliance.signed_logs import approve, issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_list_shows_the_sites_logs_newest_first_and_pages(
    client, monkeypatch, manager, inspector, ct
):
    monkeypatch.setattr(SiteLogListView, "paginate_by", 2)
    logs = [issue(manager, ct) for _ in range(3)]
    approve(logs[0], manager)
    client.force_login(inspector)
    first = client.get("/compliance/sites/ALPHA/logs/")
    assert first.status_code == 200
    assert [log.code for log in first.context["logs"]] == [logs[2].code, logs[1].code]
    second = client.get("/compliance/sites/ALPHA/logs/", {"page": 2}).content.decode()
    assert logs[0].code in second and "Approved" in second
    assert manager.display_name.split(",")[0] in second


def test_the_csv_holds_every_log_with_its_hashes(client, manager, inspector, ct):
    logs = [issue(manager, ct) for _ in range(2)]
    approved = approve(logs[0], manager)
    client.force_login(inspector)
    response = client.get("/compliance/sites/ALPHA/logs/export.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["code"] for r in rows] == [logs[1].code, logs[0].code]
    assert rows[1]["state"] == "Approved" and rows[1]["file sha256"] == approved.file_sha256
    assert rows[1]["draft file sha256"] == logs[0].draft_file_sha256
    assert rows[0]["approved by"] == ""


def test_another_sites_list_is_not_found(client, person, site_b, manager, ct):
    issue(manager, ct)
    outsider = person(Role.MANAGER, site_b, username="bmgr")
    client.force_login(outsider)
    assert client.get("/compliance/sites/ALPHA/logs/").status_code == 404
    assert client.get("/compliance/sites/ALPHA/logs/export.csv").status_code == 404
    own = client.get("/compliance/sites/BETA/logs/")
    assert own.status_code == 200 and not own.context["logs"]


def test_signing_in_is_required(client, site_a):
    response = client.get("/compliance/sites/ALPHA/logs/")
    assert response.status_code == 302 and "/login" in response["Location"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/compliance/sites/ALPHA/logs/", "/compliance/sites/ALPHA/logs/export.csv"]
)
def test_the_list_and_csv_run_the_same_queries_for_few_or_many_logs(
    client, person, site_a, manager, physicist, ct, url
):
    issue(manager, ct)
    client.force_login(manager)
    _queries(client, url)  # warm up
    few = _queries(client, url)
    for _ in range(3):
        approve(issue(physicist, ct), manager)
    assert _queries(client, url) == few
