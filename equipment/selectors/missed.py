"""Reads of missed days (MissedOccurrence): the scoped list the missed-days page, its CSV and
the equipment page share, with what they show loaded in the same query."""

from django.db.models import QuerySet

from equipment.models import MissedOccurrence
from imaging_ops.access.scoping import scope


def missed_list(user) -> QuerySet:
    """Every missed day at the user's sites, newest first, with its equipment, site,
    procedure and who annotated it."""
    return (
        scope(MissedOccurrence.objects.all(), user)
        .select_related(
            "schedule__equipment__site",
            "schedule__equipment__location",
            "schedule__procedure__current_version",
            "annotated_by",
        )
        .order_by("-day", "schedule__equipment__asset_tag", "pk")
    )
