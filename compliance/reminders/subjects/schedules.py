"""Schedules: reminded from their stored clock. The sweep reads rows whose `next_reminder_at`
has passed (one index), claims the current stage and moves `next_reminder_at` and
`reminder_stage` on with one conditional update per batch; equipment's schedule services
restart the clock (`restart_reminders`) whenever a due date moves."""

from django.db.models import Case, DateTimeField, IntegerField, Q, Value, When
from django.db.models.functions import Cast
from django.urls import reverse

from compliance.models import SubjectKind
from compliance.reminders.stages import StageKind, schedule_boundaries
from compliance.reminders.subjects.base import Candidate, Message, Subject, Targets
from equipment.models import EquipmentStatus, Schedule
from imaging_ops.vocabulary import Role

# Retired equipment may come back through the gate: its schedules wait in the index, unread,
# until it does. Disposed equipment is gone for good: its reminders stop.
WAITING = (EquipmentStatus.RETIRED,)
GONE = (EquipmentStatus.DISPOSED,)


def shortest_interval_days(schedule: Schedule) -> int:
    """The fewest days one interval of the schedule can last (a month counts 28)."""
    if schedule.preset:
        return 7 if schedule.preset == "weekly_on_weekday" else 28
    return schedule.interval_months * 28 + schedule.interval_weeks * 7 + schedule.interval_days


def _typed(value, field):
    """A value for a CASE branch; NULL cast to its type (PostgreSQL reads a bare NULL parameter
    as text)."""
    if value is None:
        return Cast(Value(None), output_field=field)
    return Value(value, output_field=field)


class ScheduleSubject(Subject):
    kind = SubjectKind.SCHEDULE

    def batches(self, *, now, size, context):
        after = 0
        while True:
            rows = list(
                Schedule.objects.filter(next_reminder_at__lte=now, paused=False, pk__gt=after)
                .exclude(equipment__status__in=WAITING)
                .select_related("site", "procedure__current_version", "equipment")
                .order_by("pk")[:size]
            )
            if not rows:
                return
            after = rows[-1].pk
            candidates = [self._candidate(row, context) for row in rows]
            # The stored stage is a mirror; the notices are the truth (a lead time changed
            # between two stages renumbers them).
            self._fill_claimed(candidates)
            yield candidates
            if len(rows) < size:
                return

    def _candidate(self, schedule: Schedule, context) -> Candidate:
        site = schedule.site
        if schedule.equipment.status in GONE or schedule.recurrence.is_daily:
            boundaries = ()
        else:
            boundaries = schedule_boundaries(
                due=schedule.next_due,
                overdue_at=schedule.overdue_at,
                zone=site.zone,
                lead=context.lead(site.pk, schedule.procedure.kind),
                shortest_interval_days=shortest_interval_days(schedule),
                escalate_after_days=context.escalate_after_days,
            )
        equipment, name = schedule.equipment, schedule.procedure.current_version.name
        return Candidate(
            subject_id=schedule.pk,
            site=site,
            due_on=site.local(schedule.next_due).date(),
            title=f"{name} — {equipment.name} ({equipment.asset_tag})",
            boundaries=boundaries,
            claimed=schedule.reminder_stage,
            row=schedule,
        )

    def advance(self, claims, *, now):
        """One conditional update for the batch: each row moves only if its due date is still
        the one read (a record in between restarted its clock, and that restart wins)."""
        from compliance.reminders.stages import next_reminder, rank_of

        if not claims:
            return
        stages, nexts, dues = [], [], []
        for candidate, claimed in claims:
            pk = candidate.subject_id
            rank = rank_of(candidate.boundaries, claimed.code) if claimed else candidate.claimed
            stages.append(When(pk=pk, then=_typed(rank, IntegerField())))
            moment = next_reminder(candidate.boundaries, now=now)
            nexts.append(When(pk=pk, then=_typed(moment, DateTimeField())))
            dues.append(
                When(pk=pk, then=Value(candidate.row.next_due, output_field=DateTimeField()))
            )
        Schedule.objects.filter(
            pk__in=[c.subject_id for c, _ in claims],
            next_due=Case(*dues, output_field=DateTimeField()),
        ).filter(Q(next_reminder_at__lte=now)).update(
            reminder_stage=Case(*stages, output_field=IntegerField()),
            next_reminder_at=Case(*nexts, output_field=DateTimeField()),
        )

    def still_current(self, notices):
        rows = {
            s.pk: s
            for s in Schedule.objects.filter(pk__in={n.subject_id for n in notices}).select_related(
                "site"
            )
        }
        current = set()
        for notice in notices:
            schedule = rows.get(notice.subject_id)
            if schedule is None or schedule.paused:
                continue
            if schedule.site.local(schedule.next_due).date() == notice.due_on:
                current.add(notice.pk)
        return current

    def describe(self, notices):
        rows = {
            s.pk: s
            for s in Schedule.objects.filter(pk__in={n.subject_id for n in notices}).select_related(
                "site", "procedure__current_version", "equipment"
            )
        }
        messages = {}
        for notice in notices:
            schedule = rows[notice.subject_id]
            targets = Targets()
            if schedule.assignee_id:
                targets.users.add(schedule.assignee_id)
            elif schedule.assignee_role:
                targets.roles.add(schedule.assignee_role)
            else:
                targets.roles.add(Role.MANAGER)
            if notice.stage == StageKind.ESCALATED:
                targets.roles.add(Role.MANAGER)
            due = schedule.site.local(schedule.next_due)
            body = (
                f"{schedule.procedure.current_version.name} on {schedule.equipment.name} "
                f"({schedule.equipment.asset_tag}) at {schedule.site.name} is due "
                f"{due:%Y-%m-%d %H:%M} {due.tzname()}."
            )
            path = reverse("equipment:record_new", args=[schedule.pk])
            messages[notice.pk] = Message(targets=targets, body=body, path=path)
        return messages
