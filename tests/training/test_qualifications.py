"""`missing_qualifications` and the authorization lists of restricted areas and MRI zones."""

from datetime import date, timedelta

import pytest

from imaging_ops.vocabulary import Role
from tests.training.conftest import NOW, TODAY, train
from training.selectors.qualifications import authorization_list, missing_qualifications

pytestmark = pytest.mark.django_db


def test_nothing_required_means_nothing_missing(tech, site_a):
    assert missing_qualifications(tech, site=site_a, modality="CT", on=TODAY) == []


def test_a_required_course_not_held_is_missing(tech, site_a, ct_dose):
    assert missing_qualifications(tech, site=site_a, modality="CT", on=TODAY) == [ct_dose]
    assert missing_qualifications(tech, site=site_a, modality="MR", on=TODAY) == []


def test_current_training_qualifies_until_its_expiry_day(tech, physicist, site_a, ct_dose):
    train(physicist, site_a, ct_dose, tech, held_on=date(2025, 3, 4))
    assert missing_qualifications(tech, site=site_a, modality="CT", on=date(2026, 3, 4)) == []
    assert missing_qualifications(tech, site=site_a, modality="CT", on=date(2026, 3, 5)) == [
        ct_dose
    ]


def test_training_completed_after_the_day_does_not_count_on_it(tech, physicist, site_a, ct_dose):
    train(physicist, site_a, ct_dose, tech)
    assert missing_qualifications(
        tech, site=site_a, modality="CT", on=TODAY - timedelta(days=1)
    ) == [ct_dose]


def test_a_failed_attempt_does_not_qualify(tech, physicist, site_a, ct_dose):
    train(physicist, site_a, ct_dose, tech, passed=False)
    assert missing_qualifications(tech, site=site_a, modality="CT", on=TODAY) == [ct_dose]


def test_the_authorization_list_holds_only_people_with_the_current_course(
    person, physicist, site_a, mri_l2
):
    current = person(Role.TECHNICIAN, site_a, username="current")
    lapsed = person(Role.TECHNICIAN, site_a, username="lapsed")
    person(Role.TECHNICIAN, site_a, username="never")
    train(physicist, site_a, mri_l2, current)
    train(physicist, site_a, mri_l2, lapsed, held_on=date(2024, 12, 1), now=NOW)
    required, people = authorization_list(site_a, area_class="mri_zone_4", on=TODAY)
    assert required == [mri_l2]
    assert [p.username for p in people] == ["current"]
    assert people[0].authorized_until == date(2027, 3, 4)


def test_no_requirement_no_authorization_list(tech, site_a):
    assert authorization_list(site_a, area_class="restricted", on=TODAY) == ([], [])
