"""Events on a machine: recorded by an explicit action (the service, the equipment page's form,
or a relocation ticked on the location edit), each audited; what they require is shown on the
equipment page."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.models import EquipmentEvent, RequiringEvent
from equipment.services.events import record_equipment_event
from equipment.services.registry import update_equipment
from imaging_ops.models import AuditEvent
from tests import factories
from tests.equipment.conftest import NOW, refused_fields
from tests.equipment.review_gate_support import mammography_evaluation, signed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mammo(site_a):
    return factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-MG1", modalities=["MG"])


def test_an_event_is_recorded_and_audited(tech, mammo):
    event = record_equipment_event(
        mammo,
        kind=RequiringEvent.MAJOR_REPAIR,
        actor=tech,
        occurred_at=NOW - timedelta(hours=1),
        note="Detector replaced",
        source_work_order_id=42,
    )
    assert event.recorded_at == NOW and event.source_work_order_id == 42
    audit = AuditEvent.objects.filter(
        object_type="equipment.equipmentevent", object_id=str(event.pk), action="create"
    ).get()
    assert "major_repair" in str(audit.changes["kind"]) and audit.actor_id == tech.pk


def test_bad_events_are_refused_with_every_field_at_once(tech, mammo):
    with pytest.raises(ValidationError) as refused:
        record_equipment_event(
            mammo, kind="flood", actor=tech, occurred_at=NOW + timedelta(hours=1), note="\u202e"
        )
    assert refused_fields(refused) == {"kind", "occurred_at", "note"}
    assert not EquipmentEvent.objects.exists()


def test_inspectors_record_no_events(inspector, mammo):
    with pytest.raises(PermissionDenied):
        record_equipment_event(
            mammo, kind=RequiringEvent.RELOCATION, actor=inspector, occurred_at=NOW
        )


def test_a_move_is_a_location_edit_unless_it_is_a_relocation(manager, mammo, site_a):
    room = factories.LocationFactory(site=site_a, room="Mammo 2")
    update_equipment(actor=manager, equipment=mammo, location=room)
    assert not EquipmentEvent.objects.exists()
    other = factories.LocationFactory(site=site_a, room="Mammo 3")
    update_equipment(actor=manager, equipment=mammo, location=other, record_relocation=True)
    (event,) = EquipmentEvent.objects.all()
    assert event.kind == RequiringEvent.RELOCATION and "Mammo 3" in event.note
    with pytest.raises(ValidationError) as refused:
        update_equipment(actor=manager, equipment=mammo, location=other, record_relocation=True)
    assert refused_fields(refused) == {"record_relocation"}


def test_the_equipment_page_records_an_event_and_shows_what_it_requires(
    client, manager, physicist, mammo, site_a
):
    mee = mammography_evaluation(manager, site_a)
    client.force_login(manager)
    form = client.get(f"/equipment/{mammo.pk}/events/new/")
    assert form.status_code == 200
    refused = client.post(
        f"/equipment/{mammo.pk}/events/new/", {"kind": "", "occurred_at": "2026-03-04T08:00"}
    )
    assert refused.status_code == 400 and not EquipmentEvent.objects.exists()
    done = client.post(
        f"/equipment/{mammo.pk}/events/new/",
        {"kind": "major_repair", "occurred_at": "2026-03-04T08:00", "note": "Tube replaced"},
        follow=True,
    )
    page = done.content.decode()
    assert "Required before service: MQSA-MEE." in page
    (event,) = EquipmentEvent.objects.all()
    assert event.occurred_at == NOW - timedelta(hours=1)  # 08:00 EST is 13:00 UTC
    assert 'id="events"' in page and "Tube replaced" in page and "Not yet" in page
    signed(physicist, mammo, mee, performed_at=NOW - timedelta(minutes=30))
    page = client.get(f"/equipment/{mammo.pk}/").content.decode()
    assert "Not yet" not in page


def test_people_who_may_not_record_events_get_403(client, inspector, mammo):
    client.force_login(inspector)
    assert client.get(f"/equipment/{mammo.pk}/events/new/").status_code == 403


def test_the_edit_page_offers_the_relocation_option(client, manager, mammo, site_a):
    client.force_login(manager)
    assert "The unit was relocated" in client.get(f"/equipment/{mammo.pk}/edit/").content.decode()
    assert "The unit was relocated" not in client.get("/equipment/new/").content.decode()


def test_the_audit_trail_names_an_event_and_links_the_equipment_page(client, manager, mammo):
    record_equipment_event(
        mammo, kind=RequiringEvent.SOFTWARE_CHANGE, actor=manager, occurred_at=NOW, note="VB20"
    )
    client.force_login(manager)
    page = client.get("/audit/", {"object_type": "equipment.equipmentevent"}).content.decode()
    assert "Software change of ALPHA-MG1" in page
    assert f'/equipment/{mammo.pk}/#events"' in page


def test_the_equipment_page_runs_the_same_queries_for_1_and_20_events(
    client, manager, physicist, mammo, site_a
):
    mee = mammography_evaluation(manager, site_a)
    url = f"/equipment/{mammo.pk}/"

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def event(hours: int) -> None:
        record_equipment_event(
            mammo,
            kind=RequiringEvent.MAJOR_REPAIR,
            actor=manager,
            occurred_at=NOW - timedelta(hours=hours),
        )
        signed(physicist, mammo, mee, performed_at=NOW - timedelta(hours=hours - 1))

    client.force_login(manager)
    event(40)
    one = queries()
    for hours in range(39, 20, -1):
        event(hours)
    assert EquipmentEvent.objects.count() == 20
    assert queries() == one


def test_the_api_records_a_relocation_when_asked(api, manager, mammo, site_a):
    room = factories.LocationFactory(site=site_a, room="Mammo 4")
    api.force_authenticate(manager)
    url = f"/api/v1/equipment/{mammo.pk}/"
    moved = api.patch(url, {"location": room.pk}, format="json")
    assert moved.status_code == 200 and not EquipmentEvent.objects.exists()
    other = factories.LocationFactory(site=site_a, room="Mammo 5")
    moved = api.patch(url, {"location": other.pk, "record_relocation": True}, format="json")
    assert moved.status_code == 200
    assert EquipmentEvent.objects.get().kind == RequiringEvent.RELOCATION
    refused = api.patch(url, {"record_relocation": True}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["record_relocation"]
