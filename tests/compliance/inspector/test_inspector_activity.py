"""The managers' inspector activity page: what their sites' inspectors read and downloaded,
newest first, by inspector, site and period, paged, as CSV; their own sites only; 403 to
anyone who manages no site; in the same number of queries for few events or many."""

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.services.logs import record_log_download
from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent
from imaging_ops.vocabulary import Role
from tests import factories
from tests.compliance.inspector.support import stored_log

pytestmark = pytest.mark.django_db

ACTIVITY = "/compliance/inspector-activity/"
EXPORT = "/compliance/inspector-activity/export.csv"


@pytest.fixture
def scanner(site_a):
    return factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1", name="Main CT")


@pytest.fixture
def beta_scanner(site_b):
    return factories.EquipmentFactory(site=site_b, asset_tag="BETA-CT1", name="Beta CT")


@pytest.fixture
def beta_inspector(person, site_b):
    return person(Role.INSPECTOR, site_b, username="bert")


def _read(client, user, *paths):
    client.force_login(user)
    for path in paths:
        assert client.get(path).status_code == 200, path
    client.logout()


def _rows(response):
    return response.context["rows"]


def test_a_manager_reads_what_their_inspector_looked_at_and_downloaded(
    client, manager, inspector, scanner
):
    log = stored_log(manager, scanner)
    _read(client, inspector, "/", f"/equipment/{scanner.pk}/")
    record_log_download(actor=inspector, log=log)
    client.force_login(manager)
    response = client.get(ACTIVITY)
    assert response.status_code == 200
    rows = _rows(response)
    assert [row["entry"].action for row in rows] == ["Exported", "Viewed", "Viewed"]
    download, machine, home = rows
    assert download["what"] == f"Equipment log {log.code}"
    assert machine["what"] == "ALPHA-CT1 — Main CT"
    assert machine["path"] == f"/equipment/{scanner.pk}/"
    assert home["path"] == "/"
    page = response.content.decode()
    assert "ines" in page and "ALPHA-CT1 — Main CT" in page
    assert re.search(r" E[SD]T \(UTC\u22120[45]:00\)", page)  # Alpha's time


def test_a_manager_sees_only_their_own_sites_inspectors(
    client, manager, inspector, beta_inspector, scanner, beta_scanner
):
    _read(client, inspector, f"/equipment/{scanner.pk}/")
    _read(client, beta_inspector, f"/equipment/{beta_scanner.pk}/", "/")
    client.force_login(manager)
    response = client.get(ACTIVITY)
    assert {row["entry"].event.actor_id for row in _rows(response)} == {inspector.pk}
    assert "BETA-CT1" not in response.content.decode()
    assert [u.username for u in response.context["form"].fields["inspector"].queryset] == ["ines"]
    # Another site's inspector cannot be chosen, nor another site.
    refused = client.get(ACTIVITY, {"inspector": beta_inspector.pk})
    assert refused.status_code == 400 and "inspector" in refused.context["form"].errors
    site_b = beta_scanner.site
    assert client.get(ACTIVITY, {"site": site_b.pk}).status_code == 400


def test_the_activity_of_others_is_not_listed(client, manager, tech, inspector, scanner):
    _read(client, tech, f"/equipment/{scanner.pk}/")
    client.force_login(manager)
    assert _rows(client.get(ACTIVITY)) == []
    assert "No inspector activity matches." in client.get(ACTIVITY).content.decode()


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PHYSICIST, Role.INSPECTOR])
def test_only_managers_open_the_page(client, person, site_a, role):
    client.force_login(person(role, site_a))
    assert client.get(ACTIVITY).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_signing_in_is_required(client, db):
    response = client.get(ACTIVITY)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_filters_by_inspector_site_and_period(
    client, person, manager, inspector, site_a, site_b, scanner, beta_scanner
):
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)
    other = person(Role.INSPECTOR, site_a, username="olga")
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        _read(client, inspector, f"/equipment/{scanner.pk}/")
    factories.MembershipFactory(
        user=inspector, site=site_b, role=Role.INSPECTOR, expires_on=factories.days_from_today(5)
    )
    _read(client, inspector, f"/equipment/{beta_scanner.pk}/")
    _read(client, other, f"/equipment/{scanner.pk}/")
    client.force_login(manager)

    def paths(**query):
        response = client.get(ACTIVITY, query)
        assert response.status_code == 200
        return [(row["entry"].event.actor.username, row["path"]) for row in _rows(response)]

    alpha, beta = f"/equipment/{scanner.pk}/", f"/equipment/{beta_scanner.pk}/"
    assert paths() == [("olga", alpha), ("ines", beta), ("ines", alpha)]
    assert paths(inspector=inspector.pk) == [("ines", beta), ("ines", alpha)]
    assert paths(site=site_b.pk) == [("ines", beta)]
    today = site_a.today(timezone.now())
    assert paths(date_from=today - timedelta(days=1)) == [("olga", alpha), ("ines", beta)]
    assert paths(date_to=today - timedelta(days=2), site=site_a.pk) == [("ines", alpha)]


def test_a_reversed_period_is_a_field_error(client, manager):
    client.force_login(manager)
    response = client.get(ACTIVITY, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 400
    assert "swap the two dates" in " ".join(response.context["form"].errors["date_to"])
    assert client.get(ACTIVITY, {"date_from": "yesterday"}).status_code == 400


def test_the_activity_is_paged_newest_first(client, manager, inspector, scanner):
    client.force_login(inspector)
    for _ in range(52):
        client.get(f"/equipment/{scanner.pk}/")
    client.force_login(manager)
    first = client.get(ACTIVITY)
    seqs = [row["entry"].event.seq for row in _rows(first)]
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
    assert first.context["next_query"]
    second = client.get(f"{ACTIVITY}?{first.context['next_query']}")
    more = [row["entry"].event.seq for row in _rows(second)]
    assert len(more) == 2 and max(more) < min(seqs)
    assert second.context["next_query"] is None


def test_the_csv_holds_every_row_and_its_export_is_audited(
    client, manager, inspector, scanner, site_a
):
    _read(client, inspector, "/", f"/equipment/{scanner.pk}/")
    client.force_login(manager)
    response = client.get(EXPORT, {"inspector": inspector.pk})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert "inspector-activity-" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["address"] for row in rows] == [f"/equipment/{scanner.pk}/", "/"]
    assert rows[0]["record"] == "ALPHA-CT1 — Main CT" and rows[0]["site"] == "ALPHA"
    assert rows[0]["action"] == "Viewed" and rows[0]["page"] == "equipment:detail"
    assert "ines" in rows[0]["inspector"] and "(UTC" in rows[0]["time (site time zone)"]
    export = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="inspector activity")
    assert export.site_id == site_a.pk and export.actor == manager


def _activity_queries(client) -> int:
    client.get(ACTIVITY)  # warm up: the session's first request saves it
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ACTIVITY).status_code == 200
    return len(queries)


def test_the_page_runs_the_same_queries_for_few_or_many_events(
    client, manager, inspector, person, site_a, scanner
):
    olga = person(Role.INSPECTOR, site_a, username="olga")
    _read(client, inspector, f"/equipment/{scanner.pk}/")
    record_log_download(actor=inspector, log=stored_log(manager, scanner))
    client.force_login(manager)
    few = _activity_queries(client)
    client.force_login(olga)
    for machine in [factories.EquipmentFactory(site=site_a) for _ in range(8)]:
        client.get(f"/equipment/{machine.pk}/")
        record_log_download(actor=olga, log=stored_log(manager, machine))
    client.force_login(manager)
    assert _activity_queries(client) == few


def test_the_managers_dashboard_links_the_page(client, manager, tech):
    client.force_login(manager)
    assert f'href="{ACTIVITY}"' in client.get("/compliance/dashboard/").content.decode()
    client.force_login(tech)
    assert f'href="{ACTIVITY}"' not in client.get("/").content.decode()
