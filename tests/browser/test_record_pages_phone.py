"""Service record pages on a phone: the list and a record fit a 390-pixel screen, and a
physicist countersigns an outside performer's record there with the keyboard."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from tests.equipment import conftest as equipment_setup
from tests.equipment.record_pages.conftest import PDF, record
from tests.equipment.records import conftest as records_setup
from tests.factories import PASSWORD

ct = equipment_setup.ct  # the fixtures of the record tests: a CT and its daily QC schedule
daily = records_setup.daily
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.needs_browser
def test_a_physicist_countersigns_an_outside_record_on_a_phone(
    phone_page, live_server, sign_in, tech, physicist, daily
):
    """
    GIVEN a field engineer's record of the daily CT QC, entered by the technician
    WHEN the physicist opens the records list on a 390 x 844 phone, opens the record and
    countersigns it as reviewed with the keyboard
    THEN neither page scrolls sideways, and the record then counts with her signature shown
    """
    made = record(
        daily,
        tech,
        signature=False,
        external={"name": "Fred Field", "organisation": "Vendor Inc."},
        attachments=[SimpleUploadedFile("service report.pdf", PDF)],
    )
    page = phone_page
    sign_in(page, physicist)

    page.goto(f"{live_server.url}/equipment/records/")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.locator(f"#record-{made.pk} a.row-link").click()
    expect(page.locator("#record-state")).to_have_text("Awaiting review")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)

    page.get_by_role("link", name="Countersign as reviewed").click()
    expect(page.get_by_label("Meaning of your signature")).to_have_value("reviewed")
    page.get_by_label("Username").fill("phil")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I have read the electronic signature policy").check()
    page.get_by_label("Password").press("Enter")

    expect(page.locator("#record-state")).to_have_text("Counts")
    expect(page.locator(".manifestation").first).to_contain_text("Reviewed")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
