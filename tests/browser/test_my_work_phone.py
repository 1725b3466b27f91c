"""On a 390-pixel phone a technician opens "My work", sees the overdue daily QC and a missed
day, and says why the day was missed."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from equipment.models import MissedOccurrence
from tests.equipment.missed.builders import add_missed, daily_qc, schedule, unit

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
THUMB = 44  # the smallest comfortable touch target, in CSS pixels


@pytest.fixture
def daily_ct_qc(manager, site_a):
    """Alpha's daily CT QC due at the start of each day, so it is overdue whenever the test
    runs, with yesterday missed."""
    now = timezone.now()
    today = site_a.today(now)
    qc = schedule(
        manager,
        unit(site_a, "ALPHA-CT1", name="CT scanner"),
        daily_qc(manager, site_a),
        now=now,
        starts_on=today,
        due_clock=datetime.time(0, 0),
    )
    add_missed([qc], [today - datetime.timedelta(days=1)])
    return qc


@pytest.mark.needs_browser
def test_a_technician_sees_my_work_and_says_why_a_day_was_missed(
    phone_page, live_server, sign_in, tech, daily_ct_qc
):
    """
    GIVEN a technician whose daily CT QC is overdue and was missed yesterday
    WHEN they sign in on a 390 x 844 phone, open the missed day from "My work", tick it and
    give a reason
    THEN "My work" shows the overdue QC as a large tap target and the missed day; after the
    annotation the day has its reason and "My work" has no unexplained day left
    """
    page = phone_page
    sign_in(page, tech)

    work = page.locator("#my-work")
    expect(work.get_by_role("heading", name="My work")).to_be_visible()
    row = work.locator(".work-row").first
    expect(row).to_contain_text("ALPHA-CT1")
    expect(row).to_contain_text("Daily CT QC")
    expect(row).to_contain_text("Overdue")
    expect(row).to_contain_text("Today\u2019s occurrence")
    box = row.bounding_box()
    assert box["height"] >= THUMB and box["width"] >= 300
    assert page.evaluate(NO_HORIZONTAL_SCROLL)

    say_why = work.get_by_role("link", name="Say why for 1 missed day")
    expect(say_why).to_be_visible()
    say_why.click()
    page.wait_for_url("**/equipment/missed/?*")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)

    day = MissedOccurrence.objects.get(schedule=daily_ct_qc)
    tick = page.locator(f"#missed-choose-{day.pk}")
    box = page.locator(f"#missed-{day.pk}").bounding_box()
    assert box["height"] >= THUMB
    tick.check()
    page.get_by_label("Reason", exact=True).fill("Unit not used that day")
    page.get_by_role("button", name="Annotate the ticked days").click()

    expect(page.get_by_role("status")).to_contain_text("Annotated 1 missed day.")
    expect(page.get_by_text("No missed day matches these filters.")).to_be_visible()
    day.refresh_from_db()
    assert day.annotation == "Unit not used that day" and day.annotated_by == tech

    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("Every missed day of your work has a reason.")).to_be_visible()
    expect(page.locator("#my-work .work-row")).to_have_count(1)  # the QC itself is still due
