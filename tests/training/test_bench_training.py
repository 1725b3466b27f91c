"""The benchmark's training records against the service they stand in for: the SHA-256 that
the generator puts in an instructor's signature is the one the signature service stores for
the same record, so the bulk records read as validly signed."""

import pytest

from bench.generator.training import _latest, signed_hash
from imaging_ops.models import Signature
from tests.training.conftest import TODAY, train

pytestmark = pytest.mark.django_db


def test_the_generated_signature_hash_is_the_signature_services(ct_dose, site_a, tech, physicist):
    session = train(physicist, site_a, ct_dose, tech)
    record = session.records.get()
    version = record.current_version
    stored = Signature.objects.get(object_id=version.pk, signer=physicist)
    expected = signed_hash(
        record_id=record.pk,
        version_id=version.pk,
        site_id=site_a.pk,
        person_id=tech.pk,
        course_id=ct_dose.pk,
        session_id=session.pk,
        at=version.created_at,
        instructor_id=physicist.pk,
        completed=version.completed_on,
        expiry=version.expires_on,
        passed=True,
    )
    assert stored.content_hash == expected
    # One field different, one hash different: the check above can fail.
    assert stored.content_hash != signed_hash(
        record_id=record.pk,
        version_id=version.pk,
        site_id=site_a.pk,
        person_id=tech.pk,
        course_id=ct_dose.pk,
        session_id=session.pk,
        at=version.created_at,
        instructor_id=physicist.pk,
        completed=version.completed_on,
        expiry=version.expires_on,
        passed=False,
    )


@pytest.mark.parametrize(
    ("standing", "low", "high"),
    [("current", 35, 365), ("expiring", 0, 30), ("expired", -250, -1)],
)
def test_a_latest_completion_stands_as_drawn_on_the_day_of_the_build(standing, low, high):
    import random

    from training.expiry import expires_on

    rng = random.Random(7)
    for _ in range(200):
        completed = _latest(rng, standing, TODAY, 12)
        left = (expires_on(completed, 12) - TODAY).days
        assert low <= left <= high, (standing, completed, left)
