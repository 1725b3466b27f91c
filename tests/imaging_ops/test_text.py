"""Bidirectional controls: refused in names and identifiers, isolated in free text on pages."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from equipment.models import EquipmentStatus
from equipment.services.registry import create_equipment, create_location
from equipment.services.status import change_equipment_status
from imaging_ops.notifications.services import notify
from imaging_ops.people.details import update_person_details
from imaging_ops.people.services import invite_person
from imaging_ops.text import BIDI_REFUSED, has_bidi_controls
from imaging_ops.vocabulary import Role
from tests import factories

RLO = "\u202e"  # right-to-left override: "CT 1<RLO>evom" displays as "CT 1move"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Doe", False),
        ("محمد عبد الله", False),  # right-to-left letters are fine; the controls are not
        ("דוד כהן", False),
        (f"Jane{RLO}eoD", True),
        ("Jane\u2066Doe\u2069", True),
        ("Jane\u200fDoe", True),
    ],
)
def test_the_controls_are_found_and_letters_of_any_script_are_not(text, expected):
    assert has_bidi_controls(text) is expected


def test_an_equipment_name_with_an_override_is_a_field_error(manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        create_equipment(
            actor=manager, site=site_a, asset_tag="CT-9", name=f"CT {RLO}renacs", modalities=["CT"]
        )

    assert excinfo.value.message_dict["name"] == [BIDI_REFUSED]


def test_a_room_with_an_override_is_a_field_error(manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        create_location(actor=manager, site=site_a, building="Main", room=f"CT{RLO}1")

    assert "room" in excinfo.value.message_dict


def test_a_persons_corrected_name_with_an_override_is_refused(manager, tech, site_a):
    with pytest.raises(ValidationError) as excinfo:
        update_person_details(
            actor=manager,
            site=site_a,
            person=tech,
            full_name=f"Tess {RLO}hcet",
            credentials="RT(R)",
            email=tech.email or "tess@example.org",
            employee_id="",
            reason="Spelling",
            now=timezone.now(),
        )

    assert excinfo.value.message_dict["full_name"] == [BIDI_REFUSED]


def test_an_invitation_with_an_override_in_the_name_is_refused(manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        invite_person(
            actor=manager,
            site=site_a,
            role=Role.TECHNICIAN,
            email="new@example.org",
            username="newtech",
            identity_verified_by="Badge checked",
            full_name=f"New {RLO}hcet",
            now=timezone.now(),
        )

    assert "full_name" in excinfo.value.message_dict


def test_the_api_answers_400_on_the_name(api, manager, site_a):
    api.force_authenticate(manager)

    response = api.post(
        "/api/v1/equipment/",
        {"site": site_a.pk, "asset_tag": "US-9", "name": f"US{RLO}9", "modalities": ["US"]},
        format="json",
    )

    assert response.status_code == 400
    assert "name" in response.json()


def test_a_reason_keeps_what_was_typed_and_is_shown_isolated(client, manager, site_a):
    """A reason is free text (it may be in any script): stored as typed, displayed in <bdi> so
    an override inside cannot reverse the rest of the history row."""
    equipment = factories.EquipmentFactory(site=site_a, status=EquipmentStatus.IN_SERVICE)
    reason = f"Tube arcing {RLO}tset"
    change_equipment_status(
        equipment=equipment, to=EquipmentStatus.OUT_OF_SERVICE, reason=reason, actor=manager
    )
    client.force_login(manager)

    page = client.get(f"/equipment/{equipment.pk}/").content.decode()

    assert f"<bdi>{reason}</bdi>" in page


def test_free_text_in_the_audit_trail_and_notifications_is_isolated(client, manager, site_a):
    """A reason with an override reads isolated on the audit page and in a notification."""
    equipment = factories.EquipmentFactory(site=site_a, status=EquipmentStatus.IN_SERVICE)
    reason = f"Tube arcing {RLO}tset"
    change_equipment_status(
        equipment=equipment, to=EquipmentStatus.OUT_OF_SERVICE, reason=reason, actor=manager
    )
    notify(user=manager, site=site_a, kind="test", title="Down", body=reason, now=timezone.now())
    client.force_login(manager)

    audit = client.get("/audit/", {"object_type": "equipment.equipment"}).content.decode()
    notices = client.get("/notifications/").content.decode()

    assert f"<bdi>{reason}</bdi>" in audit
    assert RLO not in audit.replace(f"<bdi>{reason}</bdi>", "")
    assert f"<bdi>{reason}</bdi>" in notices
