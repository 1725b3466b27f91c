"""The audit trail as people read it: people and roles by name, choices by label, times in the
event's site time zone with abbreviation, and a page's rows resolved in one query per model."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imaging_ops.audit.readable import readable_events
from imaging_ops.audit.trail import AuditAction, record_event
from imaging_ops.models import AuditEvent, SiteMembership
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.req("11.10(e)")]

# 14:22:05 UTC on 4 March 2026: 09:22:05 EST in New York, 08:22:05 CST in Chicago.
WINTER = datetime(2026, 3, 4, 14, 22, 5, tzinfo=UTC)
MINUS = "\u2212"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def jane(site_a):
    """Jane Doe, RT(R), a technician whose home site is Alpha."""
    with time_machine.travel(WINTER, tick=False):
        user = factories.UserFactory(username="jdoe", full_name="Jane Doe", home_site=site_a)
        factories.MembershipFactory(user=user, site=site_a, role=Role.TECHNICIAN)
    return user


def latest(**match) -> AuditEvent:
    return AuditEvent.objects.filter(**match).latest("seq")


def test_a_person_reads_by_full_name_not_by_their_id(client, manager, jane):
    jane.full_name = "Jane Q. Doe"
    jane.save()
    client.force_login(manager)
    [entry] = [
        e
        for e in client.get("/audit/", {"object_type": "imaging_ops.user"}).context["entries"]
        if e.event.object_id == str(jane.pk)
        and "full_name" in e.event.changes
        and e.event.action == AuditAction.UPDATE
    ]
    assert entry.record == "Jane Q. Doe, RT(R)"
    assert entry.record_url == f"/sites/ALPHA/people/{jane.pk}/"
    assert [(c.label, c.old, c.new) for c in entry.changes] == [
        ("Full name", "Jane Doe", "Jane Q. Doe")
    ]
    page = text_of(client.get("/audit/").content.decode())
    assert f"User {jane.pk}" not in page


def test_a_person_links_to_their_page_only_for_those_who_manage_people(client, inspector, jane):
    client.force_login(inspector)
    entries = client.get("/audit/", {"object_type": "imaging_ops.user"}).context["entries"]
    mentions = [e for e in entries if e.event.object_id == str(jane.pk)]
    assert mentions and all(e.record == "Jane Doe, RT(R)" for e in mentions)
    assert all(e.record_url is None for e in mentions)  # the person pages are managers' pages


def test_the_person_who_acted_reads_by_name_beside_the_recorded_username(manager, jane, site_a):
    record_event(AuditAction.UPDATE, target=site_a, actor=jane)
    [entry] = readable_events([latest(actor=jane)], viewer=manager)
    assert entry.actor == "Jane Doe, RT(R) (jdoe)"


def test_a_role_reads_by_its_label_and_names_the_person_and_site(manager, jane):
    membership = SiteMembership.objects.get(user=jane)
    event = latest(object_type="imaging_ops.sitemembership", object_id=str(membership.pk))
    [entry] = readable_events([event], viewer=manager)
    assert entry.record == "Jane Doe, RT(R): Technician at ALPHA"
    rows = {c.label: c.new for c in entry.changes}
    assert rows["Role"] == "Technician"  # not "technician"
    assert rows["User"] == "Jane Doe, RT(R)"  # not the user's pk
    assert rows["Site"] == "ALPHA"
    assert rows["Trainee"] == "No"  # the form's label for is_trainee
    assert rows["Access ends on"] == "—"  # the form's label for expires_on


def test_a_password_change_reads_as_changed_without_a_value(manager, jane):
    jane.set_password("another secret 1")
    jane.save()
    event = latest(object_type="imaging_ops.user", object_id=str(jane.pk))
    [entry] = readable_events([event], viewer=manager)
    [password] = [c for c in entry.changes if c.field == "password"]
    assert (password.old, password.new) == ("not recorded", "not recorded")


def test_times_read_in_the_events_site_zone_with_abbreviation_and_offset(manager, site_a, site_b):
    with time_machine.travel(WINTER, tick=False):
        alpha_room = factories.LocationFactory(site=site_a)
        beta_room = factories.LocationFactory(site=site_b)
    events = [
        latest(object_type="equipment.location", object_id=str(room.pk))
        for room in (alpha_room, beta_room)
    ]
    alpha, beta = readable_events(events, viewer=manager)
    assert alpha.when == f"2026-03-04 09:22:05 EST (UTC{MINUS}05:00)"
    assert (alpha.time_zone, alpha.zone_note) == ("America/New_York", "")
    assert beta.when == f"2026-03-04 08:22:05 CST (UTC{MINUS}06:00)"
    assert beta.time_zone == "America/Chicago"


def test_a_time_recorded_as_a_value_reads_in_the_site_zone_too(manager, jane):
    record_event(AuditAction.LOCKOUT, target=jane, changes={"locked_until": [None, WINTER]})
    [entry] = readable_events([latest(action=AuditAction.LOCKOUT)], viewer=manager)
    [locked] = entry.changes
    assert (locked.old, locked.new) == ("—", f"2026-03-04 09:22 EST (UTC{MINUS}05:00)")


def test_an_event_without_a_site_reads_in_the_viewers_home_site_zone_labelled(site_b, db):
    with time_machine.travel(WINTER, tick=False):
        record_event(AuditAction.FAILED_LOGIN, object_type="imaging_ops.user", changes={})
    event = latest(action=AuditAction.FAILED_LOGIN)
    assert event.site_id is None
    at_beta = factories.UserFactory(is_superuser=True, home_site=site_b)
    [entry] = readable_events([event], viewer=at_beta)
    assert entry.when == f"2026-03-04 08:22:05 CST (UTC{MINUS}06:00)"
    assert entry.zone_note == "No site: shown in BETA time, your home site"

    nowhere = factories.UserFactory(is_superuser=True)
    [entry] = readable_events([event], viewer=nowhere)
    assert entry.when == "2026-03-04 14:22:05 UTC (UTC+00:00)"
    assert entry.zone_note == "No site: shown in UTC"


def test_the_search_page_shows_site_times_and_labels_the_zone_of_an_event_without_a_site(
    client, site_a
):
    with time_machine.travel(WINTER, tick=False):
        factories.LocationFactory(site=site_a, room="Hot lab")
        record_event(AuditAction.FAILED_LOGIN, object_type="imaging_ops.user", changes={})
    client.force_login(factories.UserFactory(is_superuser=True, home_site=site_a))
    page = text_of(client.get("/audit/").content.decode())
    assert f"2026-03-04 09:22:05 EST (UTC{MINUS}05:00)" in page
    assert "No site: shown in ALPHA time, your home site" in page
    assert "14:22:05" not in page


def test_the_person_page_history_reads_by_labels_in_site_time(client, manager, jane):
    client.force_login(manager)
    page = client.get(f"/sites/ALPHA/people/{jane.pk}/").content.decode()
    history = text_of(page[page.index("Audit history") :])
    assert "Role : Technician" in history
    assert f"2026-03-04 09:22:05 EST (UTC{MINUS}05:00)" in history
    assert " UTC " not in history


# --- Queries ----------------------------------------------------------------------------------


def _add_events(site, count: int) -> None:
    """`count` rooms, people and roles (three events each, of three models, naming sites)."""
    for _ in range(count):
        factories.LocationFactory(site=site)
        user = factories.UserFactory(home_site=site)
        factories.MembershipFactory(user=user, site=site, role=Role.PHYSICIST)


def _queries(events, viewer) -> int:
    # The viewer's roles are read once per request (scoping reads them first), outside the count.
    readable_events(events[:1], viewer=viewer)
    with CaptureQueriesContext(connection) as captured:
        readable_events(events, viewer=viewer)
    return len(captured)


def test_a_page_of_events_resolves_its_rows_in_one_query_per_model(manager, site_a):
    """GIVEN events about rooms, people and roles, naming sites and people in their values
    WHEN a page of them is made readable
    THEN one query per model (rooms, people with their roles, roles, sites) names them all,
    for 6 events as for 60."""
    _add_events(site_a, 2)
    small = list(AuditEvent.objects.order_by("-seq")[:6])
    _add_events(site_a, 20)
    large = list(AuditEvent.objects.order_by("-seq")[:60])
    assert {e.object_type for e in small} == {e.object_type for e in large}
    models_named = 4  # location, user (+1 for the roles its link reads), membership, site
    assert _queries(small, manager) == _queries(large, manager) == models_named + 1


def test_the_search_page_runs_the_same_queries_for_5_and_50_events(client, manager, site_a):
    client.force_login(manager)

    def measure():
        client.get("/audit/")  # warm the session and content types
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/audit/")
        assert response.status_code == 200
        return len(captured), len(response.context["entries"])

    _add_events(site_a, 2)
    small, shown_small = measure()
    _add_events(site_a, 30)
    large, shown_large = measure()
    assert (shown_small, shown_large) == (10, 50)
    assert small == large


def test_a_record_page_history_runs_the_same_queries_however_long_it_is(client, manager, jane):
    client.force_login(manager)
    url = f"/sites/ALPHA/people/{jane.pk}/"

    def measure():
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    short = measure()
    for n in range(20):
        jane.full_name = f"Jane Doe {n}"
        jane.save()
    assert measure() == short
