"""Choosing equipment for labels by ticking rows of the list, on a phone, and the PDF opening
in a tab of its own so the app stays where it was."""

import pytest
from playwright.sync_api import expect

from tests import factories


@pytest.mark.needs_browser
def test_a_technician_prints_labels_for_two_ticked_rows_in_a_new_tab(
    phone_page, live_server, sign_in, tech, site_a
):
    """
    GIVEN three ultrasound units at the technician's site
    WHEN they tick two of them in the list and print labels for the chosen
    THEN the labels page counts two, and "Download PDF" opens the PDF in a new tab while the
    app's own tab stays on the labels page
    """
    for tag in ("US-001", "US-002", "US-003"):
        factories.EquipmentFactory(site=site_a, asset_tag=tag, modalities=["US"])
    page = phone_page
    sign_in(page, tech)
    page.goto(f"{live_server.url}/equipment/")

    for tag in ("US-001", "US-003"):
        box = page.get_by_label(f"Choose {tag}")
        size = box.bounding_box()
        assert 16 <= size["width"] <= 32 and 16 <= size["height"] <= 32, size
        box.check()
    page.get_by_role("button", name="Print labels for the chosen").click()

    expect(page.locator("#labels-selection")).to_contain_text("2 labels")
    labels_page = page.url
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Download PDF").click()
    pdf_tab = opened.value

    assert "sheet=" in pdf_tab.url and pdf_tab.url.count("id=") == 2
    assert page.url == labels_page
    expect(page.get_by_role("heading", level=1)).to_have_text("Print labels")
