"""The work waiting for a person, for their home page: equipment out of service, equipment
awaiting acceptance that is theirs to accept, and the acceptance notes they left unsigned.

Each list reads a fixed number of queries however much equipment there is: the first `limit`
items, and one grouped count per site whose figure links to the equipment list filtered to
exactly those pieces.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, Subquery

from equipment.models import (
    AcceptanceNote,
    AcceptanceNoteVersion,
    Category,
    Equipment,
    EquipmentStatus,
)
from equipment.selectors.registry import out_of_service
from imaging_ops.access.authority import roles_at
from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.access.scoping import scope
from imaging_ops.models import Signature
from imaging_ops.vocabulary import Role

LIMIT = 20


@dataclass(frozen=True)
class SiteFigure:
    """How many pieces wait at one site, and the equipment-list filters that show them."""

    site_id: int
    site_code: str
    count: int
    filters: tuple[tuple[str, str], ...]

    @property
    def query(self) -> str:
        return urlencode(self.filters)


@dataclass(frozen=True)
class Waiting:
    """The first items of a list of work (iterating it gives them), and how many there are in
    all (by site, where the equipment list can show them)."""

    items: list
    count: int
    sites: tuple[SiteFigure, ...] = ()

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def more(self) -> int:
        return self.count - len(self.items)


def _figures(queryset, filters_at) -> tuple[SiteFigure, ...]:
    """One grouped count of `queryset` by site, each with the list filters that show exactly
    those pieces (`filters_at(site_id)`)."""
    rows = queryset.values("site_id", "site__code").annotate(n=Count("pk")).order_by("site__code")
    return tuple(
        SiteFigure(
            site_id=row["site_id"],
            site_code=row["site__code"],
            count=row["n"],
            filters=(*filters_at(row["site_id"]).items(), ("site", str(row["site_id"]))),
        )
        for row in rows
    )


def out_of_service_work(user, *, limit: int = LIMIT) -> Waiting:
    """The equipment out of service at the person's sites, most recently changed first."""
    broken = scope(Equipment.objects.filter(status=EquipmentStatus.OUT_OF_SERVICE), user)
    sites = _figures(broken, lambda site_id: {"status": EquipmentStatus.OUT_OF_SERVICE})
    return Waiting(
        items=list(out_of_service(user, limit=limit)),
        count=sum(site.count for site in sites),
        sites=sites,
    )


def _sources_only_sites(user) -> frozenset[int]:
    """The sites where the person records acceptance as radiation safety officer only: the
    RSO's grant covers sealed sources (and restricted areas), so their acceptance work there
    is the sealed sources. Elsewhere, all the equipment awaiting acceptance is theirs."""
    performs = sites_where(user, Action.PERFORM_RECORDS)
    if performs is ALL_SITES:  # a system administrator: every site, all of its equipment
        return frozenset()
    return frozenset(
        site_id for site_id in performs if roles_at(user, site_id) - {Role.INSPECTOR} == {Role.RSO}
    )


def acceptance_work(user, *, limit: int = LIMIT) -> Waiting:
    """Equipment awaiting acceptance that the person may record acceptance of, longest
    waiting first: at each site where they perform records, all of it; where they are only
    the radiation safety officer, the sealed sources."""
    performs = sites_where(user, Action.PERFORM_RECORDS)
    sources_only = _sources_only_sites(user)
    # Scoped first, as every read is; then narrowed to where they may record acceptance.
    mine = scope(Equipment.objects.filter(status=EquipmentStatus.AWAITING_ACCEPTANCE), user)
    if performs is not ALL_SITES:
        mine = mine.filter(
            Q(site_id__in=performs - sources_only)
            | Q(site_id__in=sources_only, category=Category.SEALED_SOURCE)
        )

    def filters_at(site_id: int) -> dict:
        sources = {"category": Category.SEALED_SOURCE} if site_id in sources_only else {}
        return {"status": EquipmentStatus.AWAITING_ACCEPTANCE, **sources}

    sites = _figures(mine, filters_at)
    # A note begun and not yet signed is finished, not started again: the page links to it.
    begun = _unsigned_notes().filter(equipment=OuterRef("pk")).order_by("pk").values("pk")[:1]
    items = (
        mine.annotate(unsigned_note_id=Subquery(begun))
        .select_related("site", "location")
        .order_by("created_at", "pk")[:limit]
    )
    return Waiting(items=list(items), count=sum(site.count for site in sites), sites=sites)


def _unsigned_notes():
    """Acceptance notes, not voided, whose current version nobody has signed."""
    signed = Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(AcceptanceNoteVersion),
        object_id=OuterRef("current_version_id"),
    )
    return AcceptanceNote.objects.filter(voided_at__isnull=True).exclude(Exists(signed))


def unsigned_drafts(user, *, limit: int = LIMIT) -> Waiting:
    """Acceptance notes at the person's sites whose current version they wrote and nobody
    has signed, not voided, oldest first."""
    drafts = scope(_unsigned_notes().filter(current_version__created_by=user), user)
    items = drafts.select_related("equipment__site", "current_version").order_by(
        "current_version__created_at", "pk"
    )[:limit]
    return Waiting(items=list(items), count=drafts.count())
