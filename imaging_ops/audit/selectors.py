"""Reads of the shared core that pages, the API and PDFs share."""

from django.db.models import Q, QuerySet

from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.models import AuditChainHead, AuditEvent

HISTORY_LIMIT = 50


def audit_events_for(user) -> QuerySet:
    """The audit events a person may search: their sites where they may search the trail.

    System administrators see every event, including those that belong to no site.
    """
    events = AuditEvent.objects.select_related("site")
    searched = sites_where(user, Action.SEARCH_AUDIT)
    if searched is ALL_SITES:
        return events
    return events.filter(site_id__in=searched)


def history_for(*objs, limit: int = HISTORY_LIMIT) -> list[AuditEvent]:
    """The newest events of one record (or of a record and its versions), in one query."""
    ids_by_type: dict[str, list[str]] = {}
    for obj in objs:
        ids_by_type.setdefault(obj._meta.label_lower, []).append(str(obj.pk))
    match = Q()
    for object_type, ids in ids_by_type.items():
        match |= Q(object_type=object_type, object_id__in=ids)
    if not match:
        return []
    return list(AuditEvent.objects.filter(match).order_by("-seq")[:limit])


def chain_head() -> AuditChainHead:
    return AuditChainHead.objects.get(pk=1)
