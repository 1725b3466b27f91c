"""What a service record says, checked before anything is written: the moment of the work,
one value per check judged against its band, the instruments and their calibrations, an outside
performer, the confirmation an action-level value needs, and the attachments.

`prepare()` answers a `Draft` or raises one ValidationError holding every problem at once,
keyed by the field (`measurements.<check id>` for a value, `instruments`, `performed_at` ...),
so a form and the API show them all beside their fields and nothing is saved half-way.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError

from equipment.limits import Outcome
from equipment.models import (
    Category,
    Check,
    Equipment,
    ProcedureKind,
    ProcedureVersion,
    Reference,
    Schedule,
    ServiceRecord,
)
from equipment.models.records import worst
from equipment.scheduling import due_moment, timeline, timeliness
from equipment.scheduling.site_days import local_date
from equipment.selectors.schedules import timeline_of
from equipment.services.attachments import MAX_FILES, AttachmentError, Upload, read_upload
from equipment.services.measurements import EntryError, Judged, judge
from imaging_ops.text import has_bidi_controls

FUTURE_SLACK = timedelta(minutes=5)
INSTRUMENT_CATEGORIES = (Category.QA_INSTRUMENT, Category.RADIATION_INSTRUMENT)
EXTERNAL_FIELDS = ("name", "organisation", "credentials")
MAX_COMMENTS = 5000


@dataclass
class Draft:
    """Everything a new record version will hold, judged and ready to write."""

    procedure_version: ProcedureVersion
    performed_at: datetime
    judged: dict[int, Judged]  # by check id
    checks: list[Check]
    outcome: str
    comments: str = ""
    action_confirmed: bool = False
    instruments: list[Equipment] = field(default_factory=list)
    external: dict = field(default_factory=dict)
    report_received_on: object = None
    valid_until: datetime | None = None
    uploads: list[Upload] = field(default_factory=list)
    due_satisfied: datetime | None = None
    timeliness: str = ""
    late_entry: bool = False

    @property
    def is_external(self) -> bool:
        return bool(self.external.get("name"))


def references_of(schedule: Schedule | None) -> dict[str, object]:
    """The schedule's references by check key (none for ad hoc work)."""
    if schedule is None:
        return {}
    return dict(Reference.objects.filter(schedule=schedule).values_list("check_key", "value"))


def _performed_at_error(performed_at, *, now: datetime) -> str | None:
    if not isinstance(performed_at, datetime):
        return "Give the date and time the work was done."
    if performed_at.tzinfo is None or performed_at.utcoffset() is None:
        return "Give the moment the work was done with its time zone."
    if performed_at > now + FUTURE_SLACK:
        return "The work cannot have been done in the future: check the date and time."
    return None


def judge_all(checks, values: dict, references: dict) -> tuple[dict[int, Judged], dict]:
    """Each check's value judged, and the errors keyed `measurements.<check id>`."""
    judged, errors = {}, {}
    for check in checks:
        try:
            judged[check.pk] = judge(
                check, values.get(check.pk), reference=references.get(check.key)
            )
        except EntryError as problem:
            errors[f"measurements.{check.pk}"] = str(problem)
    unknown = set(values) - {check.pk for check in checks}
    if unknown:
        errors["measurements"] = "Some values are for checks this procedure does not have."
    return judged, errors


def instrument_errors(instruments, *, site_id: int, performed_at) -> list[str]:
    """Why each instrument may not be used for work done at `performed_at`: another site's, not
    a measurement instrument, never calibrated, or its calibration expired by then."""
    problems = []
    for instrument in instruments:
        if instrument.site_id != site_id or instrument.category not in INSTRUMENT_CATEGORIES:
            problems.append(f"{instrument.asset_tag} is not a QA or radiation instrument here.")
            continue
        if not isinstance(performed_at, datetime) or performed_at.tzinfo is None:
            continue
        calibration = last_calibration(instrument, before=performed_at)
        if calibration is None:
            problems.append(
                f"{instrument.asset_tag} has no passing calibration on record before the work."
            )
        elif calibration.valid_until is not None and calibration.valid_until < performed_at:
            problems.append(
                f"{instrument.asset_tag}'s calibration expired on "
                f"{instrument.site.local(calibration.valid_until):%Y-%m-%d}, before the work."
            )
    return problems


def last_calibration(instrument: Equipment, *, before: datetime):
    """The current version of the instrument's latest counted, passing calibration record
    performed at or before `before`, or None."""
    record = (
        ServiceRecord.objects.filter(
            equipment=instrument,
            counts=True,
            procedure__kind=ProcedureKind.CALIBRATION,
            performed_at__lte=before,
        )
        .exclude(outcome=Outcome.ACTION)
        .select_related("current_version")
        .order_by("-performed_at", "-pk")
        .first()
    )
    return None if record is None else record.current_version


def _external(external: dict | None, errors: dict) -> dict:
    if not external:
        return {}
    cleaned = {k: (external.get(k) or "").strip() for k in EXTERNAL_FIELDS}
    if set(external) - set(EXTERNAL_FIELDS):
        errors["external"] = "Give the outside performer's name, organisation and credentials."
    if not cleaned["name"]:
        errors["external.name"] = "Give the outside performer's name."
    if not cleaned["organisation"]:
        errors["external.organisation"] = "Give the performer's organisation."
    for key, value in cleaned.items():
        if len(value) > 200:
            errors[f"external.{key}"] = "Keep this under 200 characters."
        elif has_bidi_controls(value):
            errors[f"external.{key}"] = "Remove the invisible text-direction characters."
    return cleaned


def _uploads(files, errors: dict, *, kept: int = 0) -> list[Upload]:
    files = list(files or [])
    if len(files) + kept > MAX_FILES:
        errors["attachments"] = f"Attach at most {MAX_FILES} files to one record."
        return []
    uploads, problems = [], []
    for upload in files:
        try:
            uploads.append(read_upload(upload))
        except AttachmentError as problem:
            problems.append(str(problem))
    if problems:
        errors["attachments"] = " ".join(problems)
    return uploads


def prepare(
    *,
    equipment: Equipment,
    schedule: Schedule | None,
    procedure_version: ProcedureVersion,
    performed_at,
    values: dict,
    now: datetime,
    instruments=(),
    comments: str = "",
    confirm_action: bool = False,
    external: dict | None = None,
    report_received_on=None,
    attachments=(),
    references: dict | None = None,
    kept_attachments: int = 0,
) -> Draft:
    """The record version to write, or every problem with it at once. `references` (by check
    key) default to the schedule's in force; an amendment passes the ones its values had, and
    how many attachments it keeps from the version it amends (`kept_attachments`)."""
    errors: dict[str, str] = {}
    if problem := _performed_at_error(performed_at, now=now):
        errors["performed_at"] = problem
    checks = list(procedure_version.checks.order_by("position"))
    judged, value_errors = judge_all(
        checks, values, references_of(schedule) if references is None else references
    )
    errors.update(value_errors)
    comments = (comments or "").strip()
    if len(comments) > MAX_COMMENTS:
        errors["comments"] = f"Keep the comments under {MAX_COMMENTS} characters."
    elif has_bidi_controls(comments):
        errors["comments"] = "Remove the invisible text-direction characters."
    outcome = worst(j.result for j in judged.values())
    if outcome == Outcome.ACTION and not value_errors:
        if not confirm_action:
            errors["confirm_action"] = (
                "A value is at action level: confirm that you have checked it before signing."
            )
        if not comments:
            errors["comments"] = "Say what you saw and did about the action-level value."
    instruments = list(instruments)
    if problems := instrument_errors(
        instruments, site_id=equipment.site_id, performed_at=performed_at
    ):
        errors["instruments"] = " ".join(problems)
    external = _external(external, errors)
    uploads = _uploads(attachments, errors, kept=kept_attachments)
    if external.get("name") and not uploads and not kept_attachments:
        errors["attachments"] = "Attach the outside performer's report."
    if errors:
        raise ValidationError(errors)
    draft = Draft(
        procedure_version=procedure_version,
        performed_at=performed_at,
        judged=judged,
        checks=checks,
        outcome=outcome,
        comments=comments,
        action_confirmed=bool(confirm_action) and outcome == Outcome.ACTION,
        instruments=instruments,
        external=external,
        report_received_on=report_received_on,
        uploads=uploads,
        late_entry=now - performed_at > timedelta(hours=settings.RECORD_LATE_ENTRY_HOURS),
    )
    if schedule is not None:
        draft.due_satisfied, line = met_occurrence(schedule, performed_at)
        draft.timeliness = timeliness(performed_at, timeline=line)
    return draft


def met_occurrence(schedule: Schedule, performed_at: datetime):
    """The occurrence a record performed at `performed_at` meets: its due and its timeline.

    Normally the schedule's current one. Daily work done on an earlier day and entered late
    (yesterday's QC typed in this morning, after the roll-over moved the schedule on) met that
    day's occurrence, not today's: today's stays due."""
    site = schedule.equipment.site
    if schedule.recurrence.is_daily and performed_at < schedule.next_due:
        day = local_date(performed_at, site)
        if day < local_date(schedule.next_due, site):
            due = due_moment(day, calendar=site, due_time=schedule.due_at)
            line = timeline(
                due,
                calendar=site,
                early=schedule.early,
                grace=schedule.grace,
                last_done=None,
                hard_limit=schedule.hard_limit,
                anchor=schedule.anchor,
                recurrence=schedule.recurrence,
            )
            return due, line
    return schedule.next_due, timeline_of(schedule)
