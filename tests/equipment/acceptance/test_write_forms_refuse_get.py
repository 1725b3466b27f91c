"""Typing the address of a write form one may not use answers 403 on the GET, not the form."""

import pytest
from django.utils import timezone

from equipment.services.acceptance import void_acceptance_note
from imaging_ops.records.versioning import voided_record_message
from imaging_ops.vocabulary import AreaClass, Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def equipment(site_a):
    location = factories.LocationFactory(site=site_a, area_class=AreaClass.CONTROLLED)
    return factories.EquipmentFactory(site=site_a, location=location, asset_tag="CT-1")


@pytest.fixture
def note(tech, equipment):
    return factories.acceptance_note(actor=tech, equipment=equipment)


def write_forms(equipment, note):
    return [
        f"/equipment/{equipment.pk}/acceptance/new/",
        f"/equipment/acceptance/{note.pk}/edit/",
        f"/equipment/acceptance/{note.pk}/amend/",
        f"/equipment/acceptance/{note.pk}/void/",
        f"/equipment/acceptance/{note.pk}/sign/",
        "/equipment/new/",
        f"/equipment/{equipment.pk}/edit/",
        "/equipment/locations/new/",
        f"/equipment/locations/{equipment.location_id}/edit/",
    ]


def test_an_inspector_gets_403_on_every_write_form(client, inspector, equipment, note):
    client.force_login(inspector)

    statuses = {url: client.get(url).status_code for url in write_forms(equipment, note)}

    assert statuses == dict.fromkeys(write_forms(equipment, note), 403)


def test_the_people_who_may_write_get_the_forms(client, tech, manager, equipment, note):
    """The same addresses open for the people the rules allow: the note's author (a
    technician) on the note's pages, a manager on the registry's."""
    urls = write_forms(equipment, note)
    client.force_login(tech)
    acceptance = [client.get(url).status_code for url in urls[:5]]
    client.force_login(manager)
    registry = [client.get(url).status_code for url in urls[5:]]

    assert acceptance == [200] * 5
    assert registry == [200] * 4


def test_a_technician_may_not_amend_or_void_a_colleagues_note(client, person, site_a, note):
    colleague = person(Role.TECHNICIAN, site_a, username="terry")
    client.force_login(colleague)

    amend = client.get(f"/equipment/acceptance/{note.pk}/amend/")
    void = client.get(f"/equipment/acceptance/{note.pk}/void/")
    edit = client.get(f"/equipment/acceptance/{note.pk}/edit/")

    assert (amend.status_code, void.status_code, edit.status_code) == (403, 403, 403)
    assert "only your own records" in amend.content.decode()


def test_the_refusal_comes_before_the_locked_page(client, inspector, tech, note):
    """A voided note answers 409 to the people who could otherwise change it, and 403 to an
    inspector: whether one may comes before what state the record is in."""
    void_acceptance_note(actor=tech, note=note, reason="Entered twice", now=timezone.now())
    url = f"/equipment/acceptance/{note.pk}/void/"

    client.force_login(inspector)
    refused = client.get(url).status_code
    client.force_login(tech)
    locked = client.get(url)

    assert refused == 403
    assert locked.status_code == 409
    note.refresh_from_db()
    assert voided_record_message(note) in locked.content.decode()


def test_another_sites_form_is_not_found_rather_than_refused(client, person, site_b, note):
    client.force_login(person(Role.INSPECTOR, site_b, username="ivo"))

    assert client.get(f"/equipment/acceptance/{note.pk}/amend/").status_code == 404
