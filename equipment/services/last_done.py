"""Set when a schedule's work was last done, before any record of it here: the truth a
department brings when it moves in (a CSV of past dates), so the hard-limit clock starts from it.

The date becomes the schedule's `last_done` and its `baseline_done` (what the clock falls back
to when every record is voided), and the stored clock moves from it, in the same transaction,
with an audit event per schedule. A service record on file is the truth: a date before it is
refused. The rules are asked for many schedules at once with a fixed number of queries, so an
import of thousands of rows reads and writes in batches, not row by row.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max

from equipment.models import EquipmentStatus, Schedule, ServiceRecord
from equipment.services.grants import require_procedure_edit
from equipment.services.schedules import DERIVED_SAVED, FUTURE_SLACK, move_clock, site_closures
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.sites.local_time import local_time_text

FIRST_YEAR, LAST_YEAR = 1900, 2100
NOTE_MAX = 500
RETIRED = frozenset({EquipmentStatus.RETIRED, EquipmentStatus.DISPOSED})
SAVED = [*DERIVED_SAVED, "baseline_done"]
BATCH = 500
DEFAULT_REASON = "Last done date set from the department's own records."


@dataclass(frozen=True)
class LastDone:
    """One schedule's last completion as given: the moment (aware) and an optional note."""

    schedule: Schedule
    last_done: datetime
    note: str = ""


def latest_records(schedule_ids) -> dict[int, datetime]:
    """The latest service record that counts, per schedule: one query per batch of ids."""
    ids = list(schedule_ids)
    latest: dict[int, datetime] = {}
    for start in range(0, len(ids), BATCH):
        rows = (
            ServiceRecord.objects.filter(schedule_id__in=ids[start : start + BATCH], counts=True)
            .order_by()
            .values("schedule_id")
            .annotate(latest=Max("performed_at"))
        )
        latest.update({row["schedule_id"]: row["latest"] for row in rows})
    return latest


def last_done_errors(
    *, actor, schedule: Schedule, last_done, note: str = "", now: datetime, latest_record=None
) -> dict[str, str]:
    """What refuses this last-done moment for `schedule`, keyed `site` (who may), `equipment`,
    `last_done` or `note`; empty when it may be set. `latest_record` is the moment of the
    latest record on file that counts (see `latest_records`), None when there is none.

    `schedule` comes with its equipment, site and procedure's current version loaded."""
    equipment, procedure = schedule.equipment, schedule.procedure
    try:
        require_procedure_edit(
            actor,
            equipment.site_id,
            kind=procedure.kind,
            categories=procedure.current_version.categories,
        )
    except PermissionDenied as refused:
        return {"site": str(refused)}
    errors = {}
    if equipment.status in RETIRED:
        errors["equipment"] = (
            f"{equipment.asset_tag} is {equipment.get_status_display().lower()}: its schedules "
            "take no new dates."
        )
    if not isinstance(note, str):
        errors["note"] = "Give the note as text."
    elif len(note) > NOTE_MAX:
        errors["note"] = f"Keep the note to {NOTE_MAX} characters ({len(note)} given)."
    if problem := _moment_error(last_done, schedule=schedule, now=now, latest=latest_record):
        errors["last_done"] = problem
    return errors


def _moment_error(last_done, *, schedule: Schedule, now: datetime, latest) -> str | None:
    if not isinstance(last_done, datetime):
        return "Give the moment the work was last done."
    if last_done.tzinfo is None or last_done.utcoffset() is None:
        return "Give the moment with its offset from UTC, or the date alone."
    site = schedule.equipment.site
    year = site.local(last_done).year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"A last-done date falls between {FIRST_YEAR} and {LAST_YEAR}; {year} is not."
    if last_done > now + FUTURE_SLACK:
        return (
            f"{local_time_text(last_done, site.zone)} is in the future: the work cannot have "
            "been done yet."
        )
    if latest is not None and last_done < latest:
        return (
            f"A service record of {local_time_text(latest, site.zone)} is on file for this "
            "schedule, and the record is the truth: an earlier date is not imported."
        )
    return None


def is_unchanged(entry: LastDone) -> bool:
    """The schedule already starts from this moment: setting it again changes nothing."""
    schedule = entry.schedule
    return schedule.last_done == entry.last_done and schedule.baseline_done == entry.last_done


def _locked(entries: Sequence[LastDone]) -> dict[int, Schedule]:
    ids = [entry.schedule.pk for entry in entries]
    locked = {}
    for start in range(0, len(ids), BATCH):
        # Only the schedule rows are locked: PostgreSQL refuses FOR UPDATE across the nullable
        # join to the procedure's current version.
        rows = (
            Schedule.objects.select_for_update(of=("self",))
            .select_related("equipment__site", "procedure__current_version")
            .filter(pk__in=ids[start : start + BATCH])
        )
        locked.update({schedule.pk: schedule for schedule in rows})
    return locked


def record_last_done_many(*, actor, entries: Sequence[LastDone], now: datetime) -> list[Schedule]:
    """Set each entry's schedule to start from its last-done moment, all or none.

    Every rule is asked again under the schedules' row locks (a record may have arrived since
    a preview); a refusal raises ValidationError keyed `<index>.<field>` for the entries at
    fault, and nothing is saved. An entry that changes nothing writes nothing. Returns the
    schedules as saved, in the entries' order."""
    with regulated_transaction(actor=actor):
        locked = _locked(entries)
        latest = latest_records(locked)
        closures: dict[int, frozenset] = {}
        errors, changed, result = {}, [], []
        for index, entry in enumerate(entries):
            schedule = locked[entry.schedule.pk]
            note = entry.note.strip() if isinstance(entry.note, str) else entry.note
            problems = last_done_errors(
                actor=actor,
                schedule=schedule,
                last_done=entry.last_done,
                note=note,
                now=now,
                latest_record=latest.get(schedule.pk),
            )
            errors.update({f"{index}.{field}": message for field, message in problems.items()})
            result.append(schedule)
            if problems or is_unchanged(LastDone(schedule, entry.last_done)):
                continue
            site = schedule.equipment.site
            if site.pk not in closures:
                closures[site.pk] = site_closures(site, now=now)
            before = schedule.last_done
            schedule.last_done = schedule.baseline_done = entry.last_done
            move_clock(schedule, now=now, closures=closures[site.pk])
            changed.append(schedule)
            record_event(
                AuditAction.UPDATE,
                target=schedule,
                changes={
                    "last_done": [before, entry.last_done],
                    "next_due": schedule.next_due,
                    "hard_limit_at": schedule.hard_limit_at,
                },
                reason=note or DEFAULT_REASON,
            )
        if errors:
            raise ValidationError(errors)
        # The clock's columns are exempt from field-level audit; the events above say it.
        Schedule.objects.bulk_update(changed, SAVED, batch_size=BATCH)
    return result


def record_last_done(
    *, actor, schedule: Schedule, last_done: datetime, note: str = "", now: datetime
) -> Schedule:
    """Set when `schedule`'s work was last done (before any record here), and move its clock
    from it; ValidationError keyed `site`, `equipment`, `last_done` or `note` when refused
    (`site`: PermissionDenied for who may is raised as itself)."""
    try:
        [saved] = record_last_done_many(
            actor=actor, entries=[LastDone(schedule, last_done, note)], now=now
        )
    except ValidationError as refused:
        errors = {key.split(".", 1)[1]: messages for key, messages in refused.message_dict.items()}
        if "site" in errors:
            raise PermissionDenied(" ".join(errors["site"])) from None
        raise ValidationError(errors) from None
    for name in SAVED:
        setattr(schedule, name, getattr(saved, name))
    return schedule
