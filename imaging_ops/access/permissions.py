"""The one permission module: `can(user, action, site)` over the role matrix of DESIGN.md.

A cell is FULL, NONE, or a Limited grant naming the objects it covers. `can` answers whether any
of the user's roles at the site grants the action at all; conditions on a particular object
(a sealed source, a radiation procedure, one's own record) are checked by the service that owns
the object, through `grant_for`.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models

from imaging_ops.access.authority import memberships_in_force
from imaging_ops.vocabulary import Role


class Action(models.TextChoices):
    VIEW_RECORDS = "view_records", "View the site's records and download logs"
    EDIT_EQUIPMENT = "edit_equipment", "Create and edit equipment and locations"
    TAKE_OUT_OF_SERVICE = "take_out_of_service", "Take equipment out of service, report a fault"
    RETURN_TO_SERVICE = "return_to_service", "Return equipment to service (through the gate)"
    ADOPT_IN_SERVICE = "adopt_in_service", "Adopt equipment already in clinical use"
    EDIT_PROCEDURES = "edit_procedures", "Edit procedures, references and schedules"
    PERFORM_RECORDS = "perform_records", "Perform and sign records"
    REVIEW_RECORDS = "review_records", "Review records (never one's own)"
    AMEND_RECORDS = "amend_records", "Amend or void a record"
    MANAGE_WORK_ORDERS = "manage_work_orders", "Assign and verify work orders"
    CANCEL_WORK_ORDERS = "cancel_work_orders", "Cancel a work order"
    MANAGE_PEOPLE = "manage_people", "Manage the site's people"
    APPROVE_LOGS = "approve_logs", "Approve regulatory logs"
    SEARCH_AUDIT = "search_audit", "Search the audit trail"
    RECORD_TRAINING = "record_training", "Record training and sign as instructor"
    MANAGE_COURSES = "manage_courses", "Manage courses and training requirements"


@dataclass(frozen=True)
class Limited:
    """A grant that covers only some objects; the owning service checks which.

    A person with two limited roles at a site (a physicist who is also the RSO) holds both:
    grants combine with `|`, and `grant.includes(RADIATION_RECORDS)` asks about one of them.
    """

    covers: frozenset[str]

    @classmethod
    def of(cls, *covers: str) -> "Limited":
        return cls(frozenset(covers))

    def __or__(self, other: "Limited") -> "Limited":
        return self if other.covers <= self.covers else Limited(self.covers | other.covers)

    def includes(self, other: "Limited") -> bool:
        return other.covers <= self.covers

    def __str__(self) -> str:
        return ", ".join(sorted(self.covers))


FULL = True
NONE = False
SOURCES_AND_RESTRICTED_AREAS = Limited.of("sources, restricted areas")
RADIATION_PROCEDURES = Limited.of("radiation procedures")
RADIATION_RECORDS = Limited.of("radiation records")
OWN_BEFORE_REVIEW = Limited.of("own, before review")
PHYSICS_LOGS = Limited.of("physics logs")
RADIOACTIVE_MATERIALS_LOGS = Limited.of("radioactive-materials logs")
RADIATION_SAFETY_COURSES = Limited.of("radiation-safety courses")

T, P, R, M, I = Role.TECHNICIAN, Role.PHYSICIST, Role.RSO, Role.MANAGER, Role.INSPECTOR

# fmt: off
MATRIX: dict[str, dict[str, bool | Limited]] = {
    Action.VIEW_RECORDS:        {T: FULL, P: FULL, R: FULL, M: FULL, I: FULL},
    Action.EDIT_EQUIPMENT:      {T: NONE, P: FULL, R: SOURCES_AND_RESTRICTED_AREAS, M: FULL, I: NONE},
    Action.TAKE_OUT_OF_SERVICE: {T: FULL, P: FULL, R: FULL, M: FULL, I: NONE},
    Action.RETURN_TO_SERVICE:   {T: FULL, P: FULL, R: FULL, M: FULL, I: NONE},
    Action.ADOPT_IN_SERVICE:    {T: NONE, P: NONE, R: NONE, M: FULL, I: NONE},
    Action.EDIT_PROCEDURES:     {T: NONE, P: FULL, R: RADIATION_PROCEDURES, M: FULL, I: NONE},
    Action.PERFORM_RECORDS:     {T: FULL, P: FULL, R: FULL, M: FULL, I: NONE},
    Action.REVIEW_RECORDS:      {T: NONE, P: FULL, R: RADIATION_RECORDS, M: FULL, I: NONE},
    Action.AMEND_RECORDS:       {T: OWN_BEFORE_REVIEW, P: FULL, R: RADIATION_RECORDS, M: FULL, I: NONE},
    Action.MANAGE_WORK_ORDERS:  {T: NONE, P: FULL, R: NONE, M: FULL, I: NONE},
    Action.CANCEL_WORK_ORDERS:  {T: NONE, P: FULL, R: NONE, M: FULL, I: NONE},
    Action.MANAGE_PEOPLE:       {T: NONE, P: NONE, R: NONE, M: FULL, I: NONE},
    Action.APPROVE_LOGS:        {T: NONE, P: PHYSICS_LOGS, R: RADIOACTIVE_MATERIALS_LOGS, M: FULL, I: NONE},
    Action.SEARCH_AUDIT:        {T: NONE, P: FULL, R: FULL, M: FULL, I: FULL},
    Action.RECORD_TRAINING:     {T: FULL, P: FULL, R: FULL, M: FULL, I: NONE},
    Action.MANAGE_COURSES:      {T: NONE, P: NONE, R: RADIATION_SAFETY_COURSES, M: FULL, I: NONE},
}
# fmt: on

# Trainees act under supervision: they may view and perform, nothing that vouches for others.
TRAINEE_ACTIONS = frozenset({Action.VIEW_RECORDS, Action.PERFORM_RECORDS})


def _site_id(site) -> int:
    return site if isinstance(site, int) else site.pk


def grant_for(user, action: str, site) -> bool | Limited:
    """What the user's roles at the site grant together: FULL, NONE, or a Limited covering
    every limited grant they hold."""
    if not user.is_authenticated:
        return NONE
    if user.is_superuser:
        return FULL
    site_id = _site_id(site)
    best: bool | Limited = NONE
    for grant in memberships_in_force(user):
        if grant.site_id != site_id:
            continue
        if grant.is_trainee and action not in TRAINEE_ACTIONS:
            continue
        cell = MATRIX[action][grant.role]
        if cell is FULL:
            return FULL
        if isinstance(cell, Limited):
            best = cell if best is NONE else best | cell
    return best


def grants(grant, limited: Limited) -> bool:
    """Whether a grant from `grant_for`/`require` covers the objects `limited` names."""
    return grant is FULL or (isinstance(grant, Limited) and grant.includes(limited))


def can(user, action: str, site) -> bool:
    """Whether the user's roles at the site grant the action, fully or for some objects."""
    return grant_for(user, action, site) is not NONE


def require(user, action: str, site) -> bool | Limited:
    """The grant, or PermissionDenied with a sentence the person can read."""
    grant = grant_for(user, action, site)
    if grant is NONE:
        raise PermissionDenied(f"You are not allowed to {Action(action).label.lower()} here.")
    return grant


class AllSites:
    """Every site, those to come included: where a system administrator may do anything.

    It answers as a set of site ids does for truthiness, `in` and `<=`, so callers need no
    superuser case of their own; it cannot be listed, so a query that filters by it must ask
    `sites is ALL_SITES` first (and then not filter at all).
    """

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return True

    def __contains__(self, site_id) -> bool:
        return True

    def __ge__(self, other) -> bool:
        return isinstance(other, set | frozenset | AllSites)

    def __le__(self, other) -> bool:
        return isinstance(other, AllSites)

    def __iter__(self):
        raise TypeError("ALL_SITES cannot be listed: test `sites is ALL_SITES` and do not filter.")

    def __repr__(self) -> str:
        return "ALL_SITES"


ALL_SITES = AllSites()


def sites_where(user, action: str) -> frozenset[int] | AllSites:
    """The ids of the sites where the user may take the action (fully or limited), or
    ALL_SITES for a system administrator.

    One pass over the user's roles: the same answer as `can()` at each site.
    """
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return ALL_SITES
    return frozenset(
        g.site_id
        for g in memberships_in_force(user)
        if not (g.is_trainee and action not in TRAINEE_ACTIONS)
        and MATRIX[action][g.role] is not NONE
    )


__all__ = [
    "ALL_SITES",
    "FULL",
    "MATRIX",
    "NONE",
    "Action",
    "AllSites",
    "Limited",
    "can",
    "grant_for",
    "require",
    "sites_where",
]
