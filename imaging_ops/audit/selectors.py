"""Reads of the shared core that pages, the API and PDFs share."""

from django.db.models import Q, QuerySet

from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.audit.trail import AuditAction
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
    """The newest events of one record (or of a record and its versions), in one query.

    What happened to the record, not who read it: an inspector's views of its page stay in the
    audit search and the managers' inspector activity page."""
    ids_by_type: dict[str, list[str]] = {}
    for obj in objs:
        ids_by_type.setdefault(obj._meta.label_lower, []).append(str(obj.pk))
    match = Q()
    for object_type, ids in ids_by_type.items():
        match |= Q(object_type=object_type, object_id__in=ids)
    if not match:
        return []
    events = AuditEvent.objects.filter(match).exclude(action=AuditAction.VIEW)
    return list(events.order_by("-seq")[:limit])


def chain_head() -> AuditChainHead:
    return AuditChainHead.objects.get(pk=1)
