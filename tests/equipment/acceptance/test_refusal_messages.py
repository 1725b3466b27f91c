"""An acceptance note that cannot change says why in the words of the versioning and signing
rules, whether the page is only opened or the change is posted."""

import pytest
from django.utils import timezone

from equipment.models import AcceptanceOutcome
from equipment.services.acceptance import void_acceptance_note
from imaging_ops.records.signatures import VOIDED_NOT_SIGNED
from imaging_ops.records.versioning import signed_version_message, voided_record_message
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(tech, site_a):
    equipment = factories.EquipmentFactory(site=site_a, asset_tag="CT-1")
    return factories.acceptance_note(actor=tech, equipment=equipment)


@pytest.fixture
def voided_note(manager, note):
    return void_acceptance_note(
        actor=manager, note=note, reason="Entered on the wrong unit", now=timezone.now()
    )


def test_opening_the_edit_page_of_a_signed_version_says_what_saving_would(client, tech, site_a):
    equipment = factories.EquipmentFactory(site=site_a, asset_tag="CT-2")
    note = factories.signed_acceptance(actor=tech, equipment=equipment)
    client.force_login(tech)
    url = f"/equipment/acceptance/{note.pk}/edit/"

    content = {
        "accepted_on": "2026-03-02",
        "summary": "Quietly changed.",
        "tests_performed": "Manufacturer's acceptance protocol.",
        "outcome": AcceptanceOutcome.ACCEPTED,
    }

    shown = client.get(url)
    posted = client.post(url, content)

    message = signed_version_message(note.current_version)
    assert shown.status_code == 409 and message in shown.content.decode()
    assert posted.status_code == 409 and message in posted.content.decode()


@pytest.mark.parametrize("page", ["edit", "amend", "void"])
def test_a_voided_note_says_so_on_every_page_that_would_change_it(
    client, manager, voided_note, page
):
    client.force_login(manager)

    response = client.get(f"/equipment/acceptance/{voided_note.pk}/{page}/")

    assert response.status_code == 409
    assert voided_record_message(voided_note) in response.content.decode()


def test_a_voided_note_is_not_offered_for_signing(client, manager, voided_note):
    client.force_login(manager)

    response = client.get(f"/equipment/acceptance/{voided_note.pk}/sign/")

    assert response.status_code == 409
    assert VOIDED_NOT_SIGNED in response.content.decode()
