"""The catalog page's reads: the shipped catalog grouped by source, each procedure's library
row once loaded, and what the person's sites already use of it (their copies and how many
units each has scheduled), in a number of queries that does not grow with the data."""

from dataclasses import dataclass

from django.db.models import Count

from compliance.catalog.shipped import CatalogEntry, CatalogSource, shipped_catalog
from equipment.models import Procedure
from equipment.services.grants import may_edit_procedure
from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.models import Site


@dataclass(frozen=True)
class SiteUse:
    """One of the person's sites for one catalog procedure: its copy (None before it has one),
    the units scheduled on the copy, and whether the person may assign it there."""

    site: Site
    copy: Procedure | None
    units: int
    may_assign: bool


@dataclass(frozen=True)
class CatalogRow:
    entry: CatalogEntry
    library: Procedure | None  # None until `manage.py load_catalog` has loaded it
    sites: tuple[SiteUse, ...]


@dataclass(frozen=True)
class CatalogGroup:
    source: CatalogSource
    rows: tuple[CatalogRow, ...]


def catalog_sites(user) -> list[Site]:
    """The sites where the person edits procedures (every site for a system administrator)."""
    sites = sites_where(user, Action.EDIT_PROCEDURES)
    queryset = Site.objects.order_by("code")
    if sites is not ALL_SITES:
        queryset = queryset.filter(pk__in=sites)
    return list(queryset)


def loaded_library() -> dict[str, Procedure]:
    """The library procedures loaded from the catalog, by lower-cased catalog code."""
    procedures = Procedure.objects.filter(
        site__isnull=True, current_version__catalog_code__gt=""
    ).select_related("current_version")
    return {p.current_version.catalog_code.lower(): p for p in procedures}


def catalog_page(user, sites: list[Site]) -> list[CatalogGroup]:
    """The catalog by source for the person's `sites`: three queries whatever its size."""
    library = loaded_library()
    copies = (
        Procedure.objects.filter(copied_from__in=[p.pk for p in library.values()], site__in=sites)
        .select_related("current_version")
        .annotate(units=Count("schedules"))
    )
    by_original = {(c.copied_from_id, c.site_id): c for c in copies}
    groups = []
    for source in shipped_catalog():
        rows = []
        for entry in source.entries:
            original = library.get(entry.code.lower())
            uses = []
            for site in sites:
                copy = by_original.get((original.pk, site.pk)) if original else None
                target = copy or original
                uses.append(
                    SiteUse(
                        site=site,
                        copy=copy,
                        units=copy.units if copy else 0,
                        may_assign=target is not None
                        and may_edit_procedure(user, target, at_site=site.pk),
                    )
                )
            rows.append(CatalogRow(entry=entry, library=original, sites=tuple(uses)))
        groups.append(CatalogGroup(source=source, rows=tuple(rows)))
    return groups
