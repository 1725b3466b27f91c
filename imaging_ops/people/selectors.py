"""Reads about people that pages, the API and PDFs share."""

from datetime import datetime

from django.db.models import Q

from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.audit.selectors import HISTORY_LIMIT
from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent, Site, SiteMembership, User
from imaging_ops.vocabulary import Role


def person_history(person: User, memberships, *, limit: int = HISTORY_LIMIT) -> list[AuditEvent]:
    """Changes to the person's account and to the given roles of theirs, newest first, in one
    query.

    Sign-ins and other events about the account stay in the audit search.
    """
    account = Q(
        object_type=User._meta.label_lower,
        object_id=str(person.pk),
        action__in=[AuditAction.CREATE, AuditAction.UPDATE],
    )
    roles = Q(
        object_type=SiteMembership._meta.label_lower,
        object_id__in=[str(m.pk) for m in memberships],
    )
    return list(AuditEvent.objects.filter(account | roles).order_by("-seq")[:limit])


def managed_sites(user):
    """The sites where the person manages people, in code order (every site for admins)."""
    sites = Site.objects.order_by("code")
    managed = sites_where(user, Action.MANAGE_PEOPLE)
    if managed is ALL_SITES:
        return sites
    return sites.filter(pk__in=managed)


def managers_in_force(site, now: datetime) -> list[User]:
    """The people who manage the site now: an active manager role there, unexpired (in the
    site's time zone), on an active account; by username, in one query."""
    rows = (
        SiteMembership.objects.filter(site=site, role=Role.MANAGER)
        .in_force(site.today(now))
        .select_related("user")
        .order_by("user__username")
    )
    return [row.user for row in rows]
