"""On a 390-pixel phone, each home page shows the work waiting, and its figures open the
equipment list filtered to exactly that work."""

import pytest
from playwright.sync_api import expect

from equipment.models import Category, EquipmentStatus
from imaging_ops.vocabulary import Role
from tests import factories

S = EquipmentStatus
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
NO_TABLE_SCROLL = """[...document.querySelectorAll('.table-responsive')]
    .every(box => box.scrollWidth <= box.clientWidth)"""


@pytest.fixture
def arrivals(site_a, site_b):
    """Alpha has two pieces awaiting acceptance (one a sealed source) and one out of service;
    Beta has one awaiting acceptance."""
    for site, tag, status, category in [
        (site_a, "ALPHA-DX1", S.AWAITING_ACCEPTANCE, Category.IMAGING_SYSTEM),
        (site_a, "ALPHA-CS137", S.AWAITING_ACCEPTANCE, Category.SEALED_SOURCE),
        (site_a, "ALPHA-CT1", S.OUT_OF_SERVICE, Category.IMAGING_SYSTEM),
        (site_a, "ALPHA-US1", S.IN_SERVICE, Category.IMAGING_SYSTEM),
        (site_b, "BETA-MR1", S.AWAITING_ACCEPTANCE, Category.IMAGING_SYSTEM),
    ]:
        factories.EquipmentFactory(site=site, asset_tag=tag, status=status, category=category)


def listed_tags(page) -> list[str]:
    return page.locator("table tbody tr a.row-link").all_inner_texts()


@pytest.mark.needs_browser
def test_a_managers_counts_are_visible_on_a_phone_and_open_the_filtered_list(
    phone_page, live_server, sign_in, manager, site_b, arrivals
):
    """
    GIVEN a manager of two sites on a 390 x 844 phone
    WHEN they open their home page
    THEN each site's awaiting-acceptance and out-of-service counts are on the screen, the page
    does not scroll sideways, and a count opens the equipment list of exactly those pieces
    """
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)
    page = phone_page
    sign_in(page, manager)

    for name in (
        "2 awaiting acceptance at ALPHA",
        "1 out of service at ALPHA",
        "1 awaiting acceptance at BETA",
        "0 out of service at BETA",
    ):
        figure = page.get_by_role("link", name=name, exact=True)
        expect(figure).to_be_visible()
        expect(figure).to_be_in_viewport()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    assert page.evaluate(NO_TABLE_SCROLL)

    page.get_by_role("link", name="2 awaiting acceptance at ALPHA", exact=True).click()
    page.wait_for_url("**/equipment/?*")
    assert sorted(listed_tags(page)) == ["ALPHA-CS137", "ALPHA-DX1"]

    page.go_back()
    page.get_by_role("link", name="1 out of service at ALPHA", exact=True).click()
    page.wait_for_url("**/equipment/?*")
    assert listed_tags(page) == ["ALPHA-CT1"]


@pytest.mark.needs_browser
def test_an_rso_sees_the_sources_to_accept_on_a_phone(
    phone_page, live_server, sign_in, rso, arrivals
):
    page = phone_page
    sign_in(page, rso)

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    accept = page.get_by_role("link", name="Record acceptance of ALPHA-CS137")
    expect(accept).to_be_visible()
    expect(page.get_by_text("ALPHA-DX1")).to_have_count(0)
    assert page.evaluate(NO_HORIZONTAL_SCROLL)

    page.get_by_role("link", name="1 awaiting acceptance at ALPHA", exact=True).click()
    page.wait_for_url("**/equipment/?*")
    assert listed_tags(page) == ["ALPHA-CS137"]
