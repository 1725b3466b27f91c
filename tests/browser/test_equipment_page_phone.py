"""The equipment page on a phone at the machine: the status and the way to change it come
first, before the facts; high-risk equipment asks for its confirmation there too."""

import pytest
from playwright.sync_api import expect

from equipment.models import Category, EquipmentStatus
from tests import factories

PHONE_SCREEN_HEIGHT = 844
TOP = "el => el.getBoundingClientRect().top"


@pytest.fixture
def scanner(site_a):
    """A CT scanner with every fact filled in, as a biomed department records it."""
    room = factories.LocationFactory(
        site=site_a, building="Emergency Department and Trauma Centre", room="CT 2 (resus)"
    )
    return factories.EquipmentFactory(
        site=site_a,
        location=room,
        asset_tag="ED-CT-0002",
        name="Emergency department CT scanner",
        category=Category.IMAGING_SYSTEM,
        modalities=["CT"],
        manufacturer="Siemens Healthineers",
        model="SOMATOM go.Top",
        serial_number="SN-0123456789",
        software_version="syngo CT VA40A-SP2",
        vendor="Siemens Healthineers",
        contract_reference="SH-PM-2024-1360",
        high_risk=True,
        status=EquipmentStatus.IN_SERVICE,
    )


@pytest.mark.needs_browser
def test_the_status_and_its_form_are_on_the_first_screen_of_a_phone(
    phone_page, live_server, sign_in, tech, scanner
):
    """
    GIVEN a technician on a 390 x 844 phone and a CT scanner with all its facts recorded
    WHEN they open the scanner's page
    THEN its status badge and the status form's controls are on the first screen, unscrolled,
    and the facts follow them
    """
    page = phone_page
    sign_in(page, tech)

    page.goto(f"{live_server.url}/equipment/{scanner.pk}/")

    status = page.locator("#change-status").get_by_label("New status")
    expect(status).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    assert page.locator("#current-status").evaluate(TOP) < PHONE_SCREEN_HEIGHT
    assert status.evaluate(TOP) < PHONE_SCREEN_HEIGHT
    submit = page.locator("#change-status").get_by_role("button", name="Change status")
    assert submit.evaluate(TOP) < PHONE_SCREEN_HEIGHT
    assert submit.evaluate(TOP) < page.locator("#identity").evaluate(TOP)


@pytest.mark.needs_browser
def test_a_technician_confirms_before_taking_high_risk_equipment_out_of_service(
    phone_page, live_server, sign_in, tech, manager, scanner
):
    """
    GIVEN a high-risk CT scanner in service
    WHEN the technician chooses "Out of service" without ticking the confirmation, then ticks it
    THEN the first attempt is refused on the checkbox, near the top of the page; the second
    takes the scanner out of service
    """
    page = phone_page
    sign_in(page, tech)
    page.goto(f"{live_server.url}/equipment/{scanner.pk}/")
    confirmation = page.get_by_label(
        "I understand this high-risk equipment will be unavailable for patients"
    )
    expect(confirmation).to_be_hidden()  # until "Out of service" is chosen

    page.get_by_label("New status").select_option(label="Out of service")
    expect(confirmation).to_be_visible()
    page.get_by_label("Reason").fill("Tube arcing during the morning warm-up.")
    page.get_by_role("button", name="Change status").click()

    expect(page.locator("#change-status .invalid-feedback")).to_contain_text(
        "ED-CT-0002 is high-risk equipment"
    )
    assert confirmation.evaluate(TOP) < PHONE_SCREEN_HEIGHT
    expect(page.locator("#current-status")).to_have_text("In service")
    confirmation.check()
    page.get_by_role("button", name="Change status").click()

    expect(page.get_by_role("status")).to_have_text("ED-CT-0002 is now Out of service.")
    expect(page.locator("#current-status")).to_have_text("Out of service")
