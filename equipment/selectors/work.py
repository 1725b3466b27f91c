"""The work waiting for a person, for their home page: their scheduled work ("My work") and
the missed days nobody has explained yet, equipment out of service, equipment awaiting
acceptance that is theirs to accept, and the acceptance notes they left unsigned.

Each list reads a fixed number of queries however much equipment there is: the first `limit`
items, and one grouped count per site whose figure links to the equipment list filtered to
exactly those pieces.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.urls import reverse

from equipment.models import (
    AcceptanceNote,
    AcceptanceNoteVersion,
    Category,
    Equipment,
    EquipmentStatus,
    MissedOccurrence,
    Procedure,
    Schedule,
)
from equipment.scheduling import DAILY_PRESETS, ScheduleStatus
from equipment.scheduling.site_days import local_date
from equipment.selectors.registry import out_of_service
from equipment.selectors.schedules import (
    schedule_status,
    scheduled,
    status_filter,
    with_status,
)
from equipment.services.schedules import move_clock
from imaging_ops.access.authority import roles_at
from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.access.scoping import scope
from imaging_ops.models import Signature, SiteClosure
from imaging_ops.sites.local_time import local_time_text
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


# --- My work: the schedules that are the person's, and the missed days to explain -------------

# What "My work" lists, most urgent first.
WORK_STATUSES = (
    ScheduleStatus.PAST_HARD_LIMIT,
    ScheduleStatus.OVERDUE,
    ScheduleStatus.DUE,
    ScheduleStatus.OPEN,
)
NEWEST_MISSED = 5
# What a row of "My work" shows of its schedule, joined.
SHOWN = ("equipment__site", "equipment__location", "procedure__current_version", "assignee")
# How far ahead a daily schedule's next clinical open day is looked for past closures.
CLOSURES_AHEAD = timedelta(days=31)


def _lists_any(lookup: str, roles) -> Q:
    """Rows whose JSON list at `lookup` holds one of `roles`."""
    condition = Q(pk__in=[])
    for role in sorted(roles):
        if connection.vendor == "postgresql":
            condition |= Q(**{f"{lookup}__contains": [role]})  # jsonb @>
        else:
            condition |= Q(**{f"{lookup}__icontains": f'"{role}"'})
    return condition


def work_for(user, *, prefix: str = "") -> Q:
    """The schedules (at `prefix`, e.g. "schedule__" from a missed day) that are the person's:
    assigned to them; assigned to a role they hold at the schedule's site; or assigned to
    nobody, where one of the procedure's performer roles is a role they hold there (a procedure
    that names none is anyone's who may perform records there). Roles count only at sites where
    they may perform records, so an inspector has no work."""
    mine = Q(**{f"{prefix}assignee": user})
    performs = sites_where(user, Action.PERFORM_RECORDS)
    if performs is ALL_SITES:  # a system administrator: anything assigned to nobody
        return mine | Q(**{f"{prefix}assignee__isnull": True, f"{prefix}assignee_role": ""})
    sites_by_roles = defaultdict(list)
    for site_id in performs:
        sites_by_roles[roles_at(user, site_id) - {Role.INSPECTOR}].append(site_id)
    for roles, site_ids in sites_by_roles.items():
        unassigned = Q(**{f"{prefix}assignee__isnull": True, f"{prefix}assignee_role": ""})
        theirs = _performed_by(roles, sorted(site_ids))
        mine |= Q(**{f"{prefix}site_id__in": sorted(site_ids)}) & (
            Q(**{f"{prefix}assignee_role__in": sorted(roles)})
            | (unassigned & Q(**{f"{prefix}procedure_id__in": theirs}))
        )
    return mine


def _performed_by(roles, site_ids):
    """The procedures of these sites (and the library) whose current version names one of
    `roles` among its performers, or names none, as a subquery: read once per query, so the
    work queries need not join each schedule to its procedure's version."""
    performers = "current_version__performer_roles"
    anyones = Q(**{performers: []}) | Q(**{f"{performers}__isnull": True})
    return (
        Procedure.objects.filter(Q(site_id__in=site_ids) | Q(site__isnull=True))
        .filter(anyones | _lists_any(performers, roles))
        .values("pk")
    )


@dataclass(frozen=True)
class WorkRow:
    """One schedule as "My work" shows it: due in its site's own time, with its status."""

    schedule: Schedule
    status: str
    due: str
    due_today: bool

    @property
    def status_label(self) -> str:
        return ScheduleStatus(self.status).label

    @property
    def daily(self) -> bool:
        return self.schedule.preset in DAILY_PRESETS


@dataclass(frozen=True)
class StatusFigure:
    status: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class MyWork:
    """The first rows of the person's work, most urgent first, how many there are in each
    status (each figure a link to the schedule list filtered the same way), and, when nothing
    is open, what comes next."""

    rows: list[WorkRow]
    figures: tuple[StatusFigure, ...]
    url: str
    missed: Waiting
    next_up: WorkRow | None = None

    @property
    def count(self) -> int:
        return sum(figure.count for figure in self.figures)

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def _schedule_list_url(*statuses: str) -> str:
    query = urlencode([("mine", "true"), *(("status", s) for s in statuses)])
    return f"{reverse('equipment:schedules')}?{query}"


def _urgency():
    return Case(
        *(When(state=status, then=Value(rank)) for rank, status in enumerate(WORK_STATUSES)),
        default=Value(len(WORK_STATUSES)),
        output_field=IntegerField(),
    )


def _row(schedule: Schedule, *, now: datetime, status: str) -> WorkRow:
    site = schedule.equipment.site
    return WorkRow(
        schedule=schedule,
        status=status,
        due=local_time_text(schedule.next_due, site.zone),
        due_today=local_date(schedule.next_due, site) == site.today(now),
    )


def _todays_occurrences(schedules: list[Schedule], *, now: datetime) -> None:
    """Daily and day-of-use work is today's occurrence: a daily schedule still on a finished
    day (the roll-over has not reached it yet; it writes that day as missed) is shown on its
    clock as the roll-over will leave it, in memory only; one query for their sites' closures."""
    stale = [
        s
        for s in schedules
        if s.preset in DAILY_PRESETS
        and local_date(s.next_due, s.equipment.site) < s.equipment.site.today(now)
    ]
    if not stale:
        return
    earliest = min(s.equipment.site.today(now) for s in stale)
    closures = defaultdict(set)
    for site_id, day in (
        SiteClosure.objects.in_force()
        .filter(
            site_id__in={s.equipment.site_id for s in stale},
            date__gte=earliest,
            date__lte=earliest + CLOSURES_AHEAD,
        )
        .values_list("site_id", "date")
    ):
        closures[site_id].add(day)
    for schedule in stale:
        move_clock(schedule, now=now, closures=frozenset(closures[schedule.equipment.site_id]))


def my_work(
    user, *, now: datetime, limit: int = LIMIT, missed_limit: int = NEWEST_MISSED
) -> MyWork:
    """The person's scheduled work at their sites that is in its window, due, overdue or past
    its hard limit: the first `limit`, most urgent first (then soonest due), a count per
    status, and the `missed_limit` newest of their missed days nobody has explained yet with
    how many there are. A fixed number of queries however many schedules there are."""
    theirs = scheduled(user, now=now).filter(work_for(user))
    open_work = theirs.filter(status_filter(WORK_STATUSES, now=now))
    # The first `limit` are picked on the schedule's own columns, then only they are joined to
    # what the rows show (equipment, site, room, procedure, assignee).
    first = (
        open_work.annotate(urgency=_urgency())
        .order_by("urgency", "next_due", "pk")
        .values("pk")[:limit]
    )
    # The outer query only joins them: the ids are already theirs and in scope, and the rows
    # are put in order below, on their status in Python.
    schedules = list(
        Schedule.objects.filter(pk__in=Subquery(first)).select_related(*SHOWN).order_by()
    )
    _todays_occurrences(schedules, now=now)
    rank = {status: n for n, status in enumerate(WORK_STATUSES)}
    rows = sorted(
        (_row(s, now=now, status=schedule_status(s, now=now)) for s in schedules),
        key=lambda row: (rank.get(row.status, len(rank)), row.schedule.next_due, row.schedule.pk),
    )
    rows = [row for row in rows if row.status in rank]
    # One pass over their schedules counts each status and the missed days left unexplained.
    # One pass over their schedules, grouped by status: how many in each, and their missed
    # days left unexplained.
    groups = (
        with_status(scope(Schedule.objects.all(), user).filter(work_for(user)), now=now)
        .order_by()
        .values("state")
        .annotate(
            n=Count("pk", distinct=True), missed=Count("missed", filter=Q(missed__annotation=""))
        )
    )
    found = {row["state"]: row["n"] for row in groups}
    unexplained = sum(row["missed"] for row in groups)
    figures = tuple(
        StatusFigure(
            status, ScheduleStatus(status).label, found.get(status, 0), _schedule_list_url(status)
        )
        for status in WORK_STATUSES
    )
    missed = Waiting(
        items=_newest_missed(user, now=now, limit=missed_limit, count=unexplained),
        count=unexplained,
    )
    next_up = None
    if not rows:
        upcoming = theirs.filter(status_filter([ScheduleStatus.UPCOMING], now=now)).first()
        if upcoming is not None:
            next_up = _row(upcoming, now=now, status=upcoming.state)
    return MyWork(
        rows=rows,
        figures=figures,
        url=_schedule_list_url(*WORK_STATUSES),
        missed=missed,
        next_up=next_up,
    )


# The newest missed days are looked for among the last two weeks' first.
RECENT_MISSED = timedelta(days=14)


def _newest_missed(user, *, now: datetime, limit: int, count: int) -> list:
    """The `limit` newest of the person's `count` unexplained missed days: from the last two
    weeks (one short query), and from all of them only when those are fewer than asked while
    more exist."""
    if not count:
        return []
    missed = (
        scope(MissedOccurrence.objects.filter(annotation=""), user)
        .filter(work_for(user, prefix="schedule__"))
        .select_related("schedule__equipment__site", "schedule__procedure__current_version")
        .order_by("-day", "schedule__equipment__asset_tag", "pk")
    )
    recent = list(missed.filter(day__gte=(now - RECENT_MISSED).date())[:limit])
    if len(recent) >= min(limit, count):
        return recent
    return list(missed[:limit])


def unannotated_missed(user, *, equipment, limit: int = NEWEST_MISSED) -> Waiting:
    """The missed days of one piece of equipment nobody has explained yet, newest first, if it
    is at the person's sites ("My work" has the person's own). One query."""
    missed = scope(
        MissedOccurrence.objects.filter(annotation="", schedule__equipment=equipment), user
    )
    # The count rides on the rows (a window over the whole filtered set): one pass, not two.
    items = list(
        missed.select_related("schedule__equipment__site", "schedule__procedure__current_version")
        .annotate(total=Window(Count("pk")))
        .order_by("-day", "schedule__equipment__asset_tag", "pk")[:limit]
    )
    return Waiting(items=items, count=items[0].total if items else 0)
