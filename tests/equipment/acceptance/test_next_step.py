"""After an acceptance note is signed, the note's page offers the next step (returning the
equipment to service) instead of signing again, and shows each version once."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from equipment.models import AcceptanceOutcome, EquipmentStatus
from equipment.services.acceptance import amend_acceptance_note
from equipment.services.status import change_equipment_status
from imaging_ops.models import Meaning
from tests import factories

pytestmark = pytest.mark.django_db

S = EquipmentStatus


def note_page(note) -> str:
    return reverse("equipment:acceptance_detail", args=[note.pk])


def detail(equipment) -> str:
    return reverse("equipment:detail", args=[equipment.pk])


def return_link(equipment) -> str:
    return f"{detail(equipment)}?status=in_service#change-status"


def versions_shown(html: str) -> str:
    """The page above its audit history (which records every field of every version)."""
    return html.split('id="audit-history-title"')[0]


def primary_buttons(html: str) -> list[str]:
    """The text of each primary button of the note's actions."""
    return re.findall(r'<a class="btn btn-primary"[^>]*>([^<]*)</a>', html)


@pytest.fixture
def us2(site_a):
    return factories.EquipmentFactory(
        site=site_a, asset_tag="MAIN-US2", name="Ultrasound", modalities=["US"]
    )


def test_signing_through_the_page_leads_to_the_return_to_service(client, tech, us2):
    """
    GIVEN a technician's unsigned acceptance note on equipment awaiting acceptance
    WHEN they sign it on the sign page
    THEN the note page they land on offers "Return MAIN-US2 to service" as its main action,
    pointing at the status form with in service chosen, and signing again only beside it
    """
    note = factories.acceptance_note(actor=tech, equipment=us2)
    client.force_login(tech)
    before = client.get(note_page(note)).content.decode()
    assert primary_buttons(before) == ["Sign"]

    response = client.post(
        reverse("equipment:acceptance_sign", args=[note.pk]),
        {
            "version": 1,
            "meaning": Meaning.PERFORMED,
            "username": tech.username,
            "password": factories.PASSWORD,
            "acknowledge_policy": "on",
        },
        follow=True,
    )

    html = response.content.decode()
    assert response.redirect_chain == [(note_page(note), 302)]
    assert primary_buttons(html) == ["Return MAIN-US2 to service"]
    assert f'href="{return_link(us2)}"' in html
    assert "Add a signature" in html


def test_the_link_opens_the_status_form_with_in_service_chosen(client, tech, us2):
    factories.signed_acceptance(actor=tech, equipment=us2)
    client.force_login(tech)

    form = client.get(detail(us2), {"status": "in_service"}).context["status_form"]

    assert form["status"].value() == S.IN_SERVICE
    response = client.post(
        reverse("equipment:status", args=[us2.pk]),
        {"status": S.IN_SERVICE, "reason": "Accepted; first clinical use."},
    )
    assert response.status_code == 302
    us2.refresh_from_db()
    assert us2.status == S.IN_SERVICE


@pytest.mark.parametrize("asked", ["retired", "awaiting_acceptance", "nonsense", ""])
def test_a_status_the_person_may_not_choose_is_not_preselected(client, tech, us2, asked):
    """A technician may not retire; nothing goes back to awaiting acceptance. Nothing is
    chosen, and the page answers as usual."""
    client.force_login(tech)

    response = client.get(detail(us2), {"status": asked})

    assert response.status_code == 200
    assert response.context["status_form"]["status"].value() in (None, "")


def test_no_return_is_offered_while_the_gate_holds_or_to_a_person_who_may_not(
    client, tech, inspector, us2, site_a
):
    unsigned = factories.acceptance_note(actor=tech, equipment=us2)
    rejected_unit = factories.EquipmentFactory(site=site_a)
    rejected = factories.acceptance_note(
        actor=tech, equipment=rejected_unit, outcome=AcceptanceOutcome.REJECTED
    )
    factories.signed_acceptance(actor=tech, equipment=factories.EquipmentFactory(site=site_a))
    client.force_login(tech)
    # Rejected and signed: the gate stays shut.
    client.post(
        reverse("equipment:acceptance_sign", args=[rejected.pk]),
        {
            "version": 1,
            "meaning": Meaning.PERFORMED,
            "username": tech.username,
            "password": factories.PASSWORD,
            "acknowledge_policy": "on",
        },
    )

    for note in (unsigned, rejected):
        assert "to service" not in client.get(note_page(note)).content.decode()
    signed = factories.signed_acceptance(actor=tech, equipment=us2)
    client.force_login(inspector)
    assert "to service" not in client.get(note_page(signed)).content.decode()


def test_no_return_is_offered_for_equipment_already_in_service(client, tech, us2):
    note = factories.signed_acceptance(actor=tech, equipment=us2)
    change_equipment_status(equipment=us2, to=S.IN_SERVICE, reason="Accepted.", actor=tech)
    client.force_login(tech)

    html = client.get(note_page(note)).content.decode()

    assert "to service" not in html
    assert primary_buttons(html) == []


def test_the_equipment_page_offers_the_return_on_the_signed_note_too(client, tech, us2):
    factories.signed_acceptance(actor=tech, equipment=us2)
    client.force_login(tech)

    html = client.get(detail(us2)).content.decode()

    assert f'href="{return_link(us2)}">Return MAIN-US2 to service</a>' in html


def test_a_signed_note_shows_its_version_once(client, tech, us2):
    note = factories.signed_acceptance(actor=tech, equipment=us2)
    client.force_login(tech)

    html = versions_shown(client.get(note_page(note)).content.decode())

    assert html.count("Signature verified") == 1
    assert html.count(note.current_version.summary) == 1
    assert "Version history" not in html  # one version: nothing earlier to list


def test_an_amended_note_shows_each_version_once(client, tech, us2):
    note = factories.signed_acceptance(actor=tech, equipment=us2)
    first_summary = note.current_version.summary
    amend_acceptance_note(
        actor=tech,
        note=note,
        reason="Probe serial corrected",
        now=note.current_version.created_at,
        summary="Passed with the replacement probe.",
    )
    client.force_login(tech)

    html = versions_shown(client.get(note_page(note)).content.decode())

    assert "Version 2 (current)" in html and "Version 1 (superseded)" in html
    assert html.count("Passed with the replacement probe.") == 1
    assert html.count(first_summary) == 1
    assert html.count("Signature verified") == 1  # version 1's, in the history


def test_the_note_page_runs_the_same_queries_for_one_version_or_many(client, tech, us2):
    note = factories.signed_acceptance(actor=tech, equipment=us2)
    client.force_login(tech)
    client.get(note_page(note))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(note_page(note)).status_code == 200
        return len(captured)

    one = queries()
    for n in range(3):
        amend_acceptance_note(
            actor=tech,
            note=note,
            reason=f"Correction {n}",
            now=note.current_version.created_at,
            summary=f"Summary {n}.",
        )

    assert queries() == one
