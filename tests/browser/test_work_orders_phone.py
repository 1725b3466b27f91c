"""A repair on a phone: a technician at the machine reports a fault from the equipment page
and takes it out of service in three steps; a physicist starts the work, completes it with
their signature (the repair opened the enclosure) and verifies it, records the electrical
safety test the repair requires, and returns the machine to service through the gate."""

import pytest
from playwright.sync_api import expect

from equipment.models import EquipmentStatus, WorkOrder, WorkOrderState
from equipment.services.schedules import create_schedule
from equipment.services.status import return_to_service_blockers
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.review_gate_support import procedure
from tests.factories import PASSWORD


@pytest.fixture
def scanner(site_a, manager):
    equipment = factories.EquipmentFactory(
        site=site_a,
        asset_tag="ALPHA-CT1",
        name="CT scanner",
        high_risk=True,
        modalities=["CT"],
        status=EquipmentStatus.IN_SERVICE,
    )
    factories.signed_acceptance(actor=manager, equipment=equipment)
    return equipment


@pytest.fixture
def electrical_safety(scanner, manager):
    """IEC 62353 electrical safety, required after any repair that opened the enclosure, on a
    schedule of the scanner's (so its page links the record form)."""
    safety = procedure(
        manager,
        scanner.site,
        "IEC-62353",
        kind="electrical_safety",
        name="Electrical safety test",
        modalities=["CT"],
        required_after=["enclosure_opened"],
        default_anchor="from_completion",
        default_interval_months=12,
    )
    create_schedule(actor=manager, equipment=scanner, procedure=safety, now=NOW)
    return safety


def sign_out(page, live_server):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")


@pytest.mark.needs_browser
def test_a_fault_is_reported_repaired_verified_and_returned_to_service_on_a_phone(
    phone_page, live_server, sign_in, tech, physicist, scanner, electrical_safety
):
    """
    GIVEN a CT scanner in service and a technician at it with a phone
    WHEN they open its page from the QR label, open "Report a fault", describe it, tick "Take it
    out of service now" and send; then a physicist starts the work, completes it with their
    signature (the repair opened the enclosure) and verifies it with their password, records
    the electrical safety test and returns the scanner to service
    THEN the scanner is out of service with an open work order on its page, the work order ends
    verified with both signatures, the gate asks for the electrical safety test until it is
    signed, and the scanner is back in service
    """
    page = phone_page
    sign_in(page, tech)
    page.goto(f"{live_server.url}/e/{scanner.site.code}/{scanner.asset_tag}/")

    # 1. open, 2. describe, 3. send.
    page.get_by_text("Report a fault").click()
    page.get_by_label("What is wrong?").fill("Table will not move; error E-442 on the console")
    page.get_by_label("Take it out of service now").check()
    page.get_by_role("button", name="Send the report").click()

    expect(page.get_by_text("is out of service.")).to_be_visible()
    expect(page.locator("#current-status")).to_have_text("Out of service")
    work_order = WorkOrder.objects.get()
    assert work_order.stop_use and work_order.reporter == tech
    entry = page.locator(f"#open-work-order-{work_order.pk}")
    expect(entry).to_contain_text("Holds it out of service")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    sign_out(page, live_server)
    sign_in(page, physicist)
    page.goto(f"{live_server.url}/equipment/{scanner.pk}/")
    page.locator(f"#open-work-order-{work_order.pk}").get_by_role("link").click()
    expect(page.locator("#work-order-state")).to_have_text("Reported")

    page.get_by_role("button", name="Start work").click()
    expect(page.locator("#work-order-state")).to_have_text("In progress")

    complete = page.locator("#move-completed")
    complete.locator("summary").click()
    complete.get_by_label("What was done").fill("Replaced the couch drive belt")
    complete.get_by_label("Root cause").fill("Worn belt")
    complete.get_by_label("The repair opened the enclosure").check()
    complete.get_by_label("Username").fill(physicist.username)
    complete.get_by_label("Password").fill(PASSWORD)
    complete.get_by_label("I have read the electronic signature policy").check()
    complete.get_by_role("button", name="Sign and complete").click()
    expect(page.locator("#work-order-state")).to_have_text("Completed")

    verify = page.locator("#move-verified")
    verify.locator("summary").click()
    verify.get_by_label("Password").fill(PASSWORD)
    verify.get_by_role("button", name="Sign and verify").click()
    expect(page.locator("#work-order-state")).to_have_text("Verified")
    expect(page.locator("#completions")).to_contain_text("Corrective action verified")
    expect(page.locator("#completions")).to_contain_text("Performed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.VERIFIED
    [blocker] = return_to_service_blockers(scanner)
    assert "IEC-62353" in blocker  # the repair opened the enclosure: the test is required

    page.goto(f"{live_server.url}/equipment/{scanner.pk}/")
    page.get_by_role("link", name="Record IEC-62353").click()
    page.get_by_role("textbox", name="Output (%)").fill("100")
    expect(page.locator("#record-checks")).to_contain_text("Pass")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign and save").click()
    page.wait_for_url(f"{live_server.url}/equipment/{scanner.pk}/")

    page.get_by_label("New status").select_option(label="In service")
    page.get_by_label("Reason").fill("Couch drive repaired; electrical safety passed")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#current-status")).to_have_text("In service")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    scanner.refresh_from_db()
    assert scanner.status == EquipmentStatus.IN_SERVICE
