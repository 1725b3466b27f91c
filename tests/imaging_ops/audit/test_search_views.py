"""The audit search page and its CSV: a person found by name, dates read as local days, a reversed
range named as such, readable CSV columns, and the verify_audit hint for administrators only."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine

from imaging_ops.audit.trail import AuditAction, record_event
from imaging_ops.audit.views import CSV_HEADER
from imaging_ops.models import AuditChainHead, AuditEvent
from imaging_ops.vocabulary import Role
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.req("11.10(e)")]

# 03:30 UTC on 4 March 2026 is still 3 March in New York (22:30 EST) and Chicago (21:30 CST).
LATE_EVENING = datetime(2026, 3, 4, 3, 30, tzinfo=UTC)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def searcher(physicist, site_a):
    physicist.home_site = site_a
    physicist.save()
    return physicist


@pytest.fixture
def jane(site_a):
    """Jane Doe (username jdoe), who changed Alpha's address."""
    user = factories.UserFactory(username="jdoe", full_name="Jane Doe", home_site=site_a)
    factories.MembershipFactory(user=user, site=site_a, role=Role.MANAGER)
    record_event(AuditAction.UPDATE, target=site_a, actor=user, changes={"address": ["", "1 Main"]})
    return user


def found(client, **query) -> list[AuditEvent]:
    response = client.get("/audit/", query)
    assert response.status_code == 200
    return list(response.context["events"])


# --- The person filter ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Jane Doe", "jane", "DOE", "  doe ", "jdoe", "JDO"])
def test_the_person_filter_finds_by_full_name_or_username_in_part_ignoring_case(
    client, searcher, jane, text
):
    client.force_login(searcher)
    events = found(client, user=text)
    assert events and all(e.actor_id == jane.pk for e in events)


def test_the_person_filter_finds_nobody_for_a_name_nobody_has(client, searcher, jane):
    client.force_login(searcher)
    assert found(client, user="Nobody Atall") == []


def test_the_person_filter_says_it_takes_a_name(client, searcher):
    client.force_login(searcher)
    page = client.get("/audit/").content.decode()
    assert 'placeholder="name or username"' in page
    assert client.get("/audit/").context["filter"].form["user"].label == "Person (name or username)"


# --- Dates are local days ---------------------------------------------------------------------


@pytest.fixture
def late_evening_event(site_a):
    with time_machine.travel(LATE_EVENING, tick=False):
        room = factories.LocationFactory(site=site_a, room="Late room")
    return AuditEvent.objects.get(object_type="equipment.location", object_id=str(room.pk))


def test_dates_are_days_at_the_viewers_home_site(client, searcher, late_evening_event):
    """GIVEN an event at 22:30 EST on 3 March (03:30 UTC on the 4th)
    THEN a search of 3 March at the viewer's home site (New York) finds it, and of 4 March not."""
    client.force_login(searcher)
    on_the_3rd = found(client, date_from="2026-03-03", date_to="2026-03-03")
    assert late_evening_event in on_the_3rd
    assert late_evening_event not in found(client, date_from="2026-03-04", date_to="2026-03-04")


def test_dates_are_days_at_the_chosen_site_when_one_is_chosen(client, site_a, site_b, person):
    manager = person(Role.MANAGER, site_a, username="manny")
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)
    manager.home_site = site_a
    manager.save()
    # 05:30 UTC on 4 March: 00:30 EST on the 4th in New York, 23:30 CST on the 3rd in Chicago.
    with time_machine.travel(datetime(2026, 3, 4, 5, 30, tzinfo=UTC), tick=False):
        room = factories.LocationFactory(site=site_b, room="Chicago room")
    event = AuditEvent.objects.get(object_type="equipment.location", object_id=str(room.pk))
    client.force_login(manager)
    day = {"date_from": "2026-03-03", "date_to": "2026-03-03"}
    assert event in found(client, site=site_b.pk, **day)
    assert event not in found(client, **day)  # home site: it was already the 4th in New York


def test_an_inspector_without_a_home_site_searches_the_days_of_their_one_site(
    client, inspector, late_evening_event
):
    assert inspector.home_site_id is None
    client.force_login(inspector)
    page = text_of(client.get("/audit/").content.decode())
    assert "Dates are days at ALPHA (America/New_York), your site." in page
    assert late_evening_event in found(client, date_from="2026-03-03", date_to="2026-03-03")


def test_without_a_home_site_or_a_single_site_dates_are_utc_days_and_the_page_says_so(
    client, physicist, site_b, late_evening_event
):
    factories.MembershipFactory(user=physicist, site=site_b, role=Role.PHYSICIST)
    client.force_login(physicist)
    page = text_of(client.get("/audit/").content.decode())
    assert "Dates are UTC days" in page
    # 03:30 UTC on the 4th is a UTC 4 March event.
    assert late_evening_event in found(client, date_from="2026-03-04", date_to="2026-03-04")


def test_the_page_says_whose_days_the_dates_are(client, searcher, site_a, site_b):
    client.force_login(searcher)
    page = text_of(client.get("/audit/").content.decode())
    assert "Dates are days at ALPHA (America/New_York), your home site." in page
    page = text_of(client.get("/audit/", {"site": site_a.pk}).content.decode())
    assert "Dates are days at ALPHA (America/New_York), the chosen site." in page
    assert "From (UTC)" not in page and "To (UTC)" not in page


# --- A reversed range ---------------------------------------------------------------------------


def test_a_reversed_range_is_a_field_error_not_an_empty_result(client, searcher, jane):
    client.force_login(searcher)
    response = client.get("/audit/", {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 200
    errors = response.context["filter"].form.errors
    assert "reversed" in " ".join(errors["date_to"])
    page = text_of(response.content.decode())
    assert "The range is reversed" in page
    assert "No audit events match" not in page
    assert 'class="form-control is-invalid" type="date" name="date_to"' in response.content.decode()


def test_one_day_from_and_to_is_not_reversed(client, searcher, late_evening_event):
    client.force_login(searcher)
    response = client.get("/audit/", {"date_from": "2026-03-03", "date_to": "2026-03-03"})
    assert response.context["filter"].is_valid()


def test_a_reversed_range_exports_nothing_and_says_why(client, searcher):
    client.force_login(searcher)
    response = client.get("/audit/export.csv", {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 400
    assert "The range is reversed" in response.content.decode()


# --- The verify_audit hint --------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.PHYSICIST, Role.RSO, Role.MANAGER])
def test_the_verify_audit_command_is_not_shown_to_site_roles(client, person, site_a, role):
    client.force_login(person(role, site_a, username=f"{role}-reader"))
    # The head as the page is made: an inspector's view of it is chained after (a view event).
    head = AuditChainHead.objects.get()
    page = client.get("/audit/").content.decode()
    assert "verify_audit" not in page
    assert head.last_hash in page  # the head itself is an anchor anyone may note


def test_the_verify_audit_command_is_shown_to_system_administrators(client, site_a):
    client.force_login(factories.UserFactory(is_superuser=True))
    head = AuditChainHead.objects.get()
    page = client.get("/audit/").content.decode()
    assert f"manage.py verify_audit --anchor {head.seq}:{head.last_hash}" in page


# --- CSV ----------------------------------------------------------------------------------------


def test_the_csv_keeps_its_columns_and_adds_readable_ones(client, searcher, jane):
    tech = factories.UserFactory(username="tess", full_name="Tess Tech", home_site=jane.home_site)
    factories.MembershipFactory(user=tech, site=jane.home_site, role=Role.TECHNICIAN)
    client.force_login(searcher)
    response = client.get("/audit/export.csv", {"user": "jdoe"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, [row] = rows[0], rows[1:]
    assert header[:12] == [
        "seq",
        "at (UTC)",
        "site",
        "actor",
        "action",
        "object type",
        "object id",
        "changes",
        "reason",
        "address",
        "request id",
        "hash",
    ]
    assert header == CSV_HEADER
    cells = dict(zip(header, row, strict=True))
    assert cells["actor"] == "jdoe" and cells["object type"] == "imaging_ops.site"
    assert cells["person"] == "Jane Doe, RT(R) (jdoe)"
    assert cells["action (readable)"] == "Updated"
    assert cells["record type"] == "Site"
    assert cells["record"] == "ALPHA — Alpha General"
    assert cells["changes (readable)"] == "Address: — → 1 Main"
    assert cells["time zone"] == "America/New_York"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T \(UTC\u22120[45]:00\)",
        cells["time (site time zone)"],
    )


def test_the_csv_names_the_choices_by_their_labels(client, searcher, site_a):
    person = factories.UserFactory(username="newbie", full_name="New Bie")
    factories.MembershipFactory(user=person, site=site_a, role=Role.TECHNICIAN)
    client.force_login(searcher)
    response = client.get("/audit/export.csv", {"object_type": "imaging_ops.sitemembership"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    [row] = [r for r in rows if "New Bie" in r["record"]]
    assert row["record"] == "New Bie, RT(R): Technician at ALPHA"
    assert "Role: Technician" in row["changes (readable)"]
    assert '"technician"' in row["changes"]  # the stored column is as it was
