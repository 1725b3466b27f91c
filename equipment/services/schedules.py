"""Writes of schedules: create one (its clock computed from the site's calendar), pause and
resume it, and set or re-baseline the reference of one of its checks.

The clock's rules are equipment.scheduling's; this module reads the site's closures once, passes
plain values in and stores what comes back in the schedule's derived columns, in the same
transaction as the change that moves them.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError

from equipment.limits import reference_error, to_decimal
from equipment.models import CheckKind, Equipment, Procedure, Reference, ReferenceChange, Schedule
from equipment.scheduling import first_due, next_due, recurrence_errors, roll_over, timeline
from equipment.services.grants import require_procedure_edit
from equipment.services.procedures import check_band
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.models import SiteClosure

# A completion entered with a clock slightly ahead of the server's is still the past.
FUTURE_SLACK = timedelta(minutes=5)
# Daily work looks this far ahead for a clinical open day; closures beyond it cannot matter.
CLOSURE_HORIZON = timedelta(days=370)
# The clock's columns, as a service that moved them saves them.
DERIVED_SAVED = ["window_opens", "next_due", "overdue_at", "hard_limit_at", "last_done"]
DEFAULTS = {
    "anchor": "default_anchor",
    "interval_months": "default_interval_months",
    "interval_weeks": "default_interval_weeks",
    "interval_days": "default_interval_days",
    "preset": "default_preset",
    "weekday": "default_weekday",
    "early_days": "default_early_days",
    "grace_days": "default_grace_days",
    "hard_limit_months": "default_hard_limit_months",
}


def _require_edit(actor, schedule_or_equipment, procedure: Procedure) -> None:
    site_id = getattr(schedule_or_equipment, "site_id", None)
    if site_id is None:
        site_id = schedule_or_equipment.equipment.site_id
    require_procedure_edit(
        actor, site_id, kind=procedure.kind, categories=procedure.current_version.categories
    )


def site_closures(site, *, now: datetime) -> frozenset:
    """The site's closures in force from today on, as local dates, as scheduling takes them."""
    today = site.today(now)
    return frozenset(
        SiteClosure.objects.in_force()
        .filter(site=site, date__gte=today, date__lte=today + CLOSURE_HORIZON)
        .values_list("date", flat=True)
    )


def move_clock(
    schedule: Schedule, *, now: datetime, closures=frozenset(), satisfied_due=None
) -> None:
    """Set the stored timeline (`window_opens`, `next_due`, `overdue_at`, `hard_limit_at`) from
    the schedule's recurrence and `last_done`, which met the occurrence due at `satisfied_due`
    (a record's; unknown for a date imported or typed at set-up).

    Unsaved: the caller saves them in the transaction that made them move.
    """
    site = schedule.equipment.site
    recurrence = schedule.recurrence
    common = {"calendar": site, "due_time": schedule.due_at, "closures": closures}
    if schedule.last_done is None:
        due = first_due(
            anchor=schedule.anchor, recurrence=recurrence, start=schedule.starts_on, **common
        )
    else:
        due = next_due(
            anchor=schedule.anchor,
            recurrence=recurrence,
            performed_at=schedule.last_done,
            satisfied_due=satisfied_due,
            start=schedule.starts_on,
            **common,
        )
    if recurrence.is_daily:
        due = roll_over(now, next_due=due, **common)
    line = timeline(
        due,
        calendar=site,
        early=schedule.early,
        grace=schedule.grace,
        last_done=schedule.last_done,
        hard_limit=schedule.hard_limit,
        anchor=schedule.anchor,
        recurrence=recurrence,
    )
    schedule.window_opens, schedule.next_due = line.window_opens, line.due
    schedule.overdue_at, schedule.hard_limit_at = line.overdue_at, line.hard_limit_at


def _last_done_error(last_done, *, now: datetime) -> str | None:
    if last_done is None:
        return None
    if not isinstance(last_done, datetime):
        return "Give the moment the work was last done, with its time."
    if last_done.tzinfo is None or last_done.utcoffset() is None:
        return "Give the moment the work was last done with its time zone."
    if last_done > now + FUTURE_SLACK:
        return "The work cannot have been done in the future."
    return None


def create_schedule(
    *,
    actor,
    equipment: Equipment,
    procedure: Procedure,
    now: datetime,
    last_done: datetime | None = None,
    starts_on=None,
    **fields,
) -> Schedule:
    """A schedule of `procedure` on `equipment`, its recurrence defaulting to the procedure's.
    Its clock starts from `last_done` when given (the truth when a department moves in), else
    from `starts_on` (default: today at the site)."""
    _require_edit(actor, equipment, procedure)
    if procedure.site_id != equipment.site_id:
        raise ValidationError({"procedure": "Choose a procedure of this equipment's site."})
    version = procedure.current_version
    values = {field: getattr(version, default) for field, default in DEFAULTS.items()}
    values.update(fields)
    schedule = Schedule(
        equipment=equipment,
        procedure=procedure,
        starts_on=starts_on or equipment.site.today(now),
        last_done=last_done,
        baseline_done=last_done,
        **values,
    )
    errors = recurrence_errors(schedule.recurrence, anchor=schedule.anchor)
    if problem := _last_done_error(last_done, now=now):
        errors["last_done"] = problem
    if errors:
        raise ValidationError(errors)
    move_clock(schedule, now=now, closures=site_closures(equipment.site, now=now))
    schedule.full_clean()
    with regulated_transaction(actor=actor):
        try:
            schedule.save()
        except IntegrityError:
            # A race past full_clean: the same rule, said the same way.
            raise ValidationError(
                {"procedure": "This equipment already has a schedule for that procedure."}
            ) from None
    return schedule


def _set_paused(*, actor, schedule: Schedule, paused: bool, reason: str) -> Schedule:
    _require_edit(actor, schedule, schedule.procedure)
    with regulated_transaction(actor=actor):
        current = Schedule.objects.select_for_update().get(pk=schedule.pk)
        if current.paused != paused:
            current.paused = paused
            current._audit_reason = (reason or "").strip()
            current.save()
    schedule.paused = paused
    return schedule


def pause_schedule(*, actor, schedule: Schedule, now: datetime, reason: str = "") -> Schedule:
    """Pause reminders; the regulatory clock (next due, hard limit) keeps running."""
    return _set_paused(actor=actor, schedule=schedule, paused=True, reason=reason)


def resume_schedule(*, actor, schedule: Schedule, now: datetime, reason: str = "") -> Schedule:
    return _set_paused(actor=actor, schedule=schedule, paused=False, reason=reason)


def set_reference(
    *, actor, schedule: Schedule, check_key: str, value, reason: str, now: datetime
) -> Reference:
    """Set or re-baseline the reference of one numeric check, with the reason; each change is
    kept as a ReferenceChange. A percent band refuses a zero reference."""
    procedure = schedule.procedure
    _require_edit(actor, schedule, procedure)
    check = procedure.current_version.checks.filter(key=check_key).first()
    errors = {}
    if check is None:
        errors["check_key"] = "This schedule's procedure has no check with that key."
    elif check.kind != CheckKind.NUMERIC:
        errors["check_key"] = "Only a numeric check has a reference."
    try:
        value = to_decimal(value, name="reference")
    except (TypeError, ValueError) as problem:
        errors["value"] = str(problem)
    else:
        if check is not None and (problem := reference_error(check_band(check), value)):
            errors["value"] = problem
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Give the reason for setting this reference."
    if errors:
        raise ValidationError(errors)
    with regulated_transaction(actor=actor):
        reference = (
            Reference.objects.select_for_update()
            .filter(schedule=schedule, check_key=check_key)
            .first()
        )
        previous = None if reference is None else reference.value
        if reference is None:
            reference = Reference(schedule=schedule, check_key=check_key)
        reference.value, reference.reason = value, reason
        reference.set_at, reference.set_by = now, actor
        reference._audit_reason = reason
        reference.full_clean()
        reference.save()
        ReferenceChange.objects.create(
            reference=reference,
            previous_value=previous,
            value=value,
            reason=reason,
            changed_at=now,
            changed_by=actor,
        )
    return reference
