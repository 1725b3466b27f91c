"""The qualification gate on signing a service record for a modality: equipment asks training.
The site's setting blocks the signature, naming the missing course, or allows it and sends the
record to review with the reason."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from equipment.models import ProcedureKind, ServiceRecord
from equipment.services.procedures import create_procedure
from equipment.services.records import create_service_record, sign_service_record
from equipment.services.schedules import create_schedule
from imaging_ops.vocabulary import QualificationGate
from tests import factories
from tests.training.conftest import NOW, sign, train

pytestmark = pytest.mark.django_db


@pytest.fixture
def daily(manager, site_a):
    """Daily QC of a CT at Alpha, one yes/no check."""
    procedure = create_procedure(
        actor=manager,
        site=site_a,
        code="CT-DAILY",
        kind=ProcedureKind.QC,
        now=NOW,
        name="CT daily QC",
        modalities=["CT"],
        default_anchor="from_completion",
        default_interval_days=1,
        default_grace_days=1,
        checks=[{"key": "artefacts", "name": "Image free of artefacts", "kind": "boolean"}],
    )
    ct = factories.EquipmentFactory(site=site_a, asset_tag="ALPHA-CT1")
    return create_schedule(
        actor=manager, equipment=ct, procedure=procedure, now=NOW, last_done=NOW - timedelta(days=1)
    )


def values_for(schedule):
    return {check.pk: "yes" for check in schedule.procedure.current_version.checks.all()}


def record(schedule, actor, *, signature=True):
    return create_service_record(
        actor=actor,
        schedule=schedule,
        performed_at=NOW - timedelta(minutes=10),
        now=NOW,
        values=values_for(schedule),
        signature=sign(username=actor.username) if signature else None,
    )


@pytest.mark.req("11.10(i)")
def test_blocked_signature_names_the_missing_course_and_saves_nothing(tech, daily, ct_dose):
    with pytest.raises(ValidationError) as refused:
        record(daily, tech)
    message = refused.value.message_dict["signature"][0]
    assert "CT-DOSE (CT dose optimisation)" in message
    assert not ServiceRecord.objects.exists()


def test_current_training_passes_the_gate(tech, physicist, site_a, daily, ct_dose):
    train(physicist, site_a, ct_dose, tech)
    made = record(daily, tech)
    assert made.counts and made.qualification_review == ""


def test_lapsed_training_blocks_again(tech, physicist, site_a, daily, ct_dose):
    train(physicist, site_a, ct_dose, tech, held_on=NOW.date().replace(year=2025) - timedelta(1))
    with pytest.raises(ValidationError):
        record(daily, tech)


def test_the_review_setting_signs_and_sends_the_record_to_review(tech, site_a, daily, ct_dose):
    site_a.qualification_gate = QualificationGate.REVIEW
    site_a.save()
    made = record(daily, tech)
    assert made.counts
    assert "CT-DOSE" in made.qualification_review and "review" in made.qualification_review
    made.refresh_from_db()
    assert made.awaiting_review and "qualification" in made.review_reasons  # in the queue


def test_signing_a_saved_record_later_asks_the_gate_too(tech, site_a, daily, ct_dose):
    draft = record(daily, tech, signature=False)
    with pytest.raises(ValidationError):
        sign_service_record(
            record=draft, signer=tech, now=NOW, meaning="performed", **sign(username=tech.username)
        )
    site_a.qualification_gate = QualificationGate.REVIEW
    site_a.save()
    draft.refresh_from_db()
    sign_service_record(
        record=draft, signer=tech, now=NOW, meaning="performed", **sign(username=tech.username)
    )
    draft.refresh_from_db()
    assert draft.counts and "CT-DOSE" in draft.qualification_review


def test_without_a_requirement_for_the_modality_nobody_is_stopped(tech, daily, mri_l2):
    assert record(daily, tech).counts


def test_the_review_reason_shows_on_the_record_page_and_in_the_api(
    client, api, tech, site_a, daily, ct_dose
):
    site_a.qualification_gate = QualificationGate.REVIEW
    site_a.save()
    made = record(daily, tech)
    client.force_login(tech)
    page = client.get(f"/equipment/records/{made.pk}/")
    assert b'id="qualification-review"' in page.content and b"CT-DOSE" in page.content
    api.force_authenticate(tech)
    body = api.get(f"/api/v1/records/{made.pk}/").json()
    assert "CT-DOSE" in body["qualification_review"]


def test_the_site_setting_is_chosen_on_the_settings_page(client, manager, site_a):
    client.force_login(manager)
    response = client.post(
        f"/sites/{site_a.code}/settings/",
        {
            "time_zone": site_a.time_zone,
            "clinical_days": site_a.clinical_days,
            "opens_at": "07:00",
            "closes_at": "19:00",
            "qualification_gate": "review",
        },
    )
    assert response.status_code == 302
    site_a.refresh_from_db()
    assert site_a.qualification_gate == QualificationGate.REVIEW
