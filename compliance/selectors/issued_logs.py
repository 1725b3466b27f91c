"""Issued regulatory logs as the pages and the API read them: with their site, equipment,
requester and approver, without the stored snapshot (as large as the log itself)."""

from django.db.models import QuerySet

from compliance.models import RegulatoryLog
from imaging_ops.access.scoping import scope

# What a list or a log's page reads; the snapshot and the stamp only approval reads.
LIST_DEFERRED = ("snapshot", "stamp")


def issued_logs() -> QuerySet[RegulatoryLog]:
    """Every issued log, newest first, with what a row shows; scope it to the person's sites."""
    return (
        RegulatoryLog.objects.select_related("site", "equipment", "requested_by", "approved_by")
        .defer(*LIST_DEFERRED)
        .order_by("-generated_at", "-pk")
    )


def logs_of_site(user, site) -> QuerySet[RegulatoryLog]:
    """The logs issued at `site`, within `user`'s sites (none at another's)."""
    return scope(issued_logs(), user).filter(site=site)
