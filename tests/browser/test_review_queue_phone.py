"""The review queue and a machine's events on a phone: a physicist ticks two records with the
keyboard and signs them as reviewed at once; a manager records a major repair on a mammography
unit and sees what it requires before service, on a 390-pixel screen."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from equipment.models import EquipmentEvent, ServiceRecord
from tests import factories
from tests.equipment import conftest as equipment_setup
from tests.equipment.conftest import NOW
from tests.equipment.review_gate_support import mammography_evaluation, procedure, signed
from tests.factories import PASSWORD

ct = equipment_setup.ct  # the CT of the equipment tests
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.needs_browser
def test_a_physicist_reviews_two_records_at_once_on_a_phone(
    phone_page,
    live_server,
    sign_in,
    tech,
    physicist,
    manager,
    ct,
    site_a,
):
    """
    GIVEN two tolerance-level CT QC records by the technician
    WHEN the physicist opens the review queue on a 390 x 844 phone, ticks both with the
    keyboard and signs once
    THEN the page does not scroll sideways, and both leave the queue reviewed
    """
    qc = procedure(manager, site_a, "CT-QC", modalities=["CT"])
    made = [
        signed(tech, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=h))
        for h in (1, 2)
    ]
    page = phone_page
    sign_in(page, physicist)
    page.goto(f"{live_server.url}/equipment/review/")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    for record in made:
        page.locator(f"#tick-{record.pk}").focus()
        page.keyboard.press("Space")
        expect(page.locator(f"#tick-{record.pk}")).to_be_checked()
    page.get_by_label("Username").fill("phil")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I have read the electronic signature policy").check()
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_text("Reviewed 2 records")).to_be_visible()
    expect(page.get_by_text("Nothing is waiting for your review.")).to_be_visible()
    assert not ServiceRecord.objects.filter(awaiting_review=True).exists()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)


@pytest.mark.needs_browser
def test_a_manager_records_a_major_repair_on_a_phone(
    phone_page, live_server, sign_in, manager, site_a
):
    """
    GIVEN a mammography unit and the mammography equipment evaluation
    WHEN the manager records a major repair from its page on a phone
    THEN the page lists the evaluation as required, not yet satisfied
    """
    mammo = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-MG1", modalities=["MG"])
    mammography_evaluation(manager, site_a)
    page = phone_page
    sign_in(page, manager)
    page.goto(f"{live_server.url}/equipment/{mammo.pk}/")
    page.get_by_role("link", name="Record an event").click()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.get_by_label("What happened").select_option("major_repair")
    page.get_by_label("Note").fill("Detector replaced by the vendor")
    page.get_by_role("button", name="Record the event").click()
    expect(page.get_by_text("Required before service: MQSA-MEE.")).to_be_visible()
    expect(page.locator("#events")).to_contain_text("Not yet")
    assert EquipmentEvent.objects.get().note == "Detector replaced by the vendor"
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
