"""What the site-log tests share: Alpha's training (a session taught by an account, past
training by an outside instructor), its sealed source with a leak test and its survey meter
with an area survey, issued through the services as a page or the API would."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from compliance.log_kinds import log_kind
from compliance.selectors.logs import Period
from compliance.services.logs import issue_log
from equipment.models import Category, ProcedureKind
from equipment.services.procedures import create_procedure
from equipment.services.records import create_service_record
from equipment.services.schedules import create_schedule
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.vocabulary import Role
from tests import factories
from tests.compliance.logs_support import PERIOD
from tests.equipment.conftest import NOW, WIPE
from tests.equipment.records.conftest import sign
from training.services.courses import create_course
from training.services.past_training import PastTraining, record_past_training
from training.services.sessions import Attendance, record_session

SURVEY = {
    "key": "rate",
    "name": "Dose rate at the hot-lab door",
    "kind": "numeric",
    "unit": "µSv/h",
    "action_high": "20",
}


def issue(actor, kind, site, period=PERIOD):
    subject = log_kind(kind).subject_queryset().get(pk=site.pk)
    return issue_log(actor=actor, kind=kind, subject=subject, period=period, now=timezone.now())


def snapshot_of(kind, site, actor, period: Period = PERIOD, now=NOW):
    spec = log_kind(kind)
    subject = spec.subject_queryset().get(pk=site.pk)
    return spec.snapshot(subject=subject, period=period, now=now, actor=actor)


@pytest.fixture
def ct_course(manager, site_a):
    return create_course(
        actor=manager,
        site=site_a,
        now=NOW,
        code="CT-DOSE",
        title="CT dose optimisation",
        category="dose_optimisation",
        validity_months=12,
        modalities=["CT"],
    )


@pytest.fixture
def oyvind(site_a):
    user = factories.UserFactory(username="oyvind", full_name="Øyvind Çelik", credentials="RT(R)")
    factories.MembershipFactory(user=user, site=site_a, role=Role.TECHNICIAN)
    return user


def train(instructor, site, course, *people, held_on, passed=True, score=None):
    return record_session(
        actor=instructor,
        site=site,
        course=course,
        held_on=held_on,
        attendees=[Attendance(person=p, passed=passed, score=score) for p in people],
        signature=sign(username=instructor.username),
        now=NOW,
    )


def past_training(importer, site, course, person, *, completed_on, instructor_name):
    with regulated_transaction(actor=importer):
        return record_past_training(
            actor=importer,
            entry=PastTraining(
                site=site,
                person=person,
                course=course,
                completed_on=completed_on,
                passed=True,
                instructor_name=instructor_name,
            ),
            now=NOW,
            acknowledge_policy=True,
        )


@pytest.fixture
def hot_lab(site_a):
    return factories.LocationFactory(
        site=site_a, building="Nuclear Medicine", room="Hot lab", secured_storage=True
    )


@pytest.fixture
def source(site_a, hot_lab):
    return factories.EquipmentFactory(
        site=site_a,
        location=hot_lab,
        asset_tag="SRC-1",
        name="Cs-137 vial source",
        category=Category.SEALED_SOURCE,
        modalities=[],
        **factories.SOURCE_FACTS,
    )


@pytest.fixture
def meter(site_a, hot_lab):
    return factories.EquipmentFactory(
        site=site_a,
        location=hot_lab,
        asset_tag="METER-1",
        name="Survey meter",
        category=Category.RADIATION_INSTRUMENT,
        modalities=[],
    )


def _schedule(actor, site, equipment, *, code, kind, categories, check):
    procedure = create_procedure(
        actor=actor,
        site=site,
        code=code,
        kind=kind,
        now=NOW,
        name=check["name"],
        categories=categories,
        citation="10 CFR 35.67" if kind == ProcedureKind.LEAK_TEST else "10 CFR 20.1501",
        default_anchor="from_completion",
        default_interval_months=6,
        checks=[check],
    )
    return create_schedule(
        actor=actor, equipment=equipment, procedure=procedure, now=NOW, last_done=None
    )


@pytest.fixture
def leak_schedule(rso, site_a, source):
    return _schedule(
        rso,
        site_a,
        source,
        code="LEAK",
        kind=ProcedureKind.LEAK_TEST,
        categories=[Category.SEALED_SOURCE],
        check=WIPE,
    )


@pytest.fixture
def survey_schedule(rso, site_a, meter):
    return _schedule(
        rso,
        site_a,
        meter,
        code="AREA",
        kind=ProcedureKind.AREA_SURVEY,
        categories=[Category.RADIATION_INSTRUMENT],
        check=SURVEY,
    )


def perform(schedule, actor, value, *, days_ago=1, **content):
    check = schedule.procedure.current_version.checks.get()
    return create_service_record(
        actor=actor,
        schedule=schedule,
        performed_at=NOW - timedelta(days=days_ago, minutes=10),
        now=NOW,
        signature=sign(username=actor.username),
        values={check.pk: value},
        **content,
    )


TODAY = date(2026, 3, 4)
