"""Training records expiring: reminded 60, 30 and 7 days before `expires_on` and on the day it
expires, at the record's site's opening time, to the person trained and to the site's
managers. A newer record of the same course for the person, or voiding the record,
cancels the rest; training without an expiry is never reminded."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.urls import reverse

from compliance.models import SubjectKind
from compliance.reminders.stages import StageKind, expiry_boundaries
from compliance.reminders.subjects.base import Candidate, Message, RowSubject, Targets
from imaging_ops.vocabulary import Role
from training.models import TrainingRecord

LEADS = (60, 30, 7)
# The widest lead, and a day either side for the sites' time zones.
HORIZON = dt.timedelta(days=max(LEADS) + 1)


def _renewed():
    """A later record of the same course for the same person that counts."""
    return TrainingRecord.objects.filter(
        person=OuterRef("person"),
        course=OuterRef("course"),
        counts=True,
        completed_on__gt=OuterRef("completed_on"),
    )


def _reminded():
    """Records that count and expire, not superseded by a later one."""
    return (
        TrainingRecord.objects.filter(counts=True, expires_on__isnull=False)
        .annotate(renewed=Exists(_renewed()))
        .filter(renewed=False)
    )


class TrainingSubject(RowSubject):
    kind = SubjectKind.TRAINING

    def rows(self, *, now):
        today = now.date()
        return (
            _reminded()
            .filter(expires_on__gt=today - dt.timedelta(days=1), expires_on__lte=today + HORIZON)
            .select_related("site", "course", "person")
        )

    def candidate(self, row, *, now, context):
        site = row.site
        return Candidate(
            subject_id=row.pk,
            site=site,
            due_on=row.expires_on,
            title=f"{row.course.code} of {row.person.display_name} expires {row.expires_on}",
            boundaries=expiry_boundaries(
                expires_on=row.expires_on,
                leads=LEADS,
                expired=True,
                clock=site.opens_at,
                zone=site.zone,
            ),
            row=row,
        )

    def still_current(self, notices):
        current = dict(
            _reminded()
            .filter(pk__in={n.subject_id for n in notices})
            .values_list("pk", "expires_on")
        )
        return {n.pk for n in notices if current.get(n.subject_id) == n.due_on}

    def describe(self, notices):
        rows = {
            r.pk: r
            for r in TrainingRecord.objects.filter(
                pk__in={n.subject_id for n in notices}
            ).select_related("site", "course", "person")
        }
        messages = {}
        for notice in notices:
            row = rows[notice.subject_id]
            expired = notice.stage == StageKind.EXPIRED
            verb = "expired on" if expired else "expires on"
            body = (
                f"{row.course.code} ({row.course.title}) of {row.person.display_name} at "
                f"{row.site.name} {verb} {row.expires_on:%Y-%m-%d}."
            )
            targets = Targets(users={row.person_id}, roles={Role.MANAGER})
            path = reverse("training:record", kwargs={"pk": row.pk})
            messages[notice.pk] = Message(targets=targets, body=body, path=path)
        return messages
