"""On a phone: a technician opens the bell's dropdown by keyboard, marks a reminder read, and
chooses the morning digest; a manager reads the reminder notices of the site. Every page fits
390 pixels."""

import re
from datetime import UTC, datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from compliance.models import CalendarFeed, ReminderPreference
from imaging_ops.notifications.services import notify

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.needs_browser
def test_a_technician_reads_a_reminder_and_chooses_the_digest_on_a_phone(
    phone_page, live_server, sign_in, tech, site_a
):
    notify(
        user=tech,
        title="Due in 14 days: Dose calibrator accuracy — CAL1",
        kind="reminder",
        site=site_a,
        url="/compliance/reminders/preferences/",
        now=timezone.now(),
    )
    page = phone_page
    sign_in(page, tech)
    page.get_by_role("button", name="Menu").click()
    bell = page.get_by_role("button", name="Notifications, 1 unread")
    bell.focus()
    page.keyboard.press("Enter")
    menu = page.locator("#bell-menu")
    expect(menu.get_by_text("Dose calibrator accuracy")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "dropdown"
    menu.get_by_role(
        "button", name="Mark “Due in 14 days: Dose calibrator accuracy — CAL1” read"
    ).click()
    expect(menu.get_by_role("button", name="Mark all read")).to_have_count(0)
    page.goto(f"{live_server.url}/compliance/reminders/preferences/")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "preferences"
    page.get_by_label("Email me").select_option("digest")
    page.get_by_label("Send “due in N days” reminders").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved your reminder preferences.")).to_be_visible()
    choice = ReminderPreference.objects.get(user=tech)
    assert (choice.mode, choice.lead_stages) == ("digest", False)
    secret = CalendarFeed.objects.get(user=tech).secret
    expect(page.locator("#feed-url")).to_have_value(
        re.compile(f"/compliance/calendar/{secret}.ics$")
    )


@pytest.mark.needs_browser
def test_a_manager_reads_the_notices_on_a_phone(phone_page, live_server, sign_in, manager, site_a):
    from compliance.models import ReminderNotice

    ReminderNotice.objects.create(
        subject_kind="schedule",
        subject_id=1,
        due_on=datetime(2026, 5, 8).date(),
        stage="overdue",
        site=site_a,
        title="Dose calibrator accuracy — CAL1",
        stage_at=datetime(2026, 6, 7, 11, tzinfo=UTC),
        claimed_at=datetime(2026, 6, 7, 11, tzinfo=UTC),
        sweep="x",
    )
    page = phone_page
    sign_in(page, manager)
    page.goto(f"{live_server.url}/compliance/reminders/notices/")
    expect(page.get_by_text("Dose calibrator accuracy — CAL1")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "notices"
    page.get_by_role("link", name="ALPHA").click()
    expect(page.get_by_role("heading", name="Reminder lead times at Alpha General")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "lead times"
