"""Equipment in the audit trail: machines, rooms, status changes and acceptance notes by name,
with links to their pages, fields by the forms' labels, version pointers by number."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from equipment.models import EquipmentStatus
from equipment.services import registry as services
from equipment.services.status import change_equipment_status
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.req("11.10(e)")]

# 14:22 UTC on 4 March 2026 is 09:22 in New York (EST).
WINTER = datetime(2026, 3, 4, 14, 22, 5, tzinfo=UTC)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def ct(site_a, manager):
    manager.full_name, manager.home_site = "Max Manager", site_a
    manager.save()
    return services.create_equipment(
        actor=manager, site=site_a, asset_tag="MAIN-CT1", name="CT scanner", modalities=["CT"]
    )


@pytest.fixture
def out_of_service(site_a, tech):
    """MAIN-CT2, in service, taken out of service by Tess Tech."""
    tech.full_name = "Tess Tech"
    tech.save()
    equipment = factories.EquipmentFactory(
        site=site_a, asset_tag="MAIN-CT2", name="CT scanner", status=EquipmentStatus.IN_SERVICE
    )
    change_equipment_status(
        equipment=equipment, to=EquipmentStatus.OUT_OF_SERVICE, reason="Tube arcing", actor=tech
    )
    return equipment


def entries(client, **query):
    return client.get("/audit/", query).context["entries"]


def test_equipment_reads_by_asset_tag_and_name_with_a_link_to_its_page(client, inspector, ct):
    client.force_login(inspector)
    [created] = entries(client, object_type="equipment.equipment", action="create")
    assert created.record == "MAIN-CT1 — CT scanner"
    assert created.record_url == f"/equipment/{ct.pk}/"
    page = client.get("/audit/", {"object_type": "equipment.equipment"}).content.decode()
    assert f'<a href="/equipment/{ct.pk}/">MAIN-CT1 — CT scanner</a>' in page
    assert f"Equipment {ct.pk}" not in text_of(page)


def test_a_status_change_reads_as_tag_and_status_labels(client, physicist, out_of_service):
    client.force_login(physicist)
    [change] = entries(client, object_type="equipment.equipmentstatuschange")
    assert change.record == "MAIN-CT2: In service → Out of service"
    assert change.record_url == f"/equipment/{out_of_service.pk}/#status-history"
    [status] = entries(client, action="status_change")
    assert [(c.label, c.old, c.new) for c in status.changes] == [
        ("Status", "In service", "Out of service")
    ]
    page = text_of(client.get("/audit/").content.decode())
    assert "in_service" not in page and "out_of_service" not in page


def test_fields_read_by_the_forms_labels_and_foreign_keys_by_name(client, physicist, ct):
    room = factories.LocationFactory(site=ct.site, building="Main", room="CT 1")
    services.update_equipment(
        actor=physicist, equipment=ct, location=room, vendor="Acme Imaging", high_risk=True
    )
    client.force_login(physicist)
    [update] = entries(client, object_type="equipment.equipment", action="update")
    rows = {c.label: (c.old, c.new) for c in update.changes}
    assert rows["Service vendor"] == ("—", "Acme Imaging")  # the form's label, not "Vendor"
    assert rows["High-risk equipment"] == ("No", "Yes")
    assert rows["Location"] == ("—", "Main / CT 1")  # not the room's pk
    [created] = entries(client, object_type="equipment.equipment", action="create")
    assert {c.label: c.new for c in created.changes}["Site"] == "ALPHA"


def test_an_acceptance_version_reads_by_its_number_never_its_pk(client, physicist, tech, site_a):
    # A first note elsewhere, so the second note's version 1 has a pk other than 1.
    factories.acceptance_note(actor=tech, equipment=factories.EquipmentFactory(site=site_a))
    us = factories.EquipmentFactory(site=site_a, asset_tag="MAIN-US2", name="Ultrasound")
    note = factories.acceptance_note(actor=tech, equipment=us)
    version_pk = note.current_version.pk
    assert version_pk != 1 and note.current_version.number == 1
    client.force_login(physicist)

    [version] = entries(
        client, object_type="equipment.acceptancenoteversion", object_id=str(version_pk)
    )
    assert version.record == "Acceptance note for MAIN-US2, version 1"
    assert version.record_url == f"/equipment/acceptance/{note.pk}/"
    assert {c.label: c.new for c in version.changes}["Outcome"] == "Accepted"

    pointer = [
        e
        for e in entries(client, object_type="equipment.acceptancenote", object_id=str(note.pk))
        if e.event.action == "update"
    ]
    [current] = [c for e in pointer for c in e.changes if c.field == "current_version_id"]
    assert (current.label, current.old, current.new) == ("Current version", "—", "version 1")
    assert pointer[0].record == "Acceptance note for MAIN-US2"


def test_the_equipment_page_shows_its_audit_history_in_the_site_time_zone(client, tech, site_a):
    with time_machine.travel(WINTER, tick=False):
        equipment = factories.EquipmentFactory(
            site=site_a, asset_tag="MAIN-CT3", status=EquipmentStatus.IN_SERVICE
        )
        change_equipment_status(
            equipment=equipment, to=EquipmentStatus.OUT_OF_SERVICE, reason="Noise", actor=tech
        )
    client.force_login(tech)
    page = client.get(f"/equipment/{equipment.pk}/").content.decode()
    history = text_of(client.get(f"/equipment/{equipment.pk}/history/").content.decode())
    history = history[history.index("Audit history") :]
    assert "2026-03-04 09:22:05 EST (UTC\u221205:00)" in history
    assert "14:22" not in history and " UTC " not in history
    # The status history above it says the same time, in the same zone.
    assert "2026-03-04 09:22 EST" in text_of(page[: page.index("Audit history")])


def test_the_acceptance_page_history_names_the_versions(client, tech, site_a):
    us = factories.EquipmentFactory(site=site_a, asset_tag="MAIN-US2", name="Ultrasound")
    note = factories.acceptance_note(actor=tech, equipment=us)
    client.force_login(tech)
    page = text_of(client.get(f"/equipment/acceptance/{note.pk}/").content.decode())
    history = page[page.index("Audit history") :]
    assert "Acceptance note for MAIN-US2, version 1" in history
    assert "Current version : — → version 1" in history


def test_the_room_page_history_reads_by_labels(client, manager, site_a):
    room = factories.LocationFactory(site=site_a, building="Main", room="Hot lab")
    client.force_login(manager)
    page = text_of(client.get(f"/equipment/locations/{room.pk}/").content.decode())
    history = page[page.index("Audit history") :]
    assert "Main / Hot lab" in history
    assert "Area class : Unrestricted" in history


def test_a_signature_names_the_version_it_signs_and_its_meaning_by_label(
    client, physicist, tech, site_a
):
    factories.acceptance_note(actor=tech, equipment=factories.EquipmentFactory(site=site_a))
    us = factories.EquipmentFactory(site=site_a, asset_tag="MAIN-US2", name="Ultrasound")
    factories.signed_acceptance(actor=tech, equipment=us)
    client.force_login(physicist)
    [signed] = entries(client, action="sign")
    assert signed.record == "Acceptance note for MAIN-US2, version 1"
    details = {c.label: c.new for c in signed.changes}
    assert details["Meaning"] == "Performed"  # not "performed"
    assert details["Signature"].startswith("Signature of ")
    [signature] = entries(client, object_type="imaging_ops.signature")
    created = {c.label: c.new for c in signature.changes}
    # The signed version by name, never by its pk (2 here) in a bare "object id".
    assert created["Version"] == "Acceptance note for MAIN-US2, version 1"
    assert created["Meaning"] == "Performed"
