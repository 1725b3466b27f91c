"""POST /api/v1/equipment/<id>/status/ answers 409 with the gate's reasons as a list when it
refuses a return to service, and names the records that satisfied the gate when it allows it."""

from datetime import timedelta

import pytest
import time_machine

from equipment.models import EquipmentStatus, RequiringEvent
from equipment.services.events import record_equipment_event
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.review_gate_support import mammography_evaluation, signed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_refused_return_answers_409_with_every_reason(api, manager, physicist, site_a):
    mammo = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-MG1", modalities=["MG"])
    mee = mammography_evaluation(manager, site_a)
    record_equipment_event(
        mammo, kind=RequiringEvent.INSTALLATION, actor=manager, occurred_at=NOW - timedelta(days=1)
    )
    api.force_authenticate(manager)
    url = f"/api/v1/equipment/{mammo.pk}/status/"
    body = {"status": EquipmentStatus.IN_SERVICE, "reason": "Installed and tested"}

    refused = api.post(url, body, format="json")

    assert refused.status_code == 409
    answer = refused.json()
    assert answer["detail"] == "This equipment cannot return to service yet."
    assert len(answer["reasons"]) == 2
    assert "acceptance note" in answer["reasons"][0]
    assert answer["reasons"][1].startswith("MQSA-MEE")

    factories.signed_acceptance(actor=manager, equipment=mammo, now=NOW - timedelta(hours=2))
    passed = signed(physicist, mammo, mee, performed_at=NOW - timedelta(hours=1))
    allowed = api.post(url, body, format="json")
    assert allowed.status_code == 201
    (item,) = allowed.json()["satisfied_by"]
    assert item["record"] == passed.pk and item["procedure"] == "MQSA-MEE"
    assert item["because"].startswith("required after the installation of")


def test_other_refusals_stay_field_errors(api, manager, ct):
    api.force_authenticate(manager)
    response = api.post(
        f"/api/v1/equipment/{ct.pk}/status/", {"status": "disposed", "reason": "x"}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()
