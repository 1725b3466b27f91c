"""Recording training: a session with its attendance, in one transaction, signed by the
instructor.

The instructor is the person recording (technician, physicist, RSO or manager at the site;
never a trainee, never an inspector). Every attendee gets a training record whose first
version the instructor signs as performed; a failed attendee's record is kept and signed too,
but does not count. Everything is checked first — the attendance, the dates, the password —
and nothing is written unless all pass.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError

from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.models import Meaning, SiteMembership
from imaging_ops.records.signatures import check_signature, write_signature
from imaging_ops.records.versioning import (
    amend_record,
    create_record,
    require_amend,
    void_record,
)
from training.expiry import expires_on
from training.models import Course, TrainingRecord, TrainingRecordVersion, TrainingSession

EARLIEST_PLAUSIBLE_DATE = date(1950, 1, 1)
MAX_ATTENDEES = 200


@dataclass(frozen=True)
class Attendance:
    """One attendee as the form or the API read them."""

    person: object
    passed: bool = True
    score: object = None


def clean_score(value, errors: dict, key: str):
    """A score from 0 to 100 to one decimal, None when blank; a bad one adds `errors[key]`."""
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation:
        errors[key] = "Enter the score as a number from 0 to 100, or leave it empty."
        return None
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(100):
        errors[key] = "Enter the score as a number from 0 to 100, or leave it empty."
        return None
    return score.quantize(Decimal("0.1"))


def validate_session(
    *, site, course, held_on, attendees, instructor, now: datetime
) -> list[Attendance]:
    """The attendance as the service writes it, or every field error at once."""
    errors: dict[str, str] = {}
    if course is None:
        errors["course"] = "Choose the course that was given."
    elif course.site_id not in (None, site.pk):
        errors["course"] = "Choose a course of this site or of the organisation catalog."
    if not isinstance(held_on, date):
        errors["held_on"] = "Enter the day the session was held."
    elif held_on > site.today(now):
        errors["held_on"] = "The session cannot be in the future."
    elif held_on < EARLIEST_PLAUSIBLE_DATE:
        errors["held_on"] = f"{held_on:%Y-%m-%d} is before 1950: check the year."
    attendees = list(attendees or ())
    if not attendees:
        errors["attendees"] = "Tick at least one person who attended."
    elif len(attendees) > MAX_ATTENDEES:
        errors["attendees"] = f"Record at most {MAX_ATTENDEES} attendees in one session."
    cleaned = []
    seen = set()
    people_here = set(
        SiteMembership.objects.in_force(site.today(now))
        .filter(site=site)
        .values_list("user_id", flat=True)
    )
    for position, attendance in enumerate(attendees):
        person = attendance.person
        key = f"attendees.{position}"
        if person is None or person.pk not in people_here:
            errors.setdefault("attendees", "Choose people who hold a role at this site.")
            continue
        if person.pk in seen:
            errors.setdefault("attendees", f"{person} is listed twice.")
            continue
        if instructor is not None and person.pk == instructor.pk:
            errors.setdefault(
                "attendees",
                "An instructor does not record their own training: another instructor does.",
            )
            continue
        seen.add(person.pk)
        score = clean_score(attendance.score, errors, f"{key}.score")
        cleaned.append(Attendance(person=person, passed=bool(attendance.passed), score=score))
    if errors:
        raise ValidationError(errors)
    return cleaned


def require_instructor(actor, site) -> None:
    """Record training and sign as its instructor here: never a trainee, never an inspector."""
    require(actor, Action.RECORD_TRAINING, site)


def record_session(
    *,
    actor,
    site,
    course: Course,
    held_on: date,
    attendees,
    signature: dict,
    now: datetime,
    location: str = "",
    notes: str = "",
) -> TrainingSession:
    """A session given by `actor` with one signed training record per attendee.

    `attendees` are `Attendance` rows; `signature` holds the instructor's password (and
    username, session, via_api, acknowledge_policy) as `sign_record` takes them.
    """
    require_instructor(actor, site)
    cleaned = validate_session(
        site=site, course=course, held_on=held_on, attendees=attendees, instructor=actor, now=now
    )
    expiry = expires_on(held_on, course.validity_months)
    probe_record = TrainingRecord(site=site, course=course, person=actor, completed_on=held_on)
    probe = TrainingRecordVersion(instructor=actor, completed_on=held_on)
    probe.record = probe_record
    signature = {**signature, "meaning": Meaning.PERFORMED}
    check_signature(version=probe, signer=actor, now=now, **signature)
    keep = {k: signature[k] for k in ("acknowledge_policy", "session", "via_api") if k in signature}
    with regulated_transaction(actor=actor):
        session = TrainingSession(
            site=site,
            course=course,
            held_on=held_on,
            instructor=actor,
            location=(location or "").strip(),
            notes=(notes or "").strip(),
            created_at=now,
        )
        session.full_clean()
        session.save()
        for attendance in cleaned:
            record = TrainingRecord(
                site=site,
                person=attendance.person,
                course=course,
                session=session,
                completed_on=held_on,
                expires_on=expiry,
            )
            version = TrainingRecordVersion(
                completed_on=held_on,
                expires_on=expiry,
                instructor=actor,
                passed=attendance.passed,
                score=attendance.score,
            )
            version.record = record
            create_record(record=record, version=version, actor=actor, now=now)
            write_signature(
                version=version,
                signer=actor,
                meaning=Meaning.PERFORMED,
                now=now,
                acknowledge_policy=keep.get("acknowledge_policy", False),
                session=keep.get("session"),
                via_api=keep.get("via_api", False),
            )
            settle_record(record, version)
    return session


def settle_record(record: TrainingRecord, version: TrainingRecordVersion) -> None:
    """Store what the matrix and the gates read from the current version."""
    record.completed_on, record.expires_on = version.completed_on, version.expires_on
    # The instructor's signature (performed) makes it count; a review alone does not, except
    # the importer's review of imported past training (TrainingRecord.vouching_meanings).
    record.counts = (
        not record.is_voided
        and version.passed
        and version.signatures.filter(meaning__in=record.vouching_meanings).exists()
    )
    record.save(update_fields=["completed_on", "expires_on", "counts"])


def void_training_record(*, actor, record: TrainingRecord, reason: str, now: datetime):
    """Void with a reason (a record made in error): it stops counting at once and stays."""
    require_amend(actor, record)
    with regulated_transaction(actor=actor):
        void_record(record=record, reason=reason, actor=actor, now=now)
        current = TrainingRecord.objects.select_for_update().get(pk=record.pk)
        settle_record(current, current.current_version)
    record.refresh_from_db()
    return record


def amend_training_record(
    *,
    actor,
    record: TrainingRecord,
    reason: str,
    now: datetime,
    completed_on=None,
    passed=None,
    score=None,
    notes=None,
):
    """A new, unsigned version with the reason; the record stops counting until its
    instructor (or another one) signs it."""
    require_amend(actor, record)
    require_instructor(actor, record.site_id)
    previous = record.current_version
    completed = completed_on or previous.completed_on
    errors: dict = {}
    parsed_score = clean_score(score, errors, "score") if score is not None else previous.score
    if completed > record.site.today(now):
        errors["completed_on"] = "The completion cannot be in the future."
    if errors:
        raise ValidationError(errors)
    version = TrainingRecordVersion(
        completed_on=completed,
        expires_on=expires_on(completed, record.course.validity_months),
        instructor=previous.instructor,
        instructor_name=previous.instructor_name,
        passed=previous.passed if passed is None else bool(passed),
        score=parsed_score,
        notes=previous.notes if notes is None else notes.strip(),
    )
    with regulated_transaction(actor=actor):
        amend_record(record=record, version=version, reason=reason, actor=actor, now=now)
        current = TrainingRecord.objects.select_for_update().get(pk=record.pk)
        settle_record(current, version)
    record.refresh_from_db()
    return version


def sign_training_record(*, record: TrainingRecord, signer, now: datetime, **signature):
    """Sign the current version as its instructor (after an amendment)."""
    require_instructor(signer, record.site_id)
    if signer.pk == record.person_id:
        raise PermissionDenied("You cannot sign your own training record as its instructor.")
    version = record.current_version
    signature = {**signature, "meaning": signature.get("meaning") or Meaning.PERFORMED}
    check_signature(version=version, signer=signer, now=now, **signature)
    keep = {k: signature[k] for k in ("acknowledge_policy", "session", "via_api") if k in signature}
    with regulated_transaction(actor=signer):
        written = write_signature(
            version=version,
            signer=signer,
            meaning=signature["meaning"],
            now=now,
            acknowledge_policy=keep.get("acknowledge_policy", False),
            session=keep.get("session"),
            via_api=keep.get("via_api", False),
        )
        settle_record(TrainingRecord.objects.select_for_update().get(pk=record.pk), version)
    record.refresh_from_db()
    return written
