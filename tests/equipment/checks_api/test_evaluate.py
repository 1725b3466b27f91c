"""POST /api/v1/checks/<id>/evaluate/: the result the record form shows as a value is typed,
from the server's one rule, at the band's edges; bad input a field error; other sites 404."""

from decimal import Decimal

import pytest

from equipment.services.schedules import create_schedule, set_reference
from tests.equipment.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctdi(ct_qc):
    return ct_qc.current_version.checks.get(key="ctdi")


def evaluate(api, check, **body):
    return api.post(f"/api/v1/checks/{check.pk}/evaluate/", body, format="json")


@pytest.mark.parametrize(
    ("value", "result", "crossed"),
    [
        ("55", "pass", None),  # +10 % of 50, inclusive
        ("55.0001", "tolerance", "tolerance_high"),
        ("60", "tolerance", "tolerance_high"),  # +20 %, the action limit is inclusive
        ("60.01", "action", "action_high"),
        ("39.99", "action", "action_low"),
    ],
)
def test_a_percent_band_on_the_schedules_reference(
    api, tech, manager, ct, ct_qc, ctdi, value, result, crossed
):
    schedule = create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)
    set_reference(
        actor=manager, schedule=schedule, check_key="ctdi", value="50", reason="Baseline", now=NOW
    )
    api.force_authenticate(tech)
    answer = evaluate(api, ctdi, value=value, schedule=schedule.pk)
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["result"], answer.json()["crossed"]) == (result, crossed)
    assert answer.json()["value"] == value


def test_a_percent_band_without_a_reference_asks_for_one(api, tech, ctdi):
    api.force_authenticate(tech)
    answer = evaluate(api, ctdi, value="50")
    assert answer.status_code == 400
    assert "reference" in answer.json()["value"][0]


def test_text_that_is_not_a_number_is_a_field_error(api, tech, manager, ct, ct_qc, ctdi):
    schedule = create_schedule(actor=manager, equipment=ct, procedure=ct_qc, now=NOW)
    set_reference(
        actor=manager,
        schedule=schedule,
        check_key="ctdi",
        value=Decimal("50"),
        reason="Baseline",
        now=NOW,
    )
    api.force_authenticate(tech)
    answer = evaluate(api, ctdi, value="5O", schedule=schedule.pk)
    assert answer.status_code == 400 and "not a number" in answer.json()["value"][0]


def test_another_sites_check_is_not_found(api, person, site_b, ctdi):
    api.force_authenticate(person("technician", site_b))
    assert evaluate(api, ctdi, value="50").status_code == 404
