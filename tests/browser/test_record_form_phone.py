"""A technician's daily CT QC on a phone: one page, six values, each judged by the server as it
is typed, one signature, one submit."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.equipment.record_form.conftest import PASSING, check_ids, make_daily_qc
from tests.factories import PASSWORD


@pytest.mark.needs_browser
def test_a_technician_records_the_daily_ct_qc_on_a_phone(
    phone_page, live_server, sign_in, tech, manager, site_a
):
    """
    GIVEN a daily CT QC of six numeric checks on a CT, and a technician on a 390 x 844 phone
    WHEN they open its record form from the equipment page, type six values (the tube voltage
    in tolerance), sign with their password and send
    THEN the tolerance shows beside the voltage as typed, the page never scrolls sideways,
    and the equipment page says the outcome and the new next due
    """
    ct = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1", modalities=["CT"])
    schedule = make_daily_qc(manager=manager, site=site_a, equipment=ct)
    ids = check_ids(schedule)
    page = phone_page
    sign_in(page, tech)
    page.goto(f"{live_server.url}/equipment/{ct.pk}/")
    page.get_by_role("link", name="Record CT-DAILY").click()
    expect(page.get_by_role("heading", name="CT daily QC")).to_be_visible()

    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.post_data or "") if "/evaluate/" in request.url else None
        ),
    )
    page.get_by_label("Password", exact=True).fill(PASSWORD)  # typed first: never sent early
    values = {**PASSING, "kvp": "124"}
    for key, value in values.items():
        page.locator(f"#id_value_{ids[key]}").fill(value)
    voltage = page.locator(f"#result-{ids['kvp']}")
    expect(voltage).to_contain_text("Tolerance: above tolerance high (123 kV)")
    expect(page.locator(f"#result-{ids['ma']}")).to_have_text("Pass")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert sent and all(body.startswith("value_") and "password" not in body for body in sent)

    page.get_by_label(re.compile("I have read the electronic signature policy")).check()
    page.get_by_role("button", name="Sign and save").click()

    page.wait_for_url(f"{live_server.url}/equipment/{ct.pk}/")
    schedule.refresh_from_db()
    message = page.get_by_role("status").filter(has_text="CT-DAILY recorded")
    expect(message).to_contain_text("tolerance")
    expect(message).to_contain_text(f"Next due {site_a.local(schedule.next_due):%Y-%m-%d %H:%M}")
    trends = page.locator("#trends")
    trends.locator("summary", has_text="Tube voltage").click()
    expect(trends.locator("details[open] svg.trend-chart")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The next record's form offers each check's trend, loaded when opened.
    page.get_by_role("link", name="Record CT-DAILY").click()
    voltage_check = page.locator(f"#check-{ids['kvp']}")
    voltage_check.locator("summary", has_text="Trend, last 90 days").click()
    expect(voltage_check.locator("details[open] svg.trend-chart")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
