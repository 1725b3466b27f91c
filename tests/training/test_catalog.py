"""The shipped course catalog: every entry cited, unconfirmed ones flagged "verify locally";
`load_courses` creates what is missing, changes nothing when run again, and never overwrites a
course edited here."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tests.training.conftest import NOW
from training.catalog.shipped import shipped_courses
from training.models import Course
from training.services.catalog import load_courses
from training.services.courses import update_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return factories.UserFactory(username="ada", is_superuser=True)


def test_the_catalog_ships_the_issues_courses_with_citations():
    courses = {course.code: course for course in shipped_courses()}
    for code in (
        "RS-19-12",
        "RS-35-27",
        "RS-35-310-410",
        "MRI-SAFETY-L1",
        "MRI-SAFETY-L2",
        "CT-DOSE",
        "ELECTRICAL-SAFETY",
        "CONTRAST-REACTIONS",
        "EMERGENCY-RESPONSE",
        "ORIENT-CT",
        "ORIENT-MR",
    ):
        assert courses[code].fields["citation"], code
    assert courses["MRI-SAFETY-L2"].fields["validity_months"] == 12
    assert courses["MRI-SAFETY-L1"].flagged  # annual MRI training is [M] in the reference
    assert not courses["RS-35-310-410"].flagged  # "initially and at least annually" [V]


def test_loading_twice_changes_nothing_the_second_time(admin):
    first = load_courses(actor=admin, now=NOW)
    count = Course.objects.count()
    assert len(first.created) == count == len(shipped_courses())
    second = load_courses(actor=admin, now=NOW)
    assert second.created == [] and second.updated == []
    assert len(second.unchanged) == count
    assert Course.objects.count() == count


def test_a_course_edited_here_is_kept_and_the_difference_reported(admin):
    load_courses(actor=admin, now=NOW)
    course = Course.objects.get(code="CT-DOSE")
    update_course(actor=admin, course=course, now=NOW, validity_months=24)
    report = load_courses(actor=admin, now=NOW)
    assert report.kept_local == [("CT-DOSE", ["validity_months"])]
    course.refresh_from_db()
    assert course.validity_months == 24


def test_a_dry_run_writes_nothing(admin):
    load_courses(actor=admin, now=NOW, dry_run=True)
    assert not Course.objects.exists()


def test_the_command_prints_the_report_and_needs_an_administrator(admin):
    out = StringIO()
    call_command("load_courses", stdout=out)
    assert "Created" in out.getvalue() and "Verify locally" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("load_courses", "--as", "nobody", stdout=StringIO())
