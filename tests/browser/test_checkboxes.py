"""Every checkbox on every form looks like a checkbox: a small square a person can see ticked."""

import pytest
from playwright.sync_api import expect

from equipment.models import EquipmentStatus
from tests import factories

# A checkbox drawn as a text box (Bootstrap's form-control) is a full-width empty bar.
CHECKBOXES = """[...document.querySelectorAll('form input[type=checkbox]')].map(box => {
    const r = box.getBoundingClientRect();
    const style = getComputedStyle(box);
    return {name: box.name, width: r.width, height: r.height,
            shown: r.width > 0 && r.height > 0 && style.visibility !== 'hidden',
            check: box.classList.contains('form-check-input'),
            bar: box.classList.contains('form-control')};
})"""


@pytest.mark.needs_browser
def test_every_checkbox_on_every_form_is_a_visible_square(page, live_server, sign_in, manager):
    """
    GIVEN a manager of a site with a piece of equipment awaiting acceptance
    WHEN they open each form that has checkboxes
    THEN each shown checkbox is a small square with the checkbox style, never a text-box bar
    """
    site = manager.memberships.first().site
    unit = factories.EquipmentFactory(
        site=site, asset_tag="US-NEW", status=EquipmentStatus.AWAITING_ACCEPTANCE
    )
    ct = factories.EquipmentFactory(
        site=site, asset_tag="CT-HR", high_risk=True, status=EquipmentStatus.IN_SERVICE
    )
    note = factories.acceptance_note(actor=manager, equipment=unit)
    colleague = factories.UserFactory(username="colleague")
    factories.MembershipFactory(user=colleague, site=site, role="technician")
    sign_in(page, manager)
    forms = {
        "add equipment": ("/equipment/new/", {"high_risk", "has_maintenance_history"}),
        "edit equipment": (f"/equipment/{unit.pk}/edit/", {"high_risk"}),
        "import": ("/equipment/import/", {"dry_run", "skip_invalid", "adopt_in_service"}),
        "invite": (f"/sites/{site.code}/people/invite/", {"is_trainee"}),
        "a person's roles": (f"/sites/{site.code}/people/{colleague.pk}/", {"is_trainee"}),
        "equipment list ticks": ("/equipment/", {"id"}),
        "sign an acceptance note": (
            f"/equipment/acceptance/{note.pk}/sign/",
            {"acknowledge_policy"},
        ),
        "site settings": (f"/sites/{site.code}/settings/", {"clinical_days"}),
    }
    for name, (path, expected) in forms.items():
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        boxes = page.evaluate(CHECKBOXES)
        shown = [box for box in boxes if box["shown"]]
        assert expected <= {box["name"] for box in shown}, name
        for box in shown:
            assert box["check"] and not box["bar"], (name, box)
            assert 8 <= box["width"] <= 32 and 8 <= box["height"] <= 32, (name, box)

    # The high-risk confirmation appears once "Out of service" is chosen.
    page.goto(f"{live_server.url}/equipment/{ct.pk}/")
    page.get_by_label("New status").select_option("out_of_service")
    shown = [box for box in page.evaluate(CHECKBOXES) if box["shown"]]
    confirm = [box for box in shown if box["name"] == "confirm_high_risk"]
    assert confirm and confirm[0]["check"] and not confirm[0]["bar"]
    assert 8 <= confirm[0]["width"] <= 32 and 8 <= confirm[0]["height"] <= 32


@pytest.mark.needs_browser
def test_the_import_page_shows_that_dry_run_is_on(page, live_server, sign_in, manager):
    sign_in(page, manager)

    page.goto(f"{live_server.url}/equipment/import/")

    dry_run = page.get_by_label("Check only (dry run): save nothing")
    expect(dry_run).to_be_visible()
    expect(dry_run).to_be_checked()
    expect(
        page.get_by_label("Save the valid rows even when others are invalid")
    ).not_to_be_checked()
