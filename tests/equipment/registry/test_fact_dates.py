"""Installation and acceptance are facts that have happened: never after today at the site, and
an acceptance date only once acceptance has happened (set by the signed acceptance note)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from equipment.models import EquipmentStatus
from equipment.services.facts import ACCEPTED_ON_SET_BY_ACCEPTANCE
from equipment.services.registry import update_equipment
from equipment.services.status import change_equipment_status
from tests import factories

pytestmark = pytest.mark.django_db
S = EquipmentStatus


def today_at(site):
    return site.today(timezone.now())


def refusal(excinfo) -> dict:
    return excinfo.value.message_dict


def test_installation_tomorrow_at_the_site_is_refused_and_today_is_fine(manager, site_a):
    tomorrow = today_at(site_a) + timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        factories.registered_equipment(manager, site_a, installed_on=tomorrow)

    assert refusal(excinfo) == {"installed_on": ["The installation date cannot be in the future."]}
    ct = factories.registered_equipment(manager, site_a, installed_on=today_at(site_a))
    assert ct.installed_on == today_at(site_a)


def test_an_acceptance_date_ahead_of_today_is_refused_even_for_adopted_equipment(manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        factories.registered_equipment(
            manager, site_a, accepted_on=today_at(site_a) + timedelta(days=31)
        )

    assert refusal(excinfo) == {"accepted_on": ["The acceptance date cannot be in the future."]}


def test_equipment_awaiting_acceptance_takes_no_acceptance_date(manager, site_a):
    with pytest.raises(ValidationError) as excinfo:
        factories.registered_equipment(
            manager, site_a, accepted_on=today_at(site_a), adopt_in_service=False
        )

    assert refusal(excinfo) == {"accepted_on": [ACCEPTED_ON_SET_BY_ACCEPTANCE]}


def test_an_edit_cannot_type_the_acceptance_date_ahead_of_the_acceptance(manager, site_a):
    unit = factories.registered_equipment(manager, site_a)
    assert unit.status == S.AWAITING_ACCEPTANCE

    with pytest.raises(ValidationError) as excinfo:
        update_equipment(actor=manager, equipment=unit, accepted_on=today_at(site_a))

    assert refusal(excinfo) == {"accepted_on": [ACCEPTED_ON_SET_BY_ACCEPTANCE]}


def test_the_signed_acceptance_note_sets_the_acceptance_date(manager, site_a):
    """GIVEN a unit awaiting acceptance and an accepted note dated today, signed
    WHEN it goes into service THEN its acceptance date is the note's; a later return from out
    of service keeps it."""
    unit = factories.registered_equipment(manager, site_a)
    note = factories.signed_acceptance(actor=manager, equipment=unit)

    change_equipment_status(equipment=unit, to=S.IN_SERVICE, reason="Accepted", actor=manager)
    unit.refresh_from_db()
    assert unit.accepted_on == note.current_version.accepted_on

    change_equipment_status(equipment=unit, to=S.OUT_OF_SERVICE, reason="Tube", actor=manager)
    change_equipment_status(equipment=unit, to=S.IN_SERVICE, reason="Repaired", actor=manager)
    unit.refresh_from_db()
    assert unit.accepted_on == note.current_version.accepted_on


def test_the_form_shows_the_future_date_on_its_field(client, physicist, site_a):
    client.force_login(physicist)

    response = client.post(
        reverse("equipment:create"),
        {
            "site": site_a.pk,
            "asset_tag": "US-9",
            "name": "Ultrasound",
            "category": "imaging_system",
            "primary_modality": "US",
            "maintenance_strategy": "manufacturer",
            "installed_on": "2099-01-01",
            "accepted_on": "2099-02-01",
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["installed_on"] == ["The installation date cannot be in the future."]
    assert errors["accepted_on"] == ["The acceptance date cannot be in the future."]


def test_the_api_answers_400_on_a_future_installation(api, physicist, site_a):
    api.force_authenticate(physicist)

    response = api.post(
        "/api/v1/equipment/",
        {
            "site": site_a.pk,
            "asset_tag": "US-9",
            "name": "Ultrasound",
            "modalities": ["US"],
            "installed_on": "2099-01-01",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["installed_on"] == ["The installation date cannot be in the future."]


def test_equipment_never_accepted_takes_no_acceptance_date_by_way_of_out_of_service(
    manager, site_a
):
    """GIVEN a unit awaiting acceptance taken out of service (never accepted)
    THEN typing an acceptance date is still refused: acceptance has not happened."""
    unit = factories.registered_equipment(manager, site_a)
    change_equipment_status(equipment=unit, to=S.OUT_OF_SERVICE, reason="Damaged", actor=manager)

    with pytest.raises(ValidationError) as excinfo:
        update_equipment(actor=manager, equipment=unit, accepted_on=today_at(site_a))

    assert refusal(excinfo) == {"accepted_on": [ACCEPTED_ON_SET_BY_ACCEPTANCE]}


def test_a_row_entered_before_the_rule_stays_editable(manager, site_a):
    """GIVEN equipment awaiting acceptance that was entered with an acceptance date (before the
    rule) WHEN its name is corrected, the date sent back unchanged THEN the edit is saved."""
    unit = factories.EquipmentFactory(
        site=site_a, status=S.AWAITING_ACCEPTANCE, accepted_on=today_at(site_a)
    )

    update_equipment(
        actor=manager,
        equipment=unit,
        name="Ultrasound, ward 4",
        accepted_on=unit.accepted_on.isoformat(),
    )

    unit.refresh_from_db()
    assert unit.name == "Ultrasound, ward 4"
