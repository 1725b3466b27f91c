"""What the training tests share: courses at Alpha, their requirements, and recording a
session signed by its instructor."""

from datetime import UTC, date, datetime

import pytest

from tests import factories
from training.services.courses import create_course, create_requirement
from training.services.sessions import Attendance, record_session

# 14:00 UTC on 4 March 2026 is 09:00 in New York (EST): Alpha's day is 2026-03-04.
NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
TODAY = date(2026, 3, 4)


def sign(**extra):
    return {"password": factories.PASSWORD, "acknowledge_policy": True, **extra}


@pytest.fixture
def ct_dose(manager, site_a):
    """Alpha requires annual CT dose training to operate or test CT."""
    course = create_course(
        actor=manager,
        site=site_a,
        now=NOW,
        code="CT-DOSE",
        title="CT dose optimisation",
        category="dose_optimisation",
        validity_months=12,
        citation="TJC annual CT training",
        modalities=["CT"],
    )
    create_requirement(
        actor=manager, site=site_a, course=course, basis="modality", subject="CT", now=NOW
    )
    return course


@pytest.fixture
def mri_l2(manager, site_a):
    """Alpha requires MRI safety level 2 to enter zone IV."""
    course = create_course(
        actor=manager,
        site=site_a,
        now=NOW,
        code="MRI-L2",
        title="MRI safety level 2",
        category="mri_safety",
        validity_months=12,
        area_classes=["mri_zone_4"],
    )
    create_requirement(
        actor=manager, site=site_a, course=course, basis="area_class", subject="mri_zone_4", now=NOW
    )
    return course


def train(instructor, site, course, *people, held_on=TODAY, now=NOW, passed=True):
    """Record a session of `course` for `people`, signed by `instructor`."""
    return record_session(
        actor=instructor,
        site=site,
        course=course,
        held_on=held_on,
        attendees=[Attendance(person=p, passed=passed) for p in people],
        signature=sign(username=instructor.username),
        now=now,
    )
