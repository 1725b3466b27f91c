"""On a 390-pixel phone and on a desktop, the managers' compliance dashboard reads without
sideways scrolling, filters to one site and modality, and its overdue count opens the schedule
list of exactly that work."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from imaging_ops.vocabulary import Role
from tests import factories
from tests.compliance.dashboard_data import DAY, procedure, schedule, unit

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def history(manager, site_a, site_b, tech):
    """Alpha: an overdue CT and an overdue MR, an MR due in five days; Beta (also managed):
    an overdue CT."""
    factories.MembershipFactory(user=manager, site=site_b, role=Role.MANAGER)
    now = timezone.now()
    proc = procedure(manager, site_a)
    ct, mr = unit(site_a, asset_tag="A-CT"), unit(site_a, modality="MR", asset_tag="A-MR")
    schedule(ct, proc, due=now - 20 * DAY, assignee=tech)
    schedule(mr, proc, due=now - 10 * DAY)
    schedule(mr, procedure(manager, site_a, code="MR-PM"), due=now + 5 * DAY)
    beta = unit(site_b, asset_tag="B-CT")
    schedule(beta, procedure(manager, site_b, code="B-QC"), due=now - timedelta(days=30))


def _follow_the_overdue_count(page, live_server, site_a):
    page.goto(f"{live_server.url}/compliance/dashboard/")
    expect(page.locator("#overdue-count")).to_have_text("3 overdue")
    expect(page.locator("#on-time-chart, svg").first).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.select_option("#id_site", str(site_a.pk))
    page.select_option("#id_modality", "MR")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/compliance/dashboard/?*")
    expect(page.locator("#overdue-count")).to_have_text("1 overdue")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.locator("#overdue-count").click()
    page.wait_for_url("**/equipment/schedules/?*")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("A-MR")


@pytest.mark.needs_browser
def test_a_manager_filters_the_dashboard_on_a_phone_and_opens_the_overdue_work(
    phone_page, live_server, sign_in, manager, site_a, history
):
    sign_in(phone_page, manager)
    _follow_the_overdue_count(phone_page, live_server, site_a)


@pytest.mark.needs_browser
def test_a_manager_filters_the_dashboard_on_a_desktop_and_opens_the_overdue_work(
    page, live_server, sign_in, manager, site_a, history
):
    sign_in(page, manager)
    _follow_the_overdue_count(page, live_server, site_a)
