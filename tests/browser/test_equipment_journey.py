"""A technician's visit to a machine, driven through the pages in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from equipment.models import EquipmentStatus
from equipment.services.status import change_equipment_status
from tests import factories


@pytest.mark.needs_browser
def test_technician_takes_equipment_out_of_service_and_sees_it_in_the_history(
    page, live_server, sign_in, site_a, tech, manager
):
    """
    GIVEN a CT scanner in service at the technician's site, among other equipment
    WHEN the technician signs in, searches for it, opens it and takes it out of service
    THEN its badge reads "Out of service" and the history shows the change with the reason
    """
    scanner = factories.EquipmentFactory(
        site=site_a, asset_tag="CT-0042", name="Emergency CT", serial_number="SN-98765"
    )
    factories.signed_acceptance(actor=manager, equipment=scanner)
    change_equipment_status(
        equipment=scanner, to=EquipmentStatus.IN_SERVICE, reason="Accepted.", actor=manager
    )
    factories.EquipmentFactory(site=site_a, asset_tag="MR-0001", name="MRI 1.5T")

    sign_in(page, tech)
    page.get_by_label("Find equipment").fill("emergency")
    page.get_by_role("button", name="Search").click()

    results = page.locator("table tbody tr")
    expect(results).to_have_count(1)
    page.get_by_role("link", name="CT-0042").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CT-0042 — Emergency CT")
    expect(page.locator("#current-status")).to_have_text("In service")

    page.get_by_label("New status").select_option(label="Out of service")
    page.get_by_label("Reason").fill("Gantry error E-123 during the morning warm-up.")
    page.get_by_role("button", name="Change status").click()

    expect(page.get_by_role("status")).to_have_text("CT-0042 is now Out of service.")
    expect(page.locator("#current-status")).to_have_text("Out of service")
    latest = page.locator("#status-history > li").first
    expect(latest).to_contain_text(re.compile(r"In service\s*→\s*Out of service"))
    expect(latest).to_contain_text("Gantry error E-123 during the morning warm-up.")
    expect(latest).to_contain_text(tech.display_name)
    expect(page.locator("#status-history > li")).to_have_count(2)
