"""Every page of the registry fits a 390-pixel-wide phone without horizontal scrolling."""

import pytest
from playwright.sync_api import expect

from equipment.models import Category
from imaging_ops.vocabulary import AreaClass
from tests import factories

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
# Tables sit in scroll boxes as a safety net; on a phone their columns must fit without it.
NO_TABLE_SCROLL = """[...document.querySelectorAll('.table-responsive')]
    .every(box => box.scrollWidth <= box.clientWidth)"""


@pytest.fixture
def registry(site_a):
    """A site with the long names a real department has: they must wrap, not widen the page."""
    hot_lab = factories.LocationFactory(
        site=site_a,
        building="Nuclear Medicine and Molecular Imaging Pavilion",
        room="Radiopharmacy hot lab",
        area_class=AreaClass.RESTRICTED,
        secured_storage=True,
    )
    factories.EquipmentFactory(
        site=site_a,
        location=hot_lab,
        asset_tag="NM-DOSECAL-000123456",
        name="Dose calibrator with well chamber and printer",
        category=Category.RADIATION_INSTRUMENT,
        modalities=["NM"],
        serial_number="SN-0123456789ABCDEFGHIJKLMNOP",
    )
    petct = factories.EquipmentFactory(
        site=site_a, asset_tag="PETCT-1", name="PET/CT", modalities=["PT", "CT"]
    )
    return {"location": hot_lab, "equipment": petct}


@pytest.mark.needs_browser
def test_no_page_scrolls_sideways_on_a_phone(phone_page, live_server, sign_in, manager, registry):
    """
    GIVEN a manager on a 390 x 844 phone, and equipment with long names, tags and serials
    WHEN they open each page of the registry (and the forms with their field errors)
    THEN none is wider than the screen, and no table needs scrolling sideways either
    """
    page = phone_page
    url = live_server.url
    page.goto(f"{url}/login/")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "login"
    sign_in(page, manager)

    equipment = registry["equipment"]
    location = registry["location"]
    for name, path in [
        ("home", "/"),
        ("equipment list", "/equipment/"),
        ("equipment detail", f"/equipment/{equipment.pk}/"),
        ("equipment create form", "/equipment/new/"),
        ("equipment edit form", f"/equipment/{equipment.pk}/edit/"),
        ("locations list", "/equipment/locations/"),
        ("location page", f"/equipment/locations/{location.pk}/"),
        ("location create form", "/equipment/locations/new/"),
        ("location edit form", f"/equipment/locations/{location.pk}/edit/"),
    ]:
        page.goto(url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate("window.innerWidth") == 390
        assert page.evaluate(NO_HORIZONTAL_SCROLL), name
        assert page.evaluate(NO_TABLE_SCROLL), name

    page.goto(f"{url}/equipment/new/")
    page.get_by_role("button", name="Add equipment").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "equipment create form with errors"


@pytest.mark.needs_browser
def test_the_menu_opens_from_the_toggler_on_a_phone(phone_page, live_server, sign_in, manager):
    page = phone_page
    sign_in(page, manager)
    locations_link = page.get_by_role("link", name="Locations")
    expect(locations_link).to_be_hidden()

    page.get_by_role("button", name="Menu").click()

    expect(locations_link).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    locations_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Locations")
