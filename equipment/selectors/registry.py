"""Reads of the equipment register shared by pages, the API and PDFs: the fleet by status."""

from django.db.models import Count

from equipment.models import Equipment, EquipmentStatus
from imaging_ops.access.scoping import scope
from imaging_ops.models import Site


def status_by_site(user) -> list[dict]:
    """For each of the user's sites, by code: the site, its equipment in total and in each
    status (zeros included), from one grouped count."""
    counts = (
        scope(Equipment.objects.all(), user)
        .values("site_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sites = {site.pk: site for site in scope(Site.objects.all(), user)}
    table = {
        pk: {"site": site, "total": 0, **dict.fromkeys(EquipmentStatus.values, 0)}
        for pk, site in sites.items()
    }
    for row in counts:
        table[row["site_id"]][row["status"]] = row["n"]
        table[row["site_id"]]["total"] += row["n"]
    return [table[pk] for pk in sorted(table, key=lambda pk: sites[pk].code)]


def out_of_service(user, *, limit: int = 20):
    """The user's equipment out of service, most recently changed first."""
    return (
        scope(Equipment.objects.all(), user)
        .filter(status=EquipmentStatus.OUT_OF_SERVICE)
        .select_related("site", "location")
        .order_by("-updated_at")[:limit]
    )
