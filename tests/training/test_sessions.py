"""Recording a session: one signed training record per attendee in one transaction, by an
instructor who may record training (never a trainee or an inspector); bad input names the
field and saves nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from imaging_ops.errors import Conflict
from imaging_ops.models import Meaning
from imaging_ops.records.signatures import manifestation, signature_is_valid
from imaging_ops.records.versioning import update_draft
from imaging_ops.vocabulary import Role
from tests.training.conftest import NOW, TODAY, sign, train
from training.models import TrainingRecord, TrainingSession
from training.services.sessions import (
    Attendance,
    amend_training_record,
    record_session,
    sign_training_record,
    void_training_record,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainees(person, site_a):
    return [person(Role.TECHNICIAN, site_a, username=f"new{i}") for i in range(3)]


@pytest.mark.req("11.10(i)")
def test_a_technician_records_an_orientation_for_three_people(tech, site_a, ct_dose, trainees):
    session = train(tech, site_a, ct_dose, *trainees)
    records = list(TrainingRecord.objects.filter(session=session).order_by("person__username"))
    assert [r.person for r in records] == trainees
    for record in records:
        assert record.counts and record.completed_on == TODAY
        assert record.expires_on == TODAY.replace(year=2027)
        (signature,) = record.current_version.signatures.all()
        assert signature.signer == tech and signature.meaning == Meaning.PERFORMED
        assert signature_is_valid(signature, record.current_version)
        assert manifestation(signature).startswith(tech.full_name or tech.username)


def test_a_failed_attendee_is_recorded_and_does_not_count(tech, site_a, ct_dose, trainees):
    record_session(
        actor=tech,
        site=site_a,
        course=ct_dose,
        held_on=TODAY,
        attendees=[Attendance(trainees[0]), Attendance(trainees[1], passed=False, score="40")],
        signature=sign(username=tech.username),
        now=NOW,
    )
    failed = TrainingRecord.objects.get(person=trainees[1])
    assert not failed.counts and failed.current_version.score == 40


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.PHYSICIST, Role.RSO, Role.MANAGER])
def test_every_working_role_may_record_training(person, site_a, ct_dose, trainees, role):
    instructor = person(role, site_a, username=f"teacher-{role}")
    assert train(instructor, site_a, ct_dose, trainees[0]).records.count() == 1


@pytest.mark.req("11.10(g)")
@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.MANAGER])
def test_a_trainee_never_records_training(person, site_a, ct_dose, trainees, role):
    trainee = person(role, site_a, username="learner", is_trainee=True)
    with pytest.raises(PermissionDenied):
        train(trainee, site_a, ct_dose, trainees[0])
    assert not TrainingSession.objects.exists()


def test_an_inspector_or_another_sites_technician_may_not(
    person, site_a, site_b, ct_dose, trainees
):
    for outsider in (
        person(Role.INSPECTOR, site_a, username="look"),
        person(Role.TECHNICIAN, site_b, username="elsewhere"),
    ):
        with pytest.raises(PermissionDenied):
            train(outsider, site_a, ct_dose, trainees[0])
    assert not TrainingRecord.objects.exists()


def test_bad_attendance_names_each_field_and_saves_nothing(tech, person, site_a, site_b, ct_dose):
    stranger = person(Role.TECHNICIAN, site_b, username="stranger")
    with pytest.raises(ValidationError) as refused:
        record_session(
            actor=tech,
            site=site_a,
            course=ct_dose,
            held_on=TODAY + timedelta(days=1),
            attendees=[Attendance(stranger)],
            signature=sign(username=tech.username),
            now=NOW,
        )
    assert set(refused.value.message_dict) == {"held_on", "attendees"}
    with pytest.raises(ValidationError) as empty:
        train(tech, site_a, ct_dose)
    assert "attendees" in empty.value.message_dict
    with pytest.raises(ValidationError) as own:
        train(tech, site_a, ct_dose, tech)
    assert "own training" in own.value.message_dict["attendees"][0]
    assert not TrainingSession.objects.exists()


def test_a_score_out_of_range_is_a_field_error(tech, site_a, ct_dose, trainees):
    with pytest.raises(ValidationError) as refused:
        record_session(
            actor=tech,
            site=site_a,
            course=ct_dose,
            held_on=TODAY,
            attendees=[Attendance(trainees[0], score="101")],
            signature=sign(username=tech.username),
            now=NOW,
        )
    assert "attendees.0.score" in refused.value.message_dict


def test_a_wrong_password_signs_and_saves_nothing(tech, site_a, ct_dose, trainees):
    with pytest.raises(ValidationError) as refused:
        record_session(
            actor=tech,
            site=site_a,
            course=ct_dose,
            held_on=TODAY,
            attendees=[Attendance(trainees[0])],
            signature={"password": "wrong", "username": tech.username, "acknowledge_policy": True},
            now=NOW,
        )
    assert "password" in refused.value.message_dict
    assert not TrainingRecord.objects.exists()


@pytest.mark.req("11.70")
def test_a_signed_training_record_is_locked(tech, site_a, ct_dose, trainees):
    record = train(tech, site_a, ct_dose, trainees[0]).records.get()
    with pytest.raises(Conflict):
        update_draft(record=record, changes={"notes": "changed"}, actor=tech, now=NOW)


def test_an_amendment_stops_counting_until_signed_again(tech, physicist, site_a, ct_dose, trainees):
    record = train(tech, site_a, ct_dose, trainees[0]).records.get()
    version = amend_training_record(
        actor=physicist,
        record=record,
        reason="Wrong day",
        completed_on=TODAY - timedelta(days=1),
        now=NOW,
    )
    record.refresh_from_db()
    assert version.number == 2 and not record.counts
    sign_training_record(record=record, signer=physicist, now=NOW, **sign(username="phil"))
    record.refresh_from_db()
    assert record.counts and record.expires_on == (TODAY - timedelta(days=1)).replace(year=2027)


def test_a_voided_record_stops_counting(tech, manager, site_a, ct_dose, trainees):
    record = train(tech, site_a, ct_dose, trainees[0]).records.get()
    void_training_record(actor=manager, record=record, reason="Recorded twice", now=NOW)
    record.refresh_from_db()
    assert record.is_voided and not record.counts


def test_the_audit_trail_names_a_session_and_its_records(
    client, tech, manager, site_a, ct_dose, trainees
):
    train(tech, site_a, ct_dose, trainees[0])
    client.force_login(manager)
    page = client.get("/audit/")
    assert page.status_code == 200
    assert b"Training record CT-DOSE for" in page.content
    assert b"Training session CT-DOSE on 2026-03-04" in page.content
