"""Reads of procedures: the ones a person sees (their sites' own and the organisation library),
one procedure with its versions and checks, the library's newer version of a site's copy, and
which units an assignment to a whole modality would reach.

Every list loads what it shows in a fixed number of queries, however many procedures, checks or
schedules there are.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from equipment.filters import with_modality
from equipment.models import (
    Check,
    Equipment,
    EquipmentStatus,
    Procedure,
    ProcedureVersion,
    Schedule,
)
from imaging_ops.access.authority import user_site_ids
from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.access.scoping import scope
from imaging_ops.models import Site, SiteMembership, User
from imaging_ops.vocabulary import ASSIGNABLE_ROLES


def visible_procedures(user) -> QuerySet:
    """The procedures of the user's sites and the whole organisation library (which everyone
    signed in may read); another site's procedure is not among them, so it answers 404."""
    procedures = Procedure.objects.all()
    if not user.is_authenticated:
        return procedures.none()
    if user.is_superuser:
        return procedures
    return procedures.filter(Q(site__isnull=True) | Q(site__in=user_site_ids(user)))


def _count(queryset: QuerySet, field: str) -> Coalesce:
    counted = queryset.order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _first_version_at() -> Subquery:
    first = ProcedureVersion.objects.filter(procedure=OuterRef("pk"), number=1)
    return Subquery(first.values("created_at")[:1])


def procedure_list(user) -> QuerySet:
    """The procedures a person sees, each with its current version, its original (for a copy),
    how many checks and schedules it has, when it was made, and (for a library procedure)
    whether one of the person's sites holds a copy; library first, then by site and code."""
    sites = user_site_ids(user)
    copies = Procedure.objects.filter(copied_from=OuterRef("pk"))
    if not user.is_superuser:
        copies = copies.filter(site__in=sites)
    checks = Check.objects.filter(version=OuterRef("current_version"))
    schedules = Schedule.objects.filter(procedure=OuterRef("pk"))
    return (
        visible_procedures(user)
        .select_related("site", "current_version", "copied_from__current_version")
        .annotate(
            check_count=_count(checks, "version"),
            schedule_count=_count(schedules, "procedure"),
            created_at=_first_version_at(),
            copied_at_my_sites=Exists(copies),
        )
        .order_by("site__code", "code", "pk")
    )


def procedure_page(user) -> QuerySet:
    """One procedure as its page shows it: every version with its author, the current
    version's checks in order, and the original of a copy."""
    return (
        visible_procedures(user)
        .select_related("site", "current_version", "copied_from__current_version")
        .prefetch_related(
            Prefetch("versions", queryset=ProcedureVersion.objects.select_related("created_by")),
            Prefetch(
                "current_version__checks",
                queryset=Check.objects.order_by("position"),
                to_attr="rows",
            ),
        )
    )


def newer_in_library(procedure: Procedure, *, copied_at=None):
    """The library's current version when it was made after this site's copy (so the copy may
    be behind it), else None. `copied_at`: when the copy was made, if already known."""
    original = procedure.copied_from
    if original is None or original.current_version is None:
        return None
    if copied_at is None:
        first = min(procedure.versions.all(), key=lambda version: version.number, default=None)
        copied_at = first.created_at if first else None
    if copied_at is None or original.current_version.created_at <= copied_at:
        return None
    return original.current_version


def copies_at_my_sites(user, procedure: Procedure) -> list[Procedure]:
    """The copies of a library procedure at the person's sites."""
    return list(scope(procedure.copies.select_related("site"), user).order_by("site__code"))


def copy_sites(user, procedure: Procedure) -> list[Site]:
    """The sites where the person may edit procedures and that hold no copy of this library
    procedure yet: where it can be copied to (whether the RSO's grant covers its kind is the
    grant's to say, per site)."""
    if not procedure.is_library:
        return []
    sites = sites_where(user, Action.EDIT_PROCEDURES)
    queryset = Site.objects.exclude(procedures__copied_from=procedure).order_by("code")
    if sites is not ALL_SITES:
        queryset = queryset.filter(pk__in=sites)
    return list(queryset)


# --- assigning a procedure to every unit of a modality --------------------------------------

INACTIVE = {
    EquipmentStatus.RETIRED: "Retired: retired equipment gets no new schedules.",
    EquipmentStatus.DISPOSED: "Disposed: disposed equipment gets no new schedules.",
}
ALREADY_SCHEDULED = "Already has a schedule for this procedure."


@dataclass(frozen=True)
class Skipped:
    equipment: Equipment
    reason: str


@dataclass(frozen=True)
class AssignmentPlan:
    """The units an assignment reaches: those that will get a schedule, and those skipped with
    the reason."""

    create: tuple[Equipment, ...]
    skipped: tuple[Skipped, ...]


def assignment_units(procedure: Procedure, *, site, modality: str | None) -> QuerySet:
    """The site's equipment the assignment is about: of `modality` (when given) and of the
    procedure's equipment categories (when it names any), each marked `scheduled` when it
    already has a schedule for the procedure; by asset tag."""
    units = Equipment.objects.filter(site=site).select_related("site", "location")
    if modality:
        units = with_modality(units, modality)
    categories = procedure.current_version.categories if procedure.current_version else []
    if categories:
        units = units.filter(category__in=categories)
    scheduled = Schedule.objects.filter(equipment=OuterRef("pk"), procedure=procedure)
    return units.annotate(scheduled=Exists(scheduled)).order_by("asset_tag", "pk")


def assignment_plan(procedure: Procedure, *, site, modality: str | None) -> AssignmentPlan:
    """Which units would get a schedule of the procedure, and which are skipped and why: a unit
    that already has one, and retired or disposed equipment. One query."""
    create, skipped = [], []
    for unit in assignment_units(procedure, site=site, modality=modality):
        if unit.scheduled:
            skipped.append(Skipped(unit, ALREADY_SCHEDULED))
        elif unit.status in INACTIVE:
            skipped.append(Skipped(unit, INACTIVE[unit.status]))
        else:
            create.append(unit)
    return AssignmentPlan(create=tuple(create), skipped=tuple(skipped))


def assignable_people(site, *, now) -> QuerySet:
    """The people who may be given a site's work: a role in force there, other than inspector."""
    roles = SiteMembership.objects.in_force(site.today(now)).filter(
        site=site, role__in=ASSIGNABLE_ROLES
    )
    return User.objects.filter(pk__in=roles.values("user")).order_by("full_name", "username")
