"""Training on a phone: a technician records an orientation session for three people in one
form, signs it as the instructor, and the site's matrix shows the three current."""

import pytest
from playwright.sync_api import expect

from imaging_ops.vocabulary import Role
from tests.factories import PASSWORD
from training.services.courses import create_course, create_requirement


@pytest.fixture
def orientation(manager, site_a):
    from django.utils import timezone

    now = timezone.now()
    course = create_course(
        actor=manager,
        site=site_a,
        now=now,
        code="ORIENT-CT",
        title="Equipment orientation: CT",
        category="equipment_orientation",
        modalities=["CT"],
    )
    create_requirement(
        actor=manager, site=site_a, course=course, basis="modality", subject="CT", now=now
    )
    return course


@pytest.mark.needs_browser
def test_a_technician_records_an_orientation_for_three_people_on_a_phone(
    phone_page, live_server, sign_in, tech, person, site_a, orientation
):
    """
    GIVEN a CT orientation course Alpha requires for CT, and three new technicians
    WHEN a technician opens "Record a session" on a phone, picks the course, ticks the three
    attendees, enters their username and password and records it
    THEN the matrix opens with the three people current for ORIENT-CT, and the page fits the
    phone's width
    """
    newcomers = [person(Role.TECHNICIAN, site_a, username=f"new{i}") for i in range(3)]
    page = phone_page
    sign_in(page, tech)
    page.goto(f"{live_server.url}/training/")
    page.get_by_role("link", name="Record a session at ALPHA").click()

    page.get_by_label("Course").select_option(label=str(orientation))
    attendees = page.locator("#id_attendees")
    for newcomer in newcomers:
        attendees.get_by_label(str(newcomer)).check()
    page.get_by_label("Location").fill("CT room 2")
    page.get_by_label("Username").fill(tech.username)
    page.get_by_label("Your password (instructor's signature)").fill(PASSWORD)
    page.get_by_label("I have read the electronic signature policy").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Record and sign").click()

    expect(page.get_by_text("Recorded ORIENT-CT for 3 people.")).to_be_visible()
    matrix = page.locator("#matrix")
    for newcomer in newcomers:
        row = matrix.locator("tr", has_text=str(newcomer))
        expect(row.locator('[data-status="current"]')).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
