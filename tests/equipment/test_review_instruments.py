"""An instrument calibration found out of tolerance "as found" calls into question every record
made with that instrument since its last good calibration: they are listed on the calibration's
page and put in the review queue, a record reviewed before included."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from equipment.models import Category, ProcedureKind, ReviewReason
from equipment.selectors.review import records_to_review_after, review_queue
from equipment.services.review import review_records
from tests import factories
from tests.equipment.conftest import NOW
from tests.equipment.records.conftest import sign
from tests.equipment.review_gate_support import procedure, review, signed

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def meter(site_a):
    return factories.EquipmentFactory(
        site=site_a, asset_tag="ALPHA-DOS1", category=Category.QA_INSTRUMENT, modalities=[]
    )


@pytest.fixture
def calibration(manager, site_a):
    return procedure(
        manager,
        site_a,
        "CAL-DOS",
        kind=ProcedureKind.CALIBRATION,
        categories=[Category.QA_INSTRUMENT],
    )


def calibrate(physicist, meter, calibration, *, at, outcome="pass", valid_days=200, now=NOW):
    return signed(
        physicist,
        meter,
        calibration,
        outcome=outcome,
        performed_at=at,
        valid_until=at + valid_days * DAY,
        now=now,
    )


def test_records_since_the_last_good_calibration_go_to_review(
    tech, physicist, manager, ct, meter, calibration, site_a
):
    qc = procedure(manager, site_a, "CT-QC", modalities=["CT"])
    calibrate(physicist, meter, calibration, at=NOW - 400 * DAY)
    before = signed(tech, ct, qc, performed_at=NOW - 350 * DAY, instruments=[meter])
    calibrate(physicist, meter, calibration, at=NOW - 300 * DAY, valid_days=400)
    since = [
        signed(tech, ct, qc, performed_at=NOW - days * DAY, instruments=[meter])
        for days in (200, 100)
    ]
    reviewed = review(
        signed(tech, ct, qc, outcome="tolerance", performed_at=NOW - 10 * DAY, instruments=[meter]),
        physicist,
    )
    without = signed(tech, ct, qc, performed_at=NOW - 5 * DAY)
    assert not reviewed.awaiting_review

    later = NOW + timedelta(hours=1)
    found = calibrate(physicist, meter, calibration, at=NOW, outcome="action", now=later)

    suspects = {r.pk for r in records_to_review_after(found)}
    assert suspects == {since[0].pk, since[1].pk, reviewed.pk}
    waiting = {r.pk: r for r in review_queue(manager)}
    assert set(waiting) == suspects
    assert before.pk not in waiting and without.pk not in waiting
    assert waiting[reviewed.pk].review_reasons == [ReviewReason.TOLERANCE, ReviewReason.INSTRUMENT]
    assert waiting[since[0].pk].suspect_since_id == found.pk
    # The physicist reviewed that one before: it waits for another reviewer.
    assert reviewed.pk not in {r.pk for r in review_queue(physicist)}
    with pytest.raises(ValidationError) as refused:
        review_records(
            records=[waiting[reviewed.pk]], reviewer=physicist, now=later, **sign(username="phil")
        )
    assert "another reviewer reviews it again" in refused.value.message_dict["records"][1]
    # A review after the calibration clears it again: the manager has not reviewed it yet.
    assert not review(waiting[reviewed.pk], manager, now=later).awaiting_review


def test_a_passing_calibration_lists_nothing(
    tech, physicist, manager, ct, meter, calibration, site_a
):
    qc = procedure(manager, site_a, "CT-QC", modalities=["CT"])
    calibrate(physicist, meter, calibration, at=NOW - 300 * DAY, valid_days=400)
    signed(tech, ct, qc, performed_at=NOW - 100 * DAY, instruments=[meter])
    good = calibrate(physicist, meter, calibration, at=NOW - timedelta(hours=1))
    assert list(records_to_review_after(good)) == []
    assert list(review_queue(manager)) == []
