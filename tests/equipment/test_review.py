"""The review queue: tolerance-level results, trainees' records and outside performers' records
wait for a reviewer; physicists and managers review every record of their sites, the RSO
radiation records only, nobody their own; a review (single or bulk) is the "reviewed"
signature and leaves the performer's signature valid."""

import importlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from equipment.models import Category, ProcedureKind, ReviewReason, ServiceRecord
from equipment.selectors.review import review_queue
from equipment.services.records import amend_service_record
from equipment.services.review import review_records
from imaging_ops.models import Meaning, Signature
from imaging_ops.records.signatures import signature_states
from imaging_ops.vocabulary import Role
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.records.conftest import sign
from tests.equipment.review_gate_support import (
    external,
    level_values,
    procedure,
    review,
    signed,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def qc(manager, site_a):
    return procedure(manager, site_a, "CT-QC", modalities=["CT"])


@pytest.fixture
def leak(rso, site_a):
    return procedure(
        rso,
        site_a,
        "LEAK",
        kind=ProcedureKind.LEAK_TEST,
        categories=[Category.SEALED_SOURCE],
        external_allowed=True,
    )


@pytest.fixture
def source(site_a):
    return factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-CS137", category=Category.SEALED_SOURCE, modalities=[]
    )


def queued(user) -> list[int]:
    return list(review_queue(user).values_list("pk", flat=True))


def test_a_tolerance_record_waits_and_a_review_clears_it(tech, physicist, ct, qc):
    made = signed(tech, ct, qc, outcome="tolerance")
    assert made.awaiting_review and made.review_reasons == [ReviewReason.TOLERANCE]
    assert queued(physicist) == [made.pk]
    review(made, physicist)
    assert not made.awaiting_review and queued(physicist) == []
    # The performer's signature still verifies: a review signs the content, never changes it.
    states = signature_states(made.current_version)
    assert [(s.signature.meaning, s.valid) for s in states] == [
        (Meaning.PERFORMED, True),
        (Meaning.REVIEWED, True),
    ]


def test_a_passing_record_by_a_full_member_is_not_queued(tech, physicist, ct, qc):
    made = signed(tech, ct, qc)
    assert not made.awaiting_review and made.review_reasons == []
    assert queued(physicist) == []


def test_a_trainees_record_waits_for_review(person, site_a, physicist, ct, qc):
    trainee = person(Role.TECHNICIAN, site_a, username="tim", is_trainee=True)
    made = signed(trainee, ct, qc)
    assert made.review_reasons == [ReviewReason.TRAINEE] and made.awaiting_review
    assert queued(physicist) == [made.pk]


def test_an_outside_record_waits_until_countersigned(tech, manager, ct, qc):
    made = external(tech, ct, qc)
    assert made.awaiting_review and made.review_reasons == [ReviewReason.EXTERNAL]
    assert not made.counts
    review(made, manager)
    assert made.counts and not made.awaiting_review


def test_nobody_reviews_their_own_record(physicist, ct, qc):
    made = signed(physicist, ct, qc, outcome="tolerance")
    assert queued(physicist) == []
    with pytest.raises(PermissionDenied, match="your own record"):
        review(made, physicist)
    made.refresh_from_db()
    assert made.awaiting_review


def test_the_rso_reviews_radiation_records_only(tech, rso, ct, qc, leak, source):
    ct_record = signed(tech, ct, qc, outcome="tolerance")
    leak_record = external(tech, source, leak)
    assert queued(rso) == [leak_record.pk]
    with pytest.raises(PermissionDenied, match="radiation records"):
        review(ct_record, rso)
    review(leak_record, rso)
    assert leak_record.counts


def test_the_rso_reviews_calibrations_of_radiation_instruments(tech, rso, site_a):
    calibrator = factories.EquipmentFactory(
        site=site_a, category=Category.RADIATION_INSTRUMENT, modalities=["NM"]
    )
    qa = factories.EquipmentFactory(site=site_a, category=Category.QA_INSTRUMENT, modalities=[])
    radiation = procedure(
        rso,
        site_a,
        "DC-CAL",
        kind=ProcedureKind.CALIBRATION,
        categories=[Category.RADIATION_INSTRUMENT],
        external_allowed=True,
    )
    other = procedure(
        factories.MembershipFactory(site=site_a, role=Role.MANAGER).user,
        site_a,
        "QA-CAL",
        kind=ProcedureKind.CALIBRATION,
        categories=[Category.QA_INSTRUMENT],
        external_allowed=True,
    )
    soon = NOW + timedelta(days=100)
    mine = external(tech, calibrator, radiation, valid_until=soon)
    external(tech, qa, other, valid_until=soon, performed_at=NOW - timedelta(hours=1))
    assert queued(rso) == [mine.pk]


def test_technicians_and_other_sites_see_no_queue(tech, site_b, person, ct, qc):
    signed(tech, ct, qc, outcome="tolerance")
    elsewhere = person(Role.PHYSICIST, site_b, username="beta-phil")
    assert queued(tech) == [] and queued(elsewhere) == []


def test_bulk_review_signs_all_or_nothing(tech, physicist, ct, qc):
    first = signed(tech, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=3))
    second = signed(tech, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=2))
    own = signed(physicist, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=1))
    with pytest.raises(ValidationError) as refused:
        review_records(
            records=[first, second, own], reviewer=physicist, now=NOW, **sign(username="phil")
        )
    messages = refused.value.message_dict["records"]
    assert messages[0] == "Nothing was signed."
    assert len(messages) == 2 and f"record {own.pk}" in messages[1]
    assert not Signature.objects.filter(meaning=Meaning.REVIEWED).exists()
    with pytest.raises(ValidationError) as refused:
        review_records(
            records=[first, second], reviewer=physicist, now=NOW, password="wrong", username="phil"
        )
    assert "password" in refused.value.message_dict
    written = review_records(
        records=[first, second], reviewer=physicist, now=NOW, **sign(username="phil")
    )
    assert len(written) == 2
    assert set(ServiceRecord.objects.filter(awaiting_review=True).values_list("pk", flat=True)) == {
        own.pk
    }


def test_an_amendment_needs_a_new_review(tech, physicist, ct, qc):
    made = review(signed(tech, ct, qc, outcome="tolerance"), physicist)
    assert not made.awaiting_review
    amend_service_record(
        actor=physicist,
        record=made,
        reason="Typo in the output",
        now=NOW,
        performed_at=made.performed_at,
        values=level_values(qc, "tolerance"),
        signature=sign(username="phil"),
    )
    made.refresh_from_db()
    # The amendment is the physicist's own version now: someone else reviews it.
    assert made.awaiting_review and queued(physicist) == []


def test_the_migration_queues_records_signed_before_the_queue(tech, physicist, ct, qc):
    """
    GIVEN records signed before the review columns existed (all columns still empty)
    WHEN the migration's backfill runs
    THEN outside records not countersigned and unreviewed tolerance records wait for review,
    and reviewed or passing ones do not
    """
    from django.apps import apps

    migration = importlib.import_module("equipment.migrations.0014_review_events")
    tolerance = signed(tech, ct, qc, outcome="tolerance")
    outside = external(tech, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=1))
    reviewed = review(
        signed(tech, ct, qc, outcome="tolerance", performed_at=NOW - timedelta(hours=2)), physicist
    )
    passing = signed(tech, ct, qc, performed_at=NOW - timedelta(hours=3))
    ServiceRecord.objects.update(review_reasons=[], awaiting_review=False)

    migration.queue_waiting_records(apps, None)

    waiting = dict(
        ServiceRecord.objects.filter(awaiting_review=True).values_list("pk", "review_reasons")
    )
    assert waiting == {
        tolerance.pk: [ReviewReason.TOLERANCE],
        outside.pk: [ReviewReason.TOLERANCE, ReviewReason.EXTERNAL],
    }
    assert reviewed.pk not in waiting and passing.pk not in waiting
