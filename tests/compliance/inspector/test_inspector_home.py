"""The inspector's home: find a machine by asset tag, serial number or QR address, at their
sites only; their sites with the day access ends; the latest logs to download; in the same
number of queries for 10 machines and logs as for 200. An expired inspector cannot sign in."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from compliance.models import LogState
from imaging_ops.vocabulary import Role
from tests import factories
from tests.compliance.inspector.support import stored_log

pytestmark = pytest.mark.django_db

HOME = reverse("home")


@pytest.fixture
def scanner(site_a):
    return factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-CT1", name="Main CT", serial_number="CT-55012"
    )


@pytest.fixture
def beta_scanner(site_b):
    return factories.EquipmentFactory(
        site=site_b, asset_tag="BETA-CT1", name="Beta CT", serial_number="CT-77001"
    )


def _search(client, user, text):
    client.force_login(user)
    return client.get(HOME, {"q": text})


def _found(response) -> list[str]:
    return [machine.asset_tag for machine in response.context["found"]]


def test_the_inspector_home_is_the_portal_with_its_sections(client, inspector, site_a):
    client.force_login(inspector)
    response = client.get(HOME)
    page = response.content.decode()
    assert response.status_code == 200
    assert "home/inspector.html" in [t.name for t in response.templates]
    for section in ('id="find-equipment"', 'id="your-sites"', 'id="latest-logs"'):
        assert section in page
    assert 'role="search"' in page and 'name="q"' in page
    expires_on = inspector.memberships.get().expires_on
    assert f"Access until {expires_on:%Y-%m-%d}" in page
    assert "ends tomorrow" not in page  # thirty days left
    assert 'href="/compliance/sites/ALPHA/logs/"' in page
    assert f'href="/equipment/?site={site_a.pk}"' in page


def test_access_that_ends_tomorrow_is_said_on_the_home(client, person, site_a):
    tomorrow = site_a.today(timezone.now()) + timedelta(days=1)
    inspector = person(Role.INSPECTOR, site_a, expires_on=tomorrow)
    client.force_login(inspector)
    page = client.get(HOME).content.decode()
    assert re.search(rf"Access until {tomorrow:%Y-%m-%d}\s*<span[^>]*>ends tomorrow<", page)


def test_access_that_ends_today_is_said_and_still_works(client, person, site_a):
    today = site_a.today(timezone.now())
    inspector = person(Role.INSPECTOR, site_a, expires_on=today)
    client.force_login(inspector)
    response = client.get(HOME)
    assert response.status_code == 200 and "ends today" in response.content.decode()


@pytest.mark.req("11.10(d)")
def test_an_expired_inspector_is_refused_at_sign_in(client, person, site_a):
    yesterday = site_a.today(timezone.now()) - timedelta(days=1)
    inspector = person(Role.INSPECTOR, site_a, expires_on=yesterday)
    response = client.post(
        reverse("login"), {"username": inspector.username, "password": factories.PASSWORD}
    )
    assert "Your inspector access has expired." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_expired_site_is_not_listed_beside_a_current_one(client, person, site_a, site_b):
    inspector = person(Role.INSPECTOR, site_a)
    factories.MembershipFactory(
        user=inspector,
        site=site_b,
        role=Role.INSPECTOR,
        expires_on=site_b.today(timezone.now()) - timedelta(days=2),
    )
    client.force_login(inspector)
    response = client.get(HOME)
    assert [grant.site.code for grant in response.context["access"]] == ["ALPHA"]
    assert "BETA" not in response.content.decode()


# --- finding a machine ----------------------------------------------------------------------


def test_a_machine_is_found_by_its_asset_tag_whatever_the_case(client, inspector, scanner):
    response = _search(client, inspector, "alpha-ct1")
    assert _found(response) == ["ALPHA-CT1"]
    assert f'href="/equipment/{scanner.pk}/"' in response.content.decode()


def test_a_machine_is_found_by_part_of_its_serial_number(client, inspector, scanner):
    response = _search(client, inspector, "55012")
    assert _found(response) == ["ALPHA-CT1"]
    assert "CT-55012" in response.content.decode()


def test_an_exact_tag_comes_before_tags_that_only_hold_it(client, inspector, site_a, scanner):
    factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT10", serial_number="X1")
    factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT0", serial_number="ALPHA-CT1-OLD")
    response = _search(client, inspector, "ALPHA-CT1")
    assert _found(response) == ["ALPHA-CT1", "ALPHA-CT0", "ALPHA-CT10"]


def test_a_scanned_qr_address_finds_its_machine(client, inspector, scanner):
    response = _search(client, inspector, "https://imaging.example.org/e/alpha/ALPHA-CT1/")
    assert _found(response) == ["ALPHA-CT1"]


def test_another_sites_machine_is_not_found_by_tag_serial_or_qr(
    client, inspector, scanner, beta_scanner
):
    for text in ("BETA-CT1", "CT-77001", "https://imaging.example.org/e/BETA/BETA-CT1/"):
        response = _search(client, inspector, text)
        assert response.status_code == 200 and _found(response) == []
        assert "No equipment at your sites" in response.content.decode()
    # A search that matches both sites' machines finds only the inspector's.
    assert _found(_search(client, inspector, "CT-")) == ["ALPHA-CT1"]


def test_the_qr_label_address_opens_the_read_only_equipment_page(
    client, inspector, scanner, beta_scanner
):
    client.force_login(inspector)
    response = client.get(f"/e/ALPHA/{scanner.asset_tag.lower()}/")
    assert response.status_code == 302 and response["Location"] == f"/equipment/{scanner.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "ALPHA-CT1 — Main CT" in page.content.decode()
    assert client.get("/e/BETA/BETA-CT1/").status_code == 404


def test_a_search_too_long_is_a_field_error(client, inspector, scanner):
    response = _search(client, inspector, "X" * 201)
    assert response.status_code == 400
    assert "at most 200 characters" in " ".join(response.context["form"].errors["q"])
    assert 'id="search-error"' in response.content.decode()


def test_more_than_twenty_machines_found_says_to_narrow_the_search(client, inspector, site_a):
    for n in range(21):
        factories.EquipmentFactory(site=site_a, asset_tag=f"ALPHA-US{n:02d}")
    response = _search(client, inspector, "ALPHA-US")
    assert len(_found(response)) == 20 and response.context["more_found"] is True
    assert "type more of the tag" in response.content.decode()


# --- the latest logs ------------------------------------------------------------------------


def test_the_latest_logs_of_the_inspectors_sites_are_linked_for_download(
    client, inspector, manager, person, site_b, scanner, beta_scanner
):
    ready = stored_log(manager, scanner)
    generating = stored_log(manager, scanner, state=LogState.GENERATING)
    # Approved as a large log, its approved file being made: the draft can be downloaded.
    approving = stored_log(manager, scanner, state=LogState.APPROVING)
    elsewhere = stored_log(person(Role.MANAGER, site_b, username="bmgr"), beta_scanner)
    client.force_login(inspector)
    response = client.get(HOME)
    page = response.content.decode()
    assert {log.pk for log in response.context["logs"]} == {ready.pk, approving.pk}
    assert f'href="/compliance/logs/{ready.pk}/file/"' in page
    assert f'href="/compliance/logs/{ready.pk}/"' in page and ready.code in page
    assert generating.code not in page and elsewhere.code not in page


def _home_queries(client, text) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME, {"q": text}).status_code == 200
    return len(queries)


def _fleet(site, manager, count: int, start: int) -> None:
    machines = [
        factories.EquipmentFactory(site=site, asset_tag=f"ALPHA-Q{start + n:04d}")
        for n in range(count)
    ]
    for machine in machines:
        stored_log(manager, machine)


def test_the_home_runs_the_same_queries_for_10_or_200_machines_and_logs(
    client, inspector, manager, site_a
):
    client.force_login(inspector)
    _fleet(site_a, manager, 10, 0)
    _home_queries(client, "ALPHA-Q")  # warm up (content types, the session)
    few = _home_queries(client, "ALPHA-Q")
    _fleet(site_a, manager, 190, 10)
    assert _home_queries(client, "ALPHA-Q") == few
