"""The technician's morning on a phone: "My work" lists the overdue daily CT QC, one tap opens
its record form, six values are typed and judged as typed, one signature, and "My work" comes
back with the work moved on."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from equipment.scheduling import ScheduleStatus
from equipment.selectors.schedules import scheduled
from tests import factories
from tests.equipment.record_form.conftest import PASSING, check_ids, make_daily_qc
from tests.factories import PASSWORD


@pytest.mark.needs_browser
def test_a_technician_records_todays_qc_from_my_work_on_a_phone(
    phone_page, live_server, sign_in, tech, manager, site_a
):
    """
    GIVEN a daily CT QC last done two days ago, and a technician on a 390 x 844 phone
    WHEN they open "My work", tap the QC, type six values (the tube voltage in tolerance), sign
    with their password and send
    THEN the tolerance shows as typed, they land on "My work" again with the outcome and the
    new next due, and the QC is no longer waiting there
    """
    ct = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1", modalities=["CT"])
    schedule = make_daily_qc(
        manager=manager, site=site_a, equipment=ct, now=timezone.now() - timedelta(days=1)
    )
    waiting = scheduled(tech, now=timezone.now()).get(pk=schedule.pk).state
    assert waiting in (ScheduleStatus.DUE, ScheduleStatus.OVERDUE)
    ids = check_ids(schedule)
    page = phone_page
    sign_in(page, tech)
    page.goto(f"{live_server.url}/")
    row = page.locator(f"#work-{schedule.pk}")
    expect(row).to_contain_text("CT-DAILY")
    row.click()
    expect(page.get_by_role("heading", name="CT daily QC")).to_be_visible()

    for key, value in {**PASSING, "kvp": "124"}.items():
        page.locator(f"#id_value_{ids[key]}").fill(value)
    expect(page.locator(f"#result-{ids['kvp']}")).to_contain_text("Tolerance")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile("I have read the electronic signature policy")).check()
    page.get_by_role("button", name="Sign and save").click()

    page.wait_for_url(f"{live_server.url}/")
    schedule.refresh_from_db()
    message = page.get_by_role("status").filter(has_text="CT-DAILY recorded")
    expect(message).to_contain_text("tolerance")
    expect(message).to_contain_text(f"Next due {site_a.local(schedule.next_due):%Y-%m-%d %H:%M}")
    expect(page.locator(f"#work-{schedule.pk}")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
