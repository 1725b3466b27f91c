"""Daily and day-of-use work: no reminder per schedule (it lives in "My work"), but one overdue
digest per site per day, the morning after, listing the clinical days' missed occurrences. After
a gap only the latest day's digest is sent."""

import datetime as dt

from django.urls import reverse

from compliance.models import SubjectKind
from compliance.reminders.stages import Boundary, StageKind, at_local
from compliance.reminders.subjects.base import Candidate, Message, RowSubject, Targets
from equipment.models import MissedOccurrence
from imaging_ops.models import Site
from imaging_ops.vocabulary import Role


class MissedDaysSubject(RowSubject):
    """The subject is the site; its due date is the day missed."""

    kind = SubjectKind.MISSED_DAYS

    def batches(self, *, now, size, context):
        """All sites at once: one query for the recent missed days, one for their sites, one
        for the digests already claimed."""
        days = {now.date() - dt.timedelta(days=n) for n in (0, 1, 2)}
        missed = set(
            MissedOccurrence.objects.filter(day__in=days)
            .values_list("schedule__site_id", "day")
            .distinct()
        )
        sites = Site.objects.filter(pk__in={site_id for site_id, _ in missed}).order_by("pk")
        candidates = [
            candidate
            for site in sites
            if (candidate := self._candidate(site, now=now, missed=missed)) is not None
        ]
        for start in range(0, len(candidates), size):
            batch = candidates[start : start + size]
            self._fill_claimed(batch)
            yield batch

    def _candidate(self, site, *, now, missed) -> Candidate | None:
        yesterday = site.today(now) - dt.timedelta(days=1)
        if (site.pk, yesterday) not in missed:
            return None
        at = at_local(yesterday + dt.timedelta(days=1), site.opens_at, site.zone)
        return Candidate(
            subject_id=site.pk,
            site=site,
            due_on=yesterday,
            title=f"Daily work missed at {site.name} on {yesterday:%Y-%m-%d}",
            boundaries=(Boundary(StageKind.OVERDUE, at),),
            row=site,
        )

    def still_current(self, notices):
        return {n.pk for n in notices}

    def describe(self, notices):
        missed = {}
        assignees = {}
        for notice in notices:
            rows = list(
                MissedOccurrence.objects.filter(
                    schedule__site_id=notice.subject_id, day=notice.due_on
                ).select_related("schedule__procedure__current_version", "schedule__equipment")
            )
            missed[notice.pk] = rows
            assignees[notice.pk] = rows
        messages = {}
        for notice in notices:
            targets = Targets(roles={Role.MANAGER})
            lines = []
            for occurrence in missed[notice.pk]:
                schedule = occurrence.schedule
                if schedule.assignee_id:
                    targets.users.add(schedule.assignee_id)
                elif schedule.assignee_role:
                    targets.roles.add(schedule.assignee_role)
                lines.append(
                    f"- {schedule.procedure.current_version.name} on {schedule.equipment.name} "
                    f"({schedule.equipment.asset_tag})"
                )
            body = f"No record on {notice.due_on:%Y-%m-%d} for:\n" + "\n".join(lines)
            messages[notice.pk] = Message(
                targets=targets, body=body, path=reverse("equipment:missed_list")
            )
        return messages
