"""Recording past training from its evidence (the CSV import, training/documents/
records_import.py): one training record per completion, its instructor an account or an
outside instructor named as written, signed by the importer as *reviewed* — they attest the
source evidence — which makes a passed record count, as the instructor's signature does for
training recorded here.

The importer needs the right to record training at the record's site (never a trainee, never
an inspector) and never imports their own training. Their password is checked once for a whole
file (`check_importer_signature`, outside any transaction); each record is then written and
signed inside the caller's regulated transaction.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.models import Meaning
from imaging_ops.records.signatures import check_credentials, write_signature
from imaging_ops.records.versioning import create_record
from imaging_ops.text import BIDI_REFUSED, has_bidi_controls
from training.expiry import expires_on
from training.models import TrainingRecord, TrainingRecordVersion
from training.services.sessions import (
    EARLIEST_PLAUSIBLE_DATE,
    require_instructor,
    settle_record,
)

IMPORT_MEANING = Meaning.REVIEWED
OWN_TRAINING = "You cannot import your own training: another person imports it."
INSTRUCTOR_NAME_LENGTH = TrainingRecordVersion._meta.get_field("instructor_name").max_length


@dataclass(frozen=True)
class PastTraining:
    """One completion as the evidence gives it."""

    site: object
    person: object
    course: object
    completed_on: date
    passed: bool
    score: Decimal | None = None
    instructor: object = None
    instructor_name: str = ""
    notes: str = ""


def past_training_errors(*, actor, entry: PastTraining, today: date) -> dict[str, str]:
    """What is wrong with `entry` whatever else is recorded, by field; `today` is the site's.
    (Whether the person holds a role at the site, and duplicates, the import asks with its
    lookups.)"""
    errors: dict[str, str] = {}
    if entry.person is not None and entry.person.pk == actor.pk:
        errors["person"] = OWN_TRAINING
    if entry.completed_on > today:
        errors["completed_on"] = (
            f"The completion cannot be in the future: today at {entry.site.code} is "
            f"{today:%Y-%m-%d}."
        )
    elif entry.completed_on < EARLIEST_PLAUSIBLE_DATE:
        errors["completed_on"] = f"{entry.completed_on:%Y-%m-%d} is before 1950: check the year."
    name = (entry.instructor_name or "").strip()
    if entry.instructor is None and not name:
        errors["instructor"] = (
            "Give the instructor: an account's username or e-mail address in instructor, or "
            "an outside instructor's name in instructor_name."
        )
    elif entry.instructor is not None and name:
        errors["instructor_name"] = (
            "Give the instructor's account or, for an outside instructor, their name: not both."
        )
    elif (
        entry.instructor is not None
        and entry.person is not None
        and entry.instructor.pk == entry.person.pk
    ):
        errors["instructor"] = "A person does not instruct their own training."
    if has_bidi_controls(name):
        errors["instructor_name"] = BIDI_REFUSED
    elif len(name) > INSTRUCTOR_NAME_LENGTH:
        errors["instructor_name"] = (
            f"Write the instructor's name in at most {INSTRUCTOR_NAME_LENGTH} characters."
        )
    return errors


def check_importer_signature(
    *,
    actor,
    password: str,
    now: datetime,
    username: str | None = None,
    session=None,
    via_api: bool = False,
    acknowledge_policy: bool = False,
) -> None:
    """The importer's signature request, once for the whole file: the account may act, the
    username when it is needed, the policy, the password (a wrong one is counted toward the
    lockout). Run it before the import's transaction. Who may sign each record is
    `record_past_training`'s rule (the right to record training at its site)."""
    check_credentials(
        version=TrainingRecordVersion(),
        signer=actor,
        meaning=IMPORT_MEANING,
        password=password,
        username=username,
        session=session,
        via_api=via_api,
        acknowledge_policy=acknowledge_policy,
        now=now,
    )


def record_past_training(
    *,
    actor,
    entry: PastTraining,
    now: datetime,
    sign: bool = True,
    acknowledge_policy: bool = False,
    session=None,
    via_api: bool = False,
) -> TrainingRecord:
    """Write one imported training record and, with `sign`, the importer's review signature
    (after `check_importer_signature` passed). Raises PermissionDenied or ValidationError by
    field; nothing is written then."""
    require_instructor(actor, entry.site)
    errors = past_training_errors(actor=actor, entry=entry, today=entry.site.today(now))
    if errors.get("person") == OWN_TRAINING:
        raise PermissionDenied(OWN_TRAINING)
    if errors:
        raise ValidationError(errors)
    expiry = expires_on(entry.completed_on, entry.course.validity_months)
    record = TrainingRecord(
        site=entry.site,
        person=entry.person,
        course=entry.course,
        completed_on=entry.completed_on,
        expires_on=expiry,
        imported=True,
    )
    version = TrainingRecordVersion(
        completed_on=entry.completed_on,
        expires_on=expiry,
        instructor=entry.instructor,
        instructor_name=(entry.instructor_name or "").strip(),
        passed=entry.passed,
        score=entry.score,
        notes=(entry.notes or "").strip(),
    )
    version.record = record
    with regulated_transaction(actor=actor):
        create_record(record=record, version=version, actor=actor, now=now)
        if sign:
            write_signature(
                version=version,
                signer=actor,
                meaning=IMPORT_MEANING,
                now=now,
                acknowledge_policy=acknowledge_policy,
                session=session,
                via_api=via_api,
            )
        settle_record(record, version)
    return record
