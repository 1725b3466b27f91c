"""An inspector reads the audit trail in Chromium: records by name, links, site times."""

import re

import pytest
from playwright.sync_api import expect

from equipment.models import EquipmentStatus
from equipment.services.status import change_equipment_status
from tests import factories


@pytest.mark.needs_browser
@pytest.mark.req("11.10(e)")
def test_an_inspector_reads_the_trail_by_name_and_follows_a_link_to_the_machine(
    page, live_server, sign_in, site_a, tech, manager, inspector
):
    """
    GIVEN a CT scanner accepted and in service, then taken out of service by Tess Tech
    WHEN the inspector searches the trail for Tess by part of her name
    THEN the status change reads "MAIN-CT1: In service → Out of service" in Eastern time, with
    no verify_audit command line, and the machine's name opens its page
    """
    tech.full_name = "Tess Tech"
    tech.save()
    scanner = factories.EquipmentFactory(site=site_a, asset_tag="MAIN-CT1", name="Main CT")
    factories.signed_acceptance(actor=manager, equipment=scanner)
    change_equipment_status(
        equipment=scanner, to=EquipmentStatus.IN_SERVICE, reason="Accepted.", actor=manager
    )
    change_equipment_status(
        equipment=scanner, to=EquipmentStatus.OUT_OF_SERVICE, reason="Tube arcing", actor=tech
    )

    sign_in(page, inspector)
    page.goto(f"{live_server.url}/audit/")
    expect(page.locator("#chain-head")).not_to_contain_text("verify_audit")
    page.get_by_label("Person").fill("tess t")
    page.get_by_role("button", name="Search").click()

    events = page.locator("#audit-events > .list-group-item")
    change = events.filter(has_text="Equipment status change")
    expect(change).to_contain_text("MAIN-CT1: In service → Out of service")
    expect(change).to_contain_text("Tess Tech, RT(R) (tess)")
    expect(change).to_contain_text(re.compile(r"\d\d:\d\d:\d\d E[SD]T \(UTC\u22120[45]:00\)"))
    status = events.filter(has_text="Status changed")
    expect(status).to_contain_text(re.compile(r"Status\s*:\s*In service\s*→\s*Out of service"))

    status.get_by_role("link", name="MAIN-CT1 — Main CT").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MAIN-CT1 — Main CT")


@pytest.mark.needs_browser
def test_a_reversed_date_range_is_shown_on_the_to_field(page, live_server, sign_in, inspector):
    sign_in(page, inspector)
    page.goto(f"{live_server.url}/audit/?date_from=2026-03-05&date_to=2026-03-01")
    expect(page.locator("#id_date_to_error")).to_contain_text("The range is reversed")
    expect(page.get_by_text("No audit events match")).to_have_count(0)
    expect(page.locator("#dates-basis")).to_contain_text("Dates are")
