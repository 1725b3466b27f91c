"""Writes of service records: record (and sign, at once), countersign, amend and void.

What a record says is checked first (equipment.services.record_content) and the signer's
password next, both before anything is written; then one transaction saves the version, its
measurements, instruments and attachments, the signature, and moves the schedule. A record
counts towards its schedule once it is signed as performed, or, done by an outside performer,
countersigned as reviewed; a void or an amendment recomputes the schedule from the latest
record that still counts. A version that starts to count applies its action-level failures'
behaviour (equipment.services.work_orders.apply_failure_behaviour); consequences (status
changes, work orders) are never reversed here.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from equipment.limits import Outcome
from equipment.models import (
    Equipment,
    Measurement,
    MissedOccurrence,
    Procedure,
    ProcedureKind,
    RecordAttachment,
    Schedule,
    ServiceRecord,
    ServiceRecordVersion,
)
from equipment.scheduling import timeline, timeliness
from equipment.scheduling.site_days import local_date
from equipment.services.qualification import qualification_gap
from equipment.services.record_content import Draft, prepare
from equipment.services.review_state import REVIEW_DERIVED, flag_instrument_records, settle_review
from equipment.services.rollups import refresh_for_record
from equipment.services.schedules import DERIVED_SAVED, move_clock, site_closures
from equipment.services.work_orders import apply_failure_behaviour
from imaging_ops.access.authority import roles_at
from imaging_ops.access.permissions import Action, require
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.errors import Conflict
from imaging_ops.models import Meaning
from imaging_ops.records.signatures import (
    PERFORMING_MEANINGS,
    check_signature,
    write_signature,
)
from imaging_ops.records.versioning import REVIEW_MEANINGS, require_amend, void_record
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.vocabulary import Role

RECORD_DERIVED = ["performed_at", "outcome", "counts", *REVIEW_DERIVED]


def _subject(*, schedule, equipment, procedure) -> tuple[Equipment, Schedule | None, Procedure]:
    """The equipment, schedule and procedure of the record: a schedule's own, or ad hoc work."""
    if schedule is not None:
        # A paused schedule pauses reminders, not the work: it may still be recorded.
        return schedule.equipment, schedule, schedule.procedure
    errors = {}
    if equipment is None:
        errors["equipment"] = "Choose the equipment the work was done on."
    if procedure is None:
        errors["procedure"] = "Choose the procedure that was done."
    elif equipment is not None and procedure.site_id not in (None, equipment.site_id):
        errors["procedure"] = "Choose a procedure of this equipment's site."
    if errors:
        raise ValidationError(errors)
    return equipment, None, procedure


def _require_performer(actor, equipment: Equipment, procedure: Procedure) -> None:
    """May record work at the site, and holds one of the procedure's performer roles."""
    require(actor, Action.PERFORM_RECORDS, equipment.site_id)
    allowed = set(procedure.current_version.performer_roles or ())
    if not allowed or actor.is_superuser:
        return
    # A trainee holds their role (the membership says they are training) and does its work;
    # the review queue, not this gate, sees their records.
    held = set(roles_at(actor, equipment.site_id))
    if not held & allowed:
        names = ", ".join(Role(r).label.lower() for r in sorted(allowed))
        raise PermissionDenied(f"This procedure is performed by: {names}.")


def require_performer(actor, *, equipment: Equipment, procedure: Procedure) -> None:
    """The rule `create_service_record` holds, for a page that asks it before showing its form:
    PermissionDenied, with the reason, unless `actor` may perform `procedure` on `equipment`."""
    _require_performer(actor, equipment, procedure)


def _valid_until(draft: Draft, *, schedule, procedure: Procedure, given, now) -> datetime | None:
    """How long a calibration covers its instrument: the certificate's date when given, else
    until the calibration schedule, moved by this record, turns overdue."""
    if procedure.kind != ProcedureKind.CALIBRATION:
        return None
    if given is not None:
        return given
    if schedule is None:
        raise ValidationError(
            {"valid_until": "Give the date this calibration is valid until (its certificate's)."}
        )
    projected = Schedule(**{f.attname: getattr(schedule, f.attname) for f in Schedule._meta.fields})
    projected.equipment = schedule.equipment
    projected.last_done = draft.performed_at
    move_clock(projected, now=now, satisfied_due=draft.due_satisfied)
    return projected.overdue_at


def _signature_version(draft: Draft, record: ServiceRecord) -> ServiceRecordVersion:
    """The version about to be written, as the signature checks see it before it exists."""
    version = ServiceRecordVersion(procedure_version=draft.procedure_version)
    version.record = record
    return version


def _write_version(
    record, draft: Draft, *, actor, now, number: int, reason: str = "", kept=()
) -> ServiceRecordVersion:
    version = ServiceRecordVersion(
        record=record,
        number=number,
        created_at=now,
        created_by=actor,
        amendment_reason=reason,
        procedure_version=draft.procedure_version,
        performed_at=draft.performed_at,
        recorded_at=now,
        late_entry=draft.late_entry,
        due_satisfied=draft.due_satisfied,
        timeliness=draft.timeliness,
        outcome=draft.outcome,
        action_confirmed=draft.action_confirmed,
        comments=draft.comments,
        external_name=draft.external.get("name", ""),
        external_organisation=draft.external.get("organisation", ""),
        external_credentials=draft.external.get("credentials", ""),
        report_received_on=draft.report_received_on,
        valid_until=draft.valid_until,
    )
    version.save()
    version.instruments.set(draft.instruments)
    for check in draft.checks:
        judged = draft.judged[check.pk]
        Measurement.objects.create(
            version=version,
            procedure_check=check,
            position=check.position,
            value_text=judged.value_text,
            value_number=judged.value_number,
            reference=judged.reference,
            band=judged.band,
            result=judged.result,
            crossed=judged.evaluation.crossed or "",
            limit=judged.evaluation.limit,
        )
    for upload in draft.uploads:
        attachment = RecordAttachment(
            version=version,
            name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            uploaded_at=now,
            uploaded_by=actor,
        )
        attachment.file.save(upload.name, ContentFile(upload.data), save=False)
        attachment.save()
    for earlier in kept:
        # The same stored file, hash and upload: what the amended version attached stays.
        RecordAttachment.objects.create(
            version=version,
            file=earlier.file.name,
            name=earlier.name,
            content_type=earlier.content_type,
            size=earlier.size,
            sha256=earlier.sha256,
            uploaded_at=earlier.uploaded_at,
            uploaded_by_id=earlier.uploaded_by_id,
        )
    return version


def recompute_schedule(schedule: Schedule | None, *, now: datetime) -> None:
    """Move the schedule's clock from its latest completion: the latest record that counts, or
    the completion known from before (set up or imported) when that is newer, in the caller's
    transaction."""
    if schedule is None:
        return
    schedule = (
        Schedule.objects.select_for_update().select_related("equipment__site").get(pk=schedule.pk)
    )
    latest = (
        ServiceRecord.objects.filter(schedule=schedule, counts=True)
        .select_related("current_version")
        .order_by("-performed_at", "-pk")
        .first()
    )
    baseline = schedule.baseline_done
    if latest is not None and (baseline is None or latest.performed_at >= baseline):
        schedule.last_done = latest.performed_at
        satisfied = latest.current_version.due_satisfied
    else:
        # A completion known from the department's own records (set up or imported) that is
        # newer than every record here stays the truth.
        schedule.last_done, satisfied = baseline, None
    move_clock(
        schedule,
        now=now,
        closures=site_closures(schedule.equipment.site, now=now),
        satisfied_due=satisfied,
    )
    schedule.save(update_fields=DERIVED_SAVED)


def occurrence_timeline(record: ServiceRecord, *, due: datetime):
    """The timeline of the occurrence due at `due` that the record met, counted from the
    completion before it (another record that counts, or the one known before any record)."""
    schedule = record.schedule
    before = (
        ServiceRecord.objects.filter(schedule=schedule, counts=True, performed_at__lt=due)
        .exclude(pk=record.pk)
        .order_by("-performed_at")
        .values_list("performed_at", flat=True)
        .first()
    )
    return timeline(
        due,
        calendar=schedule.equipment.site,
        early=schedule.early,
        grace=schedule.grace,
        last_done=before or schedule.baseline_done,
        hard_limit=schedule.hard_limit,
        anchor=schedule.anchor,
        recurrence=schedule.recurrence,
    )


def _counts(record: ServiceRecord, version: ServiceRecordVersion) -> bool:
    """Signed as performed (internal work) or reviewed (an outside performer's), not voided."""
    if record.is_voided:
        return False
    meanings = {s.meaning for s in version.signatures.all()}
    if version.is_external:
        return bool(meanings & REVIEW_MEANINGS)
    return Meaning.PERFORMED in meanings


def _settle(record: ServiceRecord, version: ServiceRecordVersion, *, now, actor) -> None:
    """Store the identity's derived columns from its current version (whether it counts,
    whether it waits for review); recompute the schedule when what counts changed. A version
    that starts to count (signed as performed, or an outside performer's countersigned)
    applies its action-level failures' behaviour — out of service, a work order — in this
    transaction; nothing here ever reverses it. An instrument calibration found out of
    tolerance puts the instrument's records in review."""
    counted, performed_at = record.counts, record.performed_at
    record.performed_at, record.outcome = version.performed_at, version.outcome
    record.counts = _counts(record, version)
    settle_review(record, version)
    record.save(update_fields=RECORD_DERIVED)
    if counted or record.counts:
        recompute_schedule(record.schedule, now=now)
        refresh_for_record(record, was_counted=counted, was_performed_at=performed_at)
    if record.counts and not counted:
        _explain_missed_day(record, version, actor=actor, now=now)
        if version.outcome == Outcome.ACTION:
            apply_failure_behaviour(record=record, version=version, actor=actor, now=now)
    flag_instrument_records(record)


def _explain_missed_day(record: ServiceRecord, version, *, actor, now) -> None:
    """Daily work entered late for a day the roll-over already wrote as missed: that day is
    explained by the record (the annotation says so and the audit trail keeps the change)."""
    schedule = record.schedule
    if schedule is None or not schedule.recurrence.is_daily or version.due_satisfied is None:
        return
    site = schedule.equipment.site
    day = local_date(version.due_satisfied, site)
    missed = MissedOccurrence.objects.select_for_update().filter(
        schedule=schedule, day=day, annotation=""
    )
    for occurrence in missed:
        entered = local_time_text(version.recorded_at, site.zone)
        occurrence.annotation = f"Recorded late: record {record.pk}, entered {entered}."
        occurrence.annotated_at, occurrence.annotated_by = now, actor
        occurrence._audit_reason = occurrence.annotation
        occurrence.save()


def create_service_record(
    *,
    actor,
    now: datetime,
    performed_at,
    values: dict,
    schedule: Schedule | None = None,
    equipment: Equipment | None = None,
    procedure: Procedure | None = None,
    signature: dict | None = None,
    valid_until=None,
    **content,
) -> ServiceRecord:
    """Record work done, and sign it as performed when `signature` (meaning, password,
    username, session, via_api, acknowledge_policy) is given. `values` maps check ids to the
    values as entered; `content` is what `record_content.prepare` takes besides."""
    equipment, schedule, procedure = _subject(
        schedule=schedule, equipment=equipment, procedure=procedure
    )
    _require_performer(actor, equipment, procedure)
    draft = prepare(
        equipment=equipment,
        schedule=schedule,
        procedure_version=procedure.current_version,
        performed_at=performed_at,
        values=values,
        now=now,
        **content,
    )
    draft.valid_until = _valid_until(
        draft, schedule=schedule, procedure=procedure, given=valid_until, now=now
    )
    record = ServiceRecord(
        equipment=equipment,
        schedule=schedule,
        procedure=procedure,
        performed_at=draft.performed_at,
        outcome=draft.outcome,
    )
    if signature is not None:
        if draft.is_external:
            raise ValidationError(
                {"signature": "An outside performer's record is saved, then countersigned."}
            )
        signature = {**signature, "meaning": signature.get("meaning") or Meaning.PERFORMED}
        record.qualification_review = _gate(signature, signer=actor, equipment=equipment, now=now)
        check_signature(
            version=_signature_version(draft, record), signer=actor, now=now, **signature
        )
    with regulated_transaction(actor=actor):
        record.save()
        version = _write_version(record, draft, actor=actor, now=now, number=1)
        record.current_version = version
        record.save(update_fields=["current_version"])
        if signature is not None:
            write_signature(version=version, signer=actor, now=now, **_writing(signature))
        _settle(record, version, now=now, actor=actor)
    return record


def _gate(signature: dict, *, signer, equipment, now) -> str:
    """The qualification gate, for a performer's signature (a review is not operating)."""
    if signature.get("meaning") not in PERFORMING_MEANINGS:
        return ""
    return qualification_gap(signer=signer, equipment=equipment, now=now)


def _send_to_review(record: ServiceRecord, reason: str) -> None:
    if reason and reason != record.qualification_review:
        record.qualification_review = reason
        record.save(update_fields=["qualification_review"])


def _writing(signature: dict) -> dict:
    keep = ("meaning", "acknowledge_policy", "session", "via_api")
    return {"acknowledge_policy": False, **{k: signature[k] for k in keep if k in signature}}


def sign_service_record(
    *, record: ServiceRecord, signer, now: datetime, version_number: int | None = None, **signature
):
    """Sign (or countersign) the current version; the schedule moves when the record starts to
    count. `version_number`, when given, must still be current."""
    version = record.current_version
    if version_number is not None and version.number != version_number:
        raise Conflict(
            f"Version {version_number} is no longer current: the record is at version "
            f"{version.number}. Read it before signing."
        )
    review = _gate(signature, signer=signer, equipment=record.equipment, now=now)
    check_signature(version=version, signer=signer, now=now, **signature)
    with regulated_transaction(actor=signer):
        written = write_signature(version=version, signer=signer, now=now, **_writing(signature))
        locked = ServiceRecord.objects.select_for_update().get(pk=record.pk)
        _send_to_review(locked, review)
        _settle(locked, version, now=now, actor=signer)
    record.refresh_from_db()
    return written


def settle_signed(record: ServiceRecord, *, now: datetime, actor) -> None:
    """After a signature on the current version, inside the caller's transaction: the record's
    derived columns (counts, review) from it, the row locked, the schedule moved, and the
    consequences of a version that starts to count."""
    current = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    _settle(current, current.current_version, now=now, actor=actor)


def amend_service_record(
    *,
    actor,
    record: ServiceRecord,
    reason: str,
    now: datetime,
    performed_at,
    values: dict,
    signature: dict | None = None,
    **content,
) -> ServiceRecordVersion:
    """A new version judged afresh against the procedure version the record was made with,
    with the reason; signed at once when `signature` is given. Until it is signed the record
    does not count, and the schedule is recomputed without it. The new version keeps the
    earlier one's attachments and, unless `external` is given, its outside performer; an
    outside performer's amendment is countersigned after, never signed as performed."""
    require_amend(actor, record)
    if record.is_voided:
        raise Conflict("This record is voided; a voided record cannot be amended.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for the amendment."})
    previous = record.current_version
    kept = list(previous.attachments.all())
    if previous.is_external and content.get("external") is None:
        content["external"] = {
            "name": previous.external_name,
            "organisation": previous.external_organisation,
            "credentials": previous.external_credentials,
        }
    draft = prepare(
        equipment=record.equipment,
        schedule=None,
        procedure_version=previous.procedure_version,
        performed_at=performed_at,
        values=values,
        now=now,
        references={
            m.procedure_check.key: m.reference
            for m in previous.measurements.select_related("procedure_check")
            if m.reference is not None
        },
        kept_attachments=len(kept),
        **content,
    )
    if signature is not None and draft.is_external:
        raise ValidationError(
            {"signature": "An outside performer's record is saved, then countersigned."}
        )
    draft.due_satisfied, draft.valid_until = previous.due_satisfied, previous.valid_until
    draft.late_entry = previous.late_entry
    if record.schedule is not None and previous.due_satisfied is not None:
        draft.timeliness = timeliness(
            draft.performed_at,
            timeline=occurrence_timeline(record, due=previous.due_satisfied),
        )
    review = ""
    if signature is not None:
        signature = {**signature, "meaning": signature.get("meaning") or Meaning.PERFORMED}
        review = _gate(signature, signer=actor, equipment=record.equipment, now=now)
        check_signature(
            version=_signature_version(draft, record), signer=actor, now=now, **signature
        )
    with regulated_transaction(actor=actor):
        current = ServiceRecord.objects.select_for_update().get(pk=record.pk)
        _send_to_review(current, review)
        version = _write_version(
            current,
            draft,
            actor=actor,
            now=now,
            number=previous.number + 1,
            reason=reason,
            kept=kept,
        )
        current.current_version = version
        current._audit_reason = reason
        current.save(update_fields=["current_version"])
        record_event(
            AuditAction.AMEND,
            target=current,
            reason=reason,
            changes={"version": [previous.number, version.number]},
        )
        if signature is not None:
            write_signature(version=version, signer=actor, now=now, **_writing(signature))
        _settle(current, version, now=now, actor=actor)
    record.refresh_from_db()
    return version


def void_service_record(*, actor, record: ServiceRecord, reason: str, now: datetime):
    """Void with a reason; the schedule is recomputed from the records that still count."""
    require_amend(actor, record)
    with regulated_transaction(actor=actor):
        void_record(record=record, reason=reason, actor=actor, now=now)
        current = ServiceRecord.objects.select_for_update().get(pk=record.pk)
        _settle(current, current.current_version, now=now, actor=actor)
    record.refresh_from_db()
    return record
