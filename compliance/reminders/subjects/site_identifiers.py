"""Site licences, registrations, certificates and accreditations expiring: reminded 90, 60 and
30 days before `expires_on`, at the site's opening time, to the site's managers (and its RSO
for a radioactive materials licence). Renewing the identifier (a new expiry) cancels the rest."""

import datetime as dt

from django.urls import reverse

from compliance.models import SubjectKind
from compliance.reminders.stages import expiry_boundaries
from compliance.reminders.subjects.base import Candidate, Message, RowSubject, Targets
from imaging_ops.models import SiteIdentifier
from imaging_ops.vocabulary import IdentifierKind, Role

LEADS = (90, 60, 30)
# The widest lead, and a day either side for the sites' time zones.
HORIZON = dt.timedelta(days=max(LEADS) + 1)


class SiteIdentifierSubject(RowSubject):
    kind = SubjectKind.SITE_IDENTIFIER

    def rows(self, *, now):
        today = now.date()
        return SiteIdentifier.objects.filter(
            expires_on__gt=today - dt.timedelta(days=1), expires_on__lte=today + HORIZON
        ).select_related("site")

    def candidate(self, row, *, now, context):
        site = row.site
        return Candidate(
            subject_id=row.pk,
            site=site,
            due_on=row.expires_on,
            title=f"{row.get_kind_display()} {row.number} of {site.name} expires {row.expires_on}",
            boundaries=expiry_boundaries(
                expires_on=row.expires_on,
                leads=LEADS,
                expired=False,
                clock=site.opens_at,
                zone=site.zone,
            ),
            row=row,
        )

    def still_current(self, notices):
        rows = dict(
            SiteIdentifier.objects.filter(pk__in={n.subject_id for n in notices}).values_list(
                "pk", "expires_on"
            )
        )
        return {n.pk for n in notices if rows.get(n.subject_id) == n.due_on}

    def describe(self, notices):
        rows = {
            r.pk: r
            for r in SiteIdentifier.objects.filter(
                pk__in={n.subject_id for n in notices}
            ).select_related("site")
        }
        messages = {}
        for notice in notices:
            row = rows[notice.subject_id]
            roles = {Role.MANAGER}
            if row.kind == IdentifierKind.RADIOACTIVE_MATERIALS_LICENCE:
                roles.add(Role.RSO)
            body = (
                f"{row.get_kind_display()} {row.number} (issued by {row.issuer}) of "
                f"{row.site.name} expires on {row.expires_on:%Y-%m-%d}."
            )
            path = reverse("site_settings", kwargs={"site_code": row.site.code})
            messages[notice.pk] = Message(targets=Targets(roles=roles), body=body, path=path)
        return messages
