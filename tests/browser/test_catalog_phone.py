"""A manager on a phone opens the regulatory catalog, sees the "verify locally" flag, and
assigns the CT daily water phantom to every CT at the site."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from equipment.models import Schedule
from tests import factories

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def catalog(site_a):
    factories.UserFactory(username="ada", is_superuser=True)
    call_command("load_catalog", stdout=StringIO())
    for tag in ("ALPHA-CT1", "ALPHA-CT2"):
        factories.EquipmentFactory(site=site_a, asset_tag=tag, modalities=["CT"])


@pytest.mark.needs_browser
def test_a_manager_assigns_a_catalog_procedure_from_a_phone(
    phone_page, live_server, sign_in, manager, catalog
):
    """
    GIVEN the catalog loaded and two CTs at Alpha
    WHEN the manager, on a 390-pixel phone, opens the catalog and assigns the CT daily water
      phantom at Alpha, then creates the schedules on the assign page
    THEN the catalog fits the screen, flags what to verify, and both CTs are scheduled
    """
    page = phone_page
    sign_in(page, manager)
    page.goto(f"{live_server.url}/compliance/catalog/")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "catalog"
    row = page.locator("#catalog-ACR-CT-DAILY-WATER")
    expect(row.locator(".verify-locally")).to_be_visible()
    row.get_by_role("button", name="Assign at ALPHA").click()
    expect(page.get_by_text("Copied ACR-CT-DAILY-WATER to ALPHA")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "assign page"
    expect(page.locator("#will-get")).to_contain_text("ALPHA-CT2")
    page.get_by_label("Or to a role at the site").select_option("technician")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Create 2 schedules").click()
    expect(page.get_by_text("Created 2 schedules")).to_be_visible()
    assert Schedule.objects.filter(procedure__site__code="ALPHA").count() == 2
    page.goto(f"{live_server.url}/compliance/catalog/")
    expect(page.locator("#catalog-ACR-CT-DAILY-WATER [data-site=ALPHA]")).to_contain_text("2 units")
