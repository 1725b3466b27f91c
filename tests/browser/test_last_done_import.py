"""Importing last-done dates on a phone: from the schedule list to the report, in Chromium."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from equipment.models import Schedule
from equipment.services.procedures import create_procedure
from equipment.services.schedules import create_schedule
from tests import factories

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
FILE = (
    "site,asset_tag,procedure,last_done,note\n"
    "ALPHA,ALPHA-CT1,CT-DOSE,2025-06-10,From the department's paper log\n"
    "ALPHA,ALPHA-CT1-MISSING,CT-DOSE,2025-06-10,\n"
)


@pytest.mark.needs_browser
def test_a_manager_checks_a_file_on_a_phone_then_saves_the_valid_rows(
    phone_page, live_server, sign_in, manager, site_a, tmp_path
):
    """
    GIVEN a manager on a 390 px phone, an annual CT dose survey not yet done here, and a CSV
      with one good row and one naming a unit that does not exist
    WHEN they open the import from the schedule list and upload the file, checking only
    THEN the report names the bad row's line and column and shows what the good row would do,
      nothing is saved, and no page scrolls sideways; saving the valid rows alone moves the clock
    """
    now = timezone.now()
    procedure = create_procedure(
        actor=manager,
        site=site_a,
        code="CT-DOSE",
        kind="physicist_survey",
        now=now,
        name="CT dose survey",
        default_anchor="from_completion",
        default_interval_months=12,
        default_hard_limit_months=14,
    )
    ct = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1")
    schedule = create_schedule(actor=manager, equipment=ct, procedure=procedure, now=now)
    csv_path = tmp_path / "last-done.csv"
    csv_path.write_text(FILE)
    page = phone_page

    sign_in(page, manager)
    page.goto(f"{live_server.url}/equipment/schedules/")
    page.get_by_role("link", name="Import last-done dates").click()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the upload page"
    expect(page.get_by_label("Check only (dry run): save nothing")).to_be_checked()
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_role("status")).to_contain_text("Check only, nothing saved")
    bad = page.locator("table tbody tr")
    expect(bad).to_have_count(1)
    expect(bad).to_contain_text("asset_tag")
    expect(bad).to_contain_text("has no equipment with asset tag")
    expect(page.get_by_text("CT-DOSE on ALPHA-CT1")).to_be_visible()
    expect(page.get_by_text("2026-06-10 07:00 EDT")).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL), "the report"
    assert Schedule.objects.get(pk=schedule.pk).last_done is None

    page.get_by_role("link", name="Import another file").click()
    page.get_by_label("Check only (dry run): save nothing").uncheck()
    page.get_by_label("Save the valid rows even when others are invalid").check()
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: 1 schedules updated")
    assert Schedule.objects.get(pk=schedule.pk).last_done == datetime(2025, 6, 10, 11, tzinfo=UTC)
