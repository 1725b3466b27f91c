"""Writes of schedules: create one (its clock computed from the site's calendar), change what a
manager may change of it, pause and resume it, and set or re-baseline the reference of one of
its checks.

The clock's rules are equipment.scheduling's; this module reads the site's closures once, passes
plain values in and stores what comes back in the schedule's derived columns, in the same
transaction as the change that moves them.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError

from equipment.limits import reference_error, to_decimal
from equipment.models import (
    CheckKind,
    Equipment,
    EquipmentStatus,
    Procedure,
    Reference,
    ReferenceChange,
    Schedule,
    ServiceRecord,
)
from equipment.scheduling import (
    DueTime,
    first_due,
    next_due,
    recurrence_errors,
    roll_over,
    timeline,
)
from equipment.services.grants import require_procedure_edit
from equipment.services.procedures import check_band
from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.errors import Conflict
from imaging_ops.models import SiteClosure, SiteMembership
from imaging_ops.vocabulary import ASSIGNABLE_ROLES, Role

# A completion entered with a clock slightly ahead of the server's is still the past.
FUTURE_SLACK = timedelta(minutes=5)
# Daily work looks this far ahead for a clinical open day; closures beyond it cannot matter.
CLOSURE_HORIZON = timedelta(days=370)
# The clock's columns, as a service that moved them saves them.
DERIVED_SAVED = [
    "window_opens",
    "next_due",
    "overdue_at",
    "hard_limit_at",
    "last_done",
    "next_reminder_at",
    "reminder_stage",
]
# What a manager may change of a schedule after it is made (update_schedule); the equipment and
# the procedure lineage are what the schedule is, and the clock's columns are derived.
EDITABLE = (
    "assignee",
    "assignee_role",
    "anchor",
    "interval_months",
    "interval_weeks",
    "interval_days",
    "preset",
    "weekday",
    "starts_on",
    "early_days",
    "grace_days",
    "hard_limit_months",
    "hard_limit_days",
    "due_time",
    "due_clock",
)
# The years a date may fall in: the clock's arithmetic stays far from the calendar's ends.
FIRST_YEAR, LAST_YEAR = 1900, 2100
DUPLICATE = "This equipment already has a schedule for that procedure."
INACTIVE_EQUIPMENT = {
    EquipmentStatus.RETIRED: "Retired equipment gets no new schedules.",
    EquipmentStatus.DISPOSED: "Disposed equipment gets no new schedules.",
}
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
    "due_time": "default_due_time",
}


def _require_edit(actor, schedule_or_equipment, procedure: Procedure) -> None:
    site_id = getattr(schedule_or_equipment, "site_id", None)
    if site_id is None:
        site_id = schedule_or_equipment.equipment.site_id
    require_procedure_edit(
        actor, site_id, kind=procedure.kind, categories=procedure.current_version.categories
    )


def require_schedule_edit(actor, schedule: Schedule) -> None:
    """Change this schedule, pause or resume it, or set its references: the rule each of those
    writes asks first (the RSO for radiation procedures only)."""
    _require_edit(actor, schedule, schedule.procedure)


def may_edit_schedule(user, schedule: Schedule) -> bool:
    """Whether the pages should offer this schedule's changes (the rule the services hold)."""
    try:
        require_schedule_edit(user, schedule)
    except PermissionDenied:
        return False
    return True


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
    previous_due = schedule.next_due
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
    if line.due != previous_due:
        restart_reminders(schedule, now=now)


def restart_reminders(schedule: Schedule, *, now: datetime) -> None:
    """A new due date starts its reminders afresh: the next reminder sweep reads the new timeline
    and sets the next reminder from it (the rules are compliance's), so the stages still to come
    for the due date just met are never sent. Daily work is reminded as one digest per site
    (from its missed days), never schedule by schedule."""
    schedule.reminder_stage = None
    schedule.next_reminder_at = None if schedule.recurrence.is_daily else now


def _year_error(moment, *, what: str) -> str | None:
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        return f"Give {what} between {FIRST_YEAR} and {LAST_YEAR}."
    return None


def _last_done_error(last_done, *, now: datetime) -> str | None:
    if last_done is None:
        return None
    if not isinstance(last_done, datetime):
        return "Give the moment the work was last done, with its time."
    if last_done.tzinfo is None or last_done.utcoffset() is None:
        return "Give the moment the work was last done with its time zone."
    if problem := _year_error(last_done, what="a last-done moment"):
        return problem
    if last_done > now + FUTURE_SLACK:
        return "The work cannot have been done in the future."
    return None


def _starts_on_error(starts_on) -> str | None:
    if not isinstance(starts_on, date) or isinstance(starts_on, datetime):
        return "Give the first day of the series as a date."
    return _year_error(starts_on, what="a first day")


def _role_names(roles) -> str:
    return ", ".join(Role(role).label.lower() for role in sorted(roles))


def assignee_errors(
    *, equipment: Equipment, procedure: Procedure, assignee=None, assignee_role: str = "", now
) -> dict[str, str]:
    """What is wrong with the schedule's assignee, keyed by field; empty when fit. A person must
    hold, at the equipment's site and today there, one of the procedure's performer roles (any
    role that performs work when it names none); a role must
    be one of those roles. A person or a role, not both; neither leaves the work unassigned."""
    version = procedure.current_version
    named = set(version.performer_roles or ()) if version is not None else set()
    allowed = (named or set(ASSIGNABLE_ROLES)) & set(ASSIGNABLE_ROLES)
    if assignee is not None and assignee_role:
        return {"assignee_role": "Assign the schedule to a person or to a role, not both."}
    if assignee_role:
        if assignee_role not in ASSIGNABLE_ROLES:
            return {"assignee_role": f"“{assignee_role}” is not a role that performs work."}
        if assignee_role not in allowed:
            return {
                "assignee_role": f"This procedure is performed by: {_role_names(allowed)}; "
                "choose one of those roles."
            }
        return {}
    if assignee is None:
        return {}
    site = equipment.site
    held = set(
        SiteMembership.objects.in_force(site.today(now))
        .filter(site=site, user=assignee)
        .values_list("role", flat=True)
    )
    if not held & set(ASSIGNABLE_ROLES):
        return {"assignee": "Choose a person who holds a role at this equipment's site."}
    if not held & allowed:
        return {
            "assignee": f"This procedure is performed by: {_role_names(allowed)}; choose a "
            "person who holds one of those roles at this site."
        }
    return {}


def _schedule_errors(schedule: Schedule, *, now: datetime) -> dict:
    """Every problem of the schedule's own fields at once, keyed by field (the recurrence's
    under `interval`, `anchor`, `preset` or `weekday`)."""
    errors = dict(recurrence_errors(schedule.recurrence, anchor=schedule.anchor))
    if problem := _starts_on_error(schedule.starts_on):
        errors["starts_on"] = problem
    if schedule.due_time not in DueTime.values:
        errors["due_time"] = f"“{schedule.due_time}” is not a due time; choose opening or closing."
    errors.update(
        assignee_errors(
            equipment=schedule.equipment,
            procedure=schedule.procedure,
            assignee=schedule.assignee,
            assignee_role=schedule.assignee_role,
            now=now,
        )
    )
    try:
        # The constraints are the rules above, said by field; the columns' own limits here.
        schedule.full_clean(exclude=[*errors, *DERIVED_SAVED], validate_constraints=False)
    except ValidationError as problem:
        for field, messages in problem.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    return errors


def _set_clock(schedule: Schedule, *, now: datetime, satisfied_due=None) -> None:
    try:
        move_clock(
            schedule,
            now=now,
            closures=site_closures(schedule.equipment.site, now=now),
            satisfied_due=satisfied_due,
        )
    except (OverflowError, ValueError):
        # Beyond the calendar's end: an interval or a limit far too long for any clock.
        raise ValidationError(
            {"interval": "The interval or limit is too long: the next due date is beyond 9999."}
        ) from None


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
    from `starts_on` (default: today at the site). Every problem is refused at once, by field;
    a second schedule of the same procedure on the same equipment is refused as a whole."""
    _require_edit(actor, equipment, procedure)
    if procedure.site_id != equipment.site_id:
        raise ValidationError({"procedure": "Choose a procedure of this equipment's site."})
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"create_schedule() got unexpected fields: {', '.join(sorted(unknown))}")
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
    errors = _schedule_errors(schedule, now=now)
    if problem := _last_done_error(last_done, now=now):
        errors["last_done"] = problem
    if equipment.status in INACTIVE_EQUIPMENT:
        errors["equipment"] = INACTIVE_EQUIPMENT[equipment.status]
    if Schedule.objects.filter(equipment=equipment, procedure=procedure).exists():
        errors[NON_FIELD_ERRORS] = DUPLICATE
    if errors:
        raise ValidationError(errors)
    _set_clock(schedule, now=now)
    with regulated_transaction(actor=actor):
        try:
            schedule.save()
        except IntegrityError:
            # A race past the check above: the same rule, said the same way.
            raise ValidationError({NON_FIELD_ERRORS: DUPLICATE}) from None
    return schedule


def _latest_satisfied_due(schedule: Schedule):
    """The due the latest record that counts met (None without one: a typed or imported
    completion met no known occurrence)."""
    latest = (
        ServiceRecord.objects.filter(schedule=schedule, counts=True)
        .select_related("current_version")
        .order_by("-performed_at", "-pk")
        .first()
    )
    return latest.current_version.due_satisfied if latest else None


def update_schedule(*, actor, schedule: Schedule, changes: dict, reason: str, now: datetime):
    """Change what a manager may change of a schedule (EDITABLE: its assignee, recurrence,
    first day, window, grace, hard limit and due time), with the reason, kept on the audit
    event. The clock moves with the change, from the same last completion; the same rules as at
    creation refuse a change, every problem at once, and nothing is saved half-way. A person
    given as assignee replaces a role, and a role a person."""
    _require_edit(actor, schedule, schedule.procedure)
    errors = {}
    for name in sorted(set(changes) - set(EDITABLE)):
        errors[name] = (
            "A schedule's equipment and procedure cannot change: make a new schedule."
            if name in ("equipment", "procedure")
            else "This cannot be changed on a schedule."
        )
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Give the reason for this change."
    if errors:
        raise ValidationError(errors)
    changes = dict(changes)
    if changes.get("assignee") is not None and "assignee_role" not in changes:
        changes["assignee_role"] = ""
    if changes.get("assignee_role") and "assignee" not in changes:
        changes["assignee"] = None
    with regulated_transaction(actor=actor):
        current = (
            Schedule.objects.select_for_update()
            .select_related("equipment__site")
            .get(pk=schedule.pk)
        )
        current.procedure = schedule.procedure
        before = {name: getattr(current, _attname(name)) for name in EDITABLE}
        for name, value in changes.items():
            setattr(current, name, value)
        if all(getattr(current, _attname(name)) == before[name] for name in EDITABLE):
            return current
        errors = _schedule_errors(current, now=now)
        if errors:
            raise ValidationError(errors)
        _set_clock(current, now=now, satisfied_due=_latest_satisfied_due(current))
        current._audit_reason = reason
        current.save()
    return current


def _attname(name: str) -> str:
    return "assignee_id" if name == "assignee" else name


def _set_paused(*, actor, schedule: Schedule, paused: bool, reason: str) -> Schedule:
    _require_edit(actor, schedule, schedule.procedure)
    reason = (reason or "").strip()
    if not reason:
        verb = "pausing" if paused else "resuming"
        raise ValidationError({"reason": f"Give the reason for {verb} this schedule."})
    with regulated_transaction(actor=actor):
        current = Schedule.objects.select_for_update().get(pk=schedule.pk)
        if current.paused == paused:
            state = "paused" if paused else "running"
            raise Conflict(f"This schedule is already {state}.")
        current.paused = paused
        current._audit_reason = reason
        current.save()
    schedule.paused = paused
    return schedule


def pause_schedule(*, actor, schedule: Schedule, now: datetime, reason: str) -> Schedule:
    """Pause reminders, with the reason; the regulatory clock (next due, hard limit) keeps
    running."""
    return _set_paused(actor=actor, schedule=schedule, paused=True, reason=reason)


def resume_schedule(*, actor, schedule: Schedule, now: datetime, reason: str) -> Schedule:
    """Resume reminders, with the reason."""
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
