"""The equipment forms as a manager uses them: stored values shown, errors next to their fields."""

import pytest
from playwright.sync_api import expect

from tests import factories


@pytest.mark.needs_browser
def test_edit_form_shows_what_is_stored_and_saves_it_unchanged(
    page, live_server, sign_in, site_a, manager
):
    """
    GIVEN a PET/CT (primary PT, also CT) in a room at the manager's site
    WHEN the manager opens its edit form and saves it without changes
    THEN the form showed the site (fixed), modalities and room, and the record is unchanged
    """
    room = factories.LocationFactory(site=site_a, building="Nuclear Medicine", room="PET/CT")
    factories.LocationFactory(site=site_a, building="Main", room="CT 1")
    petct = factories.EquipmentFactory(
        site=site_a, location=room, asset_tag="PETCT-1", name="PET/CT", modalities=["PT", "CT"]
    )
    sign_in(page, manager)
    page.goto(f"{live_server.url}/equipment/{petct.pk}/")
    page.get_by_role("link", name="Edit details").click()

    site = page.get_by_label("Site")
    expect(site).to_be_disabled()
    expect(site).to_have_value(str(site_a.pk))
    expect(page.get_by_label("Primary modality")).to_have_value("PT")
    expect(page.get_by_role("checkbox", name="CT", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="PET (PT)")).not_to_be_checked()
    expect(page.get_by_label("Location")).to_have_value(str(room.pk))

    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("status")).to_have_text("Saved PETCT-1.")
    details = page.locator("dl#identity")
    expect(details).to_contain_text("PT, CT")
    expect(details).to_contain_text("Nuclear Medicine / PET/CT")


@pytest.mark.needs_browser
def test_empty_create_form_names_each_missing_field(page, live_server, sign_in, manager):
    sign_in(page, manager)
    page.goto(f"{live_server.url}/equipment/")
    page.get_by_role("link", name="Add equipment").click()

    page.get_by_role("button", name="Add equipment").click()

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Site: This field is required.")
    expect(summary).to_contain_text("Asset tag: This field is required.")
    expect(summary).to_contain_text("Name: This field is required.")
    for role, name in (("combobox", "Site"), ("textbox", "Asset tag"), ("textbox", "Name")):
        field = page.get_by_role(role, name=name, exact=True)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description("This field is required.")
    summary.get_by_role("link", name="Asset tag").click()
    expect(page.get_by_role("textbox", name="Asset tag", exact=True)).to_be_focused()
