"""A manager on a phone sets up a schedule from the equipment page and gives its percent check
a reference with a reason, then reads it on the schedule's page."""

import pytest
from playwright.sync_api import expect

from equipment.models import Category, ProcedureKind, Reference, Schedule
from equipment.services.procedures import create_procedure
from tests import factories
from tests.equipment.conftest import CTDI, NOW

PHONE_WIDTH = 390


@pytest.fixture
def ct(site_a):
    return factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1")


@pytest.fixture
def ct_qc(manager, site_a):
    """An annual CT dose survey whose CTDI band is a percent of the schedule's reference."""
    return create_procedure(
        actor=manager,
        site=site_a,
        code="CT-DOSE",
        kind=ProcedureKind.PHYSICIST_SURVEY,
        now=NOW,
        name="CT dose survey",
        modalities=["CT"],
        categories=[Category.IMAGING_SYSTEM],
        default_anchor="from_completion",
        default_interval_months=12,
        default_grace_days=30,
        default_hard_limit_months=14,
        checks=[CTDI],
    )


@pytest.mark.needs_browser
def test_a_manager_adds_a_schedule_and_sets_its_reference_on_a_phone(
    phone_page, live_server, sign_in, manager, ct, ct_qc
):
    """
    GIVEN a manager on a 390 x 844 phone, a CT and the site's CT dose survey
    WHEN they add the survey as a schedule from the CT's page and set the CTDI reference with
    a reason
    THEN the schedule's page shows the reference, its reason and its history, with nothing
    wider than the screen
    """
    page = phone_page
    sign_in(page, manager)

    page.goto(f"{live_server.url}/equipment/{ct.pk}/")
    page.get_by_role("link", name="Add a schedule").click()
    page.get_by_label("Procedure").select_option(label="CT-DOSE — CT dose survey")
    page.get_by_role("button", name="Add the schedule").click()

    schedule = Schedule.objects.get(equipment=ct, procedure=ct_qc)
    page.wait_for_url(f"{live_server.url}/equipment/schedules/{schedule.pk}/")
    expect(page.locator("#reference-ctdi")).to_contain_text("needs one before the first record")
    page.locator("#reference-ctdi").get_by_role("link", name="Set it").click()

    expect(page.get_by_label("Check")).to_have_value("ctdi")
    page.get_by_label("Reference value").fill("42.1")
    page.get_by_role("button", name="Save the reference").click()
    expect(page.locator("#id_reason")).to_have_class("form-control is-invalid")
    expect(page.get_by_label("Reference value")).to_have_value("42.1")  # kept
    page.get_by_label("Reason").fill("Set at acceptance")
    page.get_by_role("button", name="Save the reference").click()

    page.wait_for_url(f"{live_server.url}/equipment/schedules/{schedule.pk}/")
    reference = page.locator("#reference-ctdi")
    expect(reference).to_contain_text("Reference 42.1")
    expect(reference).to_contain_text("Set at acceptance")
    assert Reference.objects.get(schedule=schedule).reason == "Set at acceptance"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH
