"""The reminder pages: a person's preferences (field errors, nothing half-saved), the notices of a
manager's sites with their recipients and CSV in a constant number of queries, and the secret
calendar feed (parsed as RFC 5545; a regenerated address stops answering)."""

from datetime import date, timedelta

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance.ical import fold
from compliance.models import CalendarFeed, ReminderDelivery, ReminderNotice, ReminderPreference
from imaging_ops.vocabulary import Role
from tests.compliance.reminders.conftest import (
    NOW,
    annual_schedule,
    daily_schedule,
    sweep_and_deliver,
)

pytestmark = pytest.mark.django_db
PREFERENCES = "/compliance/reminders/preferences/"
NOTICES = "/compliance/reminders/notices/"


def test_a_person_chooses_the_morning_digest_and_turns_lead_stages_off(client, tech):
    client.force_login(tech)
    page = client.get(PREFERENCES)
    assert page.status_code == 200
    assert b"Due, overdue and escalated reminders always come" in page.content
    response = client.post(PREFERENCES, {"mode": "digest"})
    assert response.status_code == 302
    choice = ReminderPreference.objects.get(user=tech)
    assert (choice.mode, choice.lead_stages) == ("digest", False)


def test_an_unknown_delivery_mode_is_a_field_error_and_saves_nothing(client, tech):
    client.force_login(tech)
    response = client.post(PREFERENCES, {"mode": "carrier-pigeon", "lead_stages": "on"})
    assert response.status_code == 400
    assert "mode" in response.context["form"].errors
    assert not ReminderPreference.objects.exists()


def test_the_preference_page_needs_sign_in(client):
    assert client.get(PREFERENCES).status_code == 302


def _notices(site, count, user, start=0):
    for n in range(start, start + count):
        notice = ReminderNotice.objects.create(
            subject_kind="schedule",
            subject_id=10_000 + n,
            due_on=date(2026, 5, 8),
            stage="due",
            site=site,
            title=f"Calibration {n}",
            stage_at=NOW,
            claimed_at=NOW + timedelta(seconds=n),
            sweep="t",
            state="sent",
            sent_at=NOW,
        )
        ReminderDelivery.objects.create(notice=notice, user=user, notified_at=NOW, email_due_at=NOW)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


def test_managers_see_their_sites_notices_in_a_constant_number_of_queries(
    client, manager, tech, site_a, site_b
):
    client.force_login(manager)
    _notices(site_a, 10, tech)
    _notices(site_b, 3, tech, start=100)
    client.get(NOTICES)  # warm up
    few = _queries(client, NOTICES)
    few_csv = _queries(client, NOTICES + "export/")
    _notices(site_a, 60, tech, start=200)
    assert _queries(client, NOTICES) == few
    assert _queries(client, NOTICES + "export/") == few_csv
    page = client.get(NOTICES)
    assert page.content.count(b'class="notice-row"') == 50
    assert b"Calibration 0" not in page.content  # newest first; site B's never shown
    body = b"".join(client.get(NOTICES + "export/").streaming_content).decode()
    assert body.count("\n") == 71 and "ALPHA" in body and "BETA" not in body


def test_a_technician_may_not_list_notices(client, tech):
    client.force_login(tech)
    assert client.get(NOTICES).status_code == 403


def test_a_site_outside_the_managers_reach_is_a_filter_error(client, manager, site_b):
    client.force_login(manager)
    assert client.get(NOTICES, {"site": site_b.pk}).status_code == 400


def test_the_notices_page_shows_who_was_told_after_a_real_sweep(client, manager, tech, site_a):
    schedule = annual_schedule(manager, site_a, assignee=tech)
    schedule.refresh_from_db()
    sweep_and_deliver(schedule.next_due)
    client.force_login(manager)
    page = client.get(NOTICES).content.decode()
    assert str(tech) in page and "Sent" in page


def _parse(text: str) -> list[dict]:
    """A strict reading of the feed: CRLF lines, unfolded, one dict per VEVENT."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.replace("\r\n ", "").split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return events


def test_the_calendar_feed_lists_upcoming_non_daily_work_at_the_persons_sites(
    client, manager, tech, site_a, site_b, person, settings
):
    settings.PUBLIC_BASE_URL = "https://imaging.example.org"
    schedule = annual_schedule(manager, site_a, assignee=tech)
    daily_schedule(manager, site_a)
    other = person(Role.MANAGER, site_b, username="bea")
    annual_schedule(other, site_b, tag="FAR")
    client.force_login(tech)
    client.get(PREFERENCES)
    feed = CalendarFeed.objects.get(user=tech)
    client.logout()
    response = client.get(f"/compliance/calendar/{feed.secret}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = _parse(response.content.decode())
    assert len(events) == 1
    [event] = events
    schedule.refresh_from_db()
    assert event["DTSTART;VALUE=DATE"] == site_a.local(schedule.next_due).strftime("%Y%m%d")
    assert event["SUMMARY"].startswith("Dose calibrator accuracy")
    assert event["URL"] == f"https://imaging.example.org/equipment/schedules/{schedule.pk}/record/"
    assert event["UID"].startswith(f"schedule-{schedule.pk}-")


def test_the_feed_parses_with_the_icalendar_library(client, manager, tech, site_a):
    annual_schedule(manager, site_a, assignee=tech)
    feed = CalendarFeed.objects.create(user=tech, created_at=NOW)
    text = client.get(f"/compliance/calendar/{feed.secret}.ics").content
    parsed = icalendar.Calendar.from_ical(text)
    assert len(parsed.walk("VEVENT")) == 1


def test_regenerating_the_secret_ends_the_old_address(client, tech):
    client.force_login(tech)
    client.get(PREFERENCES)
    old = CalendarFeed.objects.get(user=tech).secret
    response = client.post(reverse("compliance:calendar_regenerate"))
    assert response.status_code == 302
    new = CalendarFeed.objects.get(user=tech).secret
    assert new != old
    assert client.get(f"/compliance/calendar/{old}.ics").status_code == 404
    assert client.get(f"/compliance/calendar/{new}.ics").status_code == 200


def test_a_deactivated_persons_feed_answers_404(client, tech):
    feed = CalendarFeed.objects.create(user=tech, created_at=NOW)
    tech.is_active = False
    tech.save(update_fields=["is_active"])
    assert client.get(f"/compliance/calendar/{feed.secret}.ics").status_code == 404


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "é" * 80
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_the_preference_page_works_at_phone_width_markup(client, tech):
    client.force_login(tech)
    html = client.get(PREFERENCES).content.decode()
    assert 'class="col-12 col-lg-6"' in html and 'for="feed-url"' in html


def test_a_manager_sets_the_sites_lead_times_and_the_sweep_uses_them(client, manager, site_a, tech):
    from compliance.models import LeadTime
    from equipment.models import ProcedureKind
    from tests.compliance.reminders.conftest import sweep

    url = f"/compliance/reminders/lead-times/{site_a.code}/"
    client.force_login(manager)
    page = client.get(url)
    assert page.status_code == 200
    data = dict.fromkeys(ProcedureKind.values, 14)
    data[ProcedureKind.CALIBRATION] = 30
    assert client.post(url, data).status_code == 302
    assert LeadTime.objects.get(site=site_a, procedure_kind="calibration").days == 30
    schedule = annual_schedule(manager, site_a, assignee=tech)
    schedule.refresh_from_db()
    report = sweep(schedule.next_due - timedelta(days=30))
    assert [c.stage for c in report.claimed] == ["lead-30"]


def test_a_lead_time_out_of_range_is_a_field_error_and_saves_nothing(client, manager, site_a):
    from compliance.models import LeadTime
    from equipment.models import ProcedureKind

    client.force_login(manager)
    data = dict.fromkeys(ProcedureKind.values, 14)
    data[ProcedureKind.QC] = 900
    data[ProcedureKind.LEAK_TEST] = "soon"
    response = client.post(f"/compliance/reminders/lead-times/{site_a.code}/", data)
    assert response.status_code == 400
    assert {"qc", "leak_test"} <= set(response.context["form"].errors)
    assert not LeadTime.objects.exists()


def test_only_the_sites_managers_set_lead_times(client, tech, site_a, site_b, manager):
    client.force_login(tech)
    assert client.get(f"/compliance/reminders/lead-times/{site_a.code}/").status_code == 403
    client.force_login(manager)
    assert client.get(f"/compliance/reminders/lead-times/{site_b.code}/").status_code == 404


def test_a_lead_time_change_is_in_the_audit_trail(client, manager, site_a):
    from equipment.models import ProcedureKind
    from imaging_ops.models import AuditEvent

    client.force_login(manager)
    data = dict.fromkeys(ProcedureKind.values, 14)
    data[ProcedureKind.CALIBRATION] = 21
    client.post(f"/compliance/reminders/lead-times/{site_a.code}/", data)
    before = AuditEvent.objects.count()
    data[ProcedureKind.CALIBRATION] = 28
    client.post(f"/compliance/reminders/lead-times/{site_a.code}/", data)
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.actor_id == manager.pk
