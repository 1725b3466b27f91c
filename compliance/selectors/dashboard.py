"""The managers' compliance dashboard: one selector per figure, each an SQL aggregate over the
stored columns (the schedules' timeline, the records' outcome and timeliness, the equipment's
status history, the work orders' states and times), so the page, the API and the PDFs run the
same few queries for ten pieces of equipment or ten thousand.

Every selector takes a `DashboardScope`: the person, the sites they manage (narrowed to one by
the site filter), a modality or none, the period and "now", read once. The definitions are in
docs/dashboard.md; each is said once, here.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least

from compliance.figure_cache import cached_figure
from equipment.limits import Outcome
from equipment.models import (
    OPEN_STATES,
    CompletionMonth,
    Equipment,
    EquipmentStatus,
    EquipmentStatusChange,
    Schedule,
    ServiceRecord,
    WorkOrder,
    WorkOrderPriority,
    WorkOrderState,
)
from equipment.scheduling import ON_TIME, ScheduleStatus
from equipment.selectors.schedules import status_filter, with_status
from equipment.services.rollups import counted_completions
from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.access.scoping import scope
from imaging_ops.access.site_paths import scope_lookup
from imaging_ops.models import Site, SiteIdentifier, SiteMembership
from imaging_ops.vocabulary import Role
from training.models import RequirementBasis

OVERDUE = (ScheduleStatus.OVERDUE, ScheduleStatus.PAST_HARD_LIMIT)
# The fleet a figure counts: equipment awaiting acceptance, retired or disposed is not in use.
FLEET = (EquipmentStatus.IN_SERVICE, EquipmentStatus.OUT_OF_SERVICE)
INACTIVE_EQUIPMENT = (EquipmentStatus.RETIRED, EquipmentStatus.DISPOSED)
DUE_SOON_DAYS = 30
EXPIRY_DAYS = 90
MONTHS = 12
# Open work orders by age, in days since they were opened: [0, 7), [7, 30), 30 and over.
AGE_BANDS = ((0, 7), (7, 30), (30, None))

# How a figure names equipment without a modality (sealed sources, instruments, rooms).
NO_MODALITY = "No modality"


@dataclass(frozen=True)
class DashboardScope:
    """Whose dashboard, over which sites, modality and period, at which moment."""

    user: object
    site_ids: frozenset[int] | object  # or ALL_SITES
    modality: str
    start: datetime
    end: datetime
    now: datetime

    @property
    def period_length(self) -> timedelta:
        return self.end - self.start


def managed_site_ids(user):
    """The sites whose dashboard the person sees: where they manage (ALL_SITES for an admin)."""
    return sites_where(user, Action.MANAGE_PEOPLE)


def _scoped(queryset: QuerySet, scope_: DashboardScope, *, modality_path: str | None) -> QuerySet:
    """The rows at the user's sites (the shared `scope()`), narrowed to the dashboard's sites and,
    where the rows have a machine, to its modality."""
    queryset = scope(queryset, scope_.user)
    if scope_.site_ids is not ALL_SITES:
        queryset = queryset.filter(
            **{f"{scope_lookup(queryset.model)}__in": sorted(scope_.site_ids)}
        )
    if modality_path and scope_.modality:
        queryset = queryset.filter(**{modality_path: scope_.modality})
    return queryset


def active_schedules(scope_: DashboardScope) -> QuerySet:
    """Schedules that keep a clock today: not paused, on equipment not retired or disposed."""
    return (
        _scoped(Schedule.objects.all(), scope_, modality_path="equipment__modality")
        .filter(paused=False)
        .exclude(equipment__status__in=INACTIVE_EQUIPMENT)
    )


# --- Compliance now ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceRow:
    key: object  # a site id or a modality code
    label: str
    total: int
    overdue: int

    @property
    def compliant(self) -> int:
        return self.total - self.overdue

    @property
    def share(self) -> float | None:
        """The share of active schedules not overdue, 0 to 1 (None without schedules)."""
        return self.compliant / self.total if self.total else None


def compliance_counts(scope_: DashboardScope) -> list[dict]:
    """Active schedules, those overdue (or past their hard limit) at `now` and those due soon
    (`due_soon`'s), by site and the equipment's primary modality: one pass over the schedules
    that the figures fold."""
    overdue = status_filter(OVERDUE, now=scope_.now)
    rows = list(
        active_schedules(scope_)
        .order_by()
        .values("site_id", "equipment__modality")
        .annotate(
            total=Count("pk"),
            overdue=Count("pk", filter=overdue),
            due_soon=Count("pk", filter=_due_soon(scope_, DUE_SOON_DAYS)),
        )
    )
    # The sites' codes are read apart: grouping the schedules by code too took a third longer.
    codes = dict(Site.objects.filter(pk__in={r["site_id"] for r in rows}).values_list("pk", "code"))
    for row in rows:
        row["site__code"] = codes[row["site_id"]]
    return rows


def _folded(counts: list[dict], key: str, label: str) -> list[ComplianceRow]:
    totals: dict = {}
    for row in counts:
        entry = totals.setdefault(row[key], [row[label], 0, 0])
        entry[1] += row["total"]
        entry[2] += row["overdue"]
    rows = [ComplianceRow(k, name or NO_MODALITY, t, o) for k, (name, t, o) in totals.items()]
    return sorted(rows, key=lambda r: (r.label if r.key else "", str(r.key)))


def compliance_by_site(scope_: DashboardScope, counts: list[dict] | None = None):
    """The compliance counts by site, in site code order."""
    return _folded(compliance_counts(scope_) if counts is None else counts, "site_id", "site__code")


def compliance_by_modality(scope_: DashboardScope, counts: list[dict] | None = None):
    """The same, by the equipment's primary modality (equipment without one first)."""
    counts = compliance_counts(scope_) if counts is None else counts
    return _folded(counts, "equipment__modality", "equipment__modality")


# --- On-time completion ------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    month: datetime  # the first moment of the month, UTC
    total: int
    on_time: int

    @property
    def share(self) -> float | None:
        return self.on_time / self.total if self.total else None


def first_months(now: datetime, count: int = MONTHS) -> list[datetime]:
    """The first moments (UTC) of the `count` calendar months ending with now's, oldest first."""
    year, month = now.astimezone(UTC).year, now.astimezone(UTC).month
    months = []
    for _ in range(count):
        months.append(datetime(year, month, 1, tzinfo=UTC))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def on_time_by_month(scope_: DashboardScope) -> list[MonthRow]:
    """Scheduled completions that count (signed, not voided) per UTC calendar month over the
    last twelve months, and how many of them were on time; every month listed, empty ones too.

    Read from the monthly figures the record service keeps (`CompletionMonth`, by site and
    primary modality), not from the year's records: the same counts, a few thousand rows."""
    months = first_months(scope_.now)
    rows = (
        _scoped(CompletionMonth.objects.all(), scope_, modality_path="modality")
        .filter(month__gte=months[0].date(), month__lte=months[-1].date())
        .order_by("month")
        .values("month")
        .annotate(total=Sum("total"), on_time=Sum("on_time"))
    )
    found = {_as_utc(r["month"]): r for r in rows}
    return [
        MonthRow(m, found.get(m, {}).get("total") or 0, found.get(m, {}).get("on_time") or 0)
        for m in months
    ]


def _as_utc(moment) -> datetime:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


# --- Overdue and upcoming work -----------------------------------------------------------------


def _work(queryset: QuerySet, scope_: DashboardScope) -> QuerySet:
    return with_status(
        queryset.select_related(
            "site", "equipment__site", "procedure__current_version", "assignee"
        ),
        now=scope_.now,
    )


def overdue_work(scope_: DashboardScope) -> QuerySet:
    """Active schedules overdue or past their hard limit at `now`, the longest overdue first,
    with their assignee."""
    queryset = active_schedules(scope_).filter(status_filter(OVERDUE, now=scope_.now))
    return _work(queryset, scope_).order_by("overdue_at", "pk")


def _due_soon(scope_: DashboardScope, days: int) -> Q:
    return Q(next_due__lt=scope_.now + timedelta(days=days)) & ~status_filter(
        OVERDUE, now=scope_.now
    )


def due_soon(scope_: DashboardScope, days: int = DUE_SOON_DAYS) -> QuerySet:
    """Active schedules not yet overdue that fall due within `days` of `now`, soonest first."""
    queryset = active_schedules(scope_).filter(_due_soon(scope_, days))
    return _work(queryset, scope_).order_by("next_due", "pk")


def due_date_overview(scope_: DashboardScope) -> QuerySet:
    """Every active schedule of the filtered equipment with its next due and status (`state`)."""
    return _work(active_schedules(scope_), scope_)


# --- Equipment: out of service, downtime, availability -----------------------------------------


@dataclass(frozen=True)
class AvailabilityRow:
    modality: str
    units: int
    out_of_service: int
    downtime: timedelta
    period: timedelta

    @property
    def availability(self) -> float | None:
        """The share of the fleet's time in the period not spent out of service."""
        possible = self.period * self.units
        if not possible:
            return None
        return max(0.0, 1 - self.downtime / possible)


def _downtime_by_modality(scope_: DashboardScope) -> dict[str, timedelta]:
    """Time out of service within the period, summed per modality in one query: each change to
    out of service lasts until the machine's next status change (its `ended_at`, or the
    period's end), clipped to the period."""
    start, end = scope_.start, min(scope_.end, scope_.now)
    until = Coalesce("ended_at", Value(end), output_field=DateTimeField())
    overlap = ExpressionWrapper(
        Least(until, Value(end, output_field=DateTimeField()))
        - Greatest(F("changed_at"), Value(start, output_field=DateTimeField())),
        output_field=DurationField(),
    )
    rows = (
        _scoped(EquipmentStatusChange.objects.all(), scope_, modality_path="equipment__modality")
        .filter(to_status=EquipmentStatus.OUT_OF_SERVICE, changed_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .exclude(equipment__status__in=INACTIVE_EQUIPMENT)
        .annotate(until=until)
        .order_by()
        .values("equipment__modality")
        .annotate(downtime=Sum(overlap))
    )
    return {r["equipment__modality"]: r["downtime"] or timedelta() for r in rows}


def availability_by_modality(scope_: DashboardScope) -> list[AvailabilityRow]:
    """Per modality: the units in use (in or out of service), those out of service now, their
    downtime in the period, and availability = 1 - downtime / (units times the period's length)."""
    units = (
        _scoped(Equipment.objects.all(), scope_, modality_path="modality")
        .filter(status__in=FLEET)
        .order_by("modality")
        .values("modality")
        .annotate(
            units=Count("pk"),
            out=Count("pk", filter=Q(status=EquipmentStatus.OUT_OF_SERVICE)),
        )
    )
    downtime = _downtime_by_modality(scope_)
    period = min(scope_.end, scope_.now) - scope_.start
    return [
        AvailabilityRow(
            r["modality"] or NO_MODALITY,
            r["units"],
            r["out"],
            min(downtime.get(r["modality"], timedelta()), period * r["units"]),
            period,
        )
        for r in units
    ]


# --- Work orders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkOrderRow:
    priority: str
    label: str
    by_age: tuple[int, ...]  # one count per AGE_BANDS entry

    @property
    def total(self) -> int:
        return sum(self.by_age)


def _open_work_orders(scope_: DashboardScope) -> QuerySet:
    """Open work orders: not verified or cancelled."""
    return _scoped(WorkOrder.objects.all(), scope_, modality_path="equipment__modality").filter(
        state__in=sorted(OPEN_STATES)
    )


def open_work_orders_by_priority(scope_: DashboardScope) -> list[WorkOrderRow]:
    """Open work orders (not verified or cancelled) by priority and age band, in one query."""

    def band(low, high):
        condition = Q(opened_at__lte=scope_.now - timedelta(days=low))
        if high is not None:
            condition &= Q(opened_at__gt=scope_.now - timedelta(days=high))
        return Count("pk", filter=condition)

    counts = {f"age_{i}": band(low, high) for i, (low, high) in enumerate(AGE_BANDS)}
    rows = _open_work_orders(scope_).order_by().values("priority").annotate(**counts)
    found = {r["priority"]: r for r in rows}
    return [
        WorkOrderRow(
            value,
            label,
            tuple(found.get(value, {}).get(f"age_{i}", 0) for i in range(len(AGE_BANDS))),
        )
        for value, label in WorkOrderPriority.choices
    ]


@dataclass(frozen=True)
class RepairTime:
    repairs: int
    mean: timedelta | None


def mean_time_to_repair(scope_: DashboardScope) -> RepairTime:
    """Work orders verified in the period, and their mean time from opening to verification."""
    duration = ExpressionWrapper(F("closed_at") - F("opened_at"), output_field=DurationField())
    row = (
        _scoped(WorkOrder.objects.all(), scope_, modality_path="equipment__modality")
        .filter(
            state=WorkOrderState.VERIFIED,
            closed_at__gte=scope_.start,
            closed_at__lt=scope_.end,
        )
        .aggregate(repairs=Count("pk"), mean=Avg(duration))
    )
    mean = row["mean"]
    if mean is not None and not isinstance(mean, timedelta):
        mean = timedelta(microseconds=float(mean))
    return RepairTime(row["repairs"], mean)


# --- Failures, identifiers ---------------------------------------------------------------------


@dataclass(frozen=True)
class FailureRow:
    modality: str
    failures: int


def _failures(scope_: DashboardScope) -> QuerySet:
    """Records that count, performed in the period, whose outcome is action level."""
    return _scoped(ServiceRecord.objects.all(), scope_, modality_path="equipment__modality").filter(
        counts=True,
        outcome=Outcome.ACTION,
        performed_at__gte=scope_.start,
        performed_at__lt=scope_.end,
    )


def action_failures(scope_: DashboardScope) -> list[FailureRow]:
    """Records that count, performed in the period, whose outcome is action level, by modality."""
    rows = (
        _failures(scope_)
        .order_by("equipment__modality")
        .values("equipment__modality")
        .annotate(failures=Count("pk"))
    )
    return [FailureRow(r["equipment__modality"] or NO_MODALITY, r["failures"]) for r in rows]


def expiring_identifiers(scope_: DashboardScope, days: int = EXPIRY_DAYS) -> QuerySet:
    """The sites' licences, registrations, certificates and accreditations that expire within
    `days` of today (UTC) or have already expired, soonest first."""
    until = scope_.now.date() + timedelta(days=days)
    return (
        _scoped(SiteIdentifier.objects.all(), scope_, modality_path=None)
        .filter(expires_on__isnull=False, expires_on__lte=until)
        .select_related("site")
        .order_by("expires_on", "site__code", "pk")
    )


# --- Training ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingRow:
    site_id: int
    label: str
    required: int
    current: int

    @property
    def share(self) -> float | None:
        """The share of required qualifications that are current (None when none is required)."""
        return self.current / self.required if self.required else None


# The required qualifications of the scoped memberships (`m`: site, person, role), each (site,
# person, course) once, left-joined to the (person, course) pairs with a current record: one
# pass over each table, hashed, where a subquery per person would probe the records thousands
# of times. Written as SQL around the scoped memberships' own query, so `scope()` still decides
# whose rows these are.
TRAINING_SQL = """
    WITH m AS ({members}),
    q AS (
        SELECT DISTINCT m.site_id, m.user_id, r.course_id
        FROM m JOIN training_requirement r ON r.site_id = m.site_id AND r.retired_at IS NULL
        WHERE (r.basis <> %s OR r.role = m.role) {modality}
    ),
    c AS (
        SELECT DISTINCT person_id, course_id FROM training_trainingrecord
        WHERE counts AND completed_on <= %s AND (expires_on IS NULL OR expires_on >= %s)
    ),
    per_site AS (
        SELECT q.site_id, count(*) AS required, count(c.person_id) AS current
        FROM q LEFT JOIN c ON c.person_id = q.user_id AND c.course_id = q.course_id
        GROUP BY q.site_id
    )
    SELECT p.site_id, s.code, p.required, p.current
    FROM per_site p JOIN imaging_ops_site s ON s.id = p.site_id
    ORDER BY s.code, p.site_id
"""


def training_by_site(scope_: DashboardScope) -> list[TrainingRow]:
    """Per site: the qualifications required of its people (each person with a role in force
    there, inspectors aside, times each course a requirement in force asks of them: for their
    role, or for a modality or area class, as the competency matrix counts) and how many of
    them are current today (UTC): a record that counts, completed by today, not expired. With
    a modality, only that modality's requirements. One query: counted per site first, and only
    then joined to the sites' codes (sorting its tens of thousands of pairs by code spilled to
    disk). Kept in the figure cache until a training record, requirement, course, account or
    membership is saved (compliance.figure_cache), or for five minutes."""
    on = scope_.now.date()
    sites = None if scope_.site_ids is ALL_SITES else tuple(sorted(scope_.site_ids))
    parts = (scope_.user.pk, sites, scope_.modality, on.isoformat())
    return cached_figure("training", parts, lambda: _training_by_site(scope_, on))


def _training_by_site(scope_: DashboardScope, on) -> list[TrainingRow]:
    members = (
        _scoped(
            SiteMembership.objects.in_force(on).exclude(role=Role.INSPECTOR),
            scope_,
            modality_path=None,
        )
        .order_by()
        .values("site_id", "user_id", "role")
    )
    members_sql, members_params = members.query.sql_with_params()
    modality, modality_params = "", []
    if scope_.modality:
        modality = "AND r.basis = %s AND r.modality = %s"
        modality_params = [RequirementBasis.MODALITY, scope_.modality]
    sql = TRAINING_SQL.format(members=members_sql, modality=modality)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*members_params, RequirementBasis.ROLE, *modality_params, on, on])
        return [TrainingRow(*row) for row in cursor.fetchall()]


# --- Per piece of equipment (the site QC summary) ---------------------------------------------


@dataclass(frozen=True)
class EquipmentFigures:
    """One machine's figures, by the same definitions as the fleet's above."""

    schedules: int = 0  # active schedules (compliance_counts)
    overdue: int = 0  # of them overdue or past their hard limit at `now`
    completions: int = 0  # scheduled completions that count in the period (on_time_by_month)
    on_time: int = 0  # of them on time
    failures: int = 0  # action-level records in the period (action_failures)
    open_work_orders: int = 0  # open now (open_work_orders_by_priority)

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.completions if self.completions else None


def compliance_by_equipment(scope_: DashboardScope) -> dict[int, tuple[int, int]]:
    """Active schedules and those overdue at `now`, per equipment id: compliance_counts' terms."""
    rows = (
        active_schedules(scope_)
        .order_by()
        .values("equipment_id")
        .annotate(
            total=Count("pk"), overdue=Count("pk", filter=status_filter(OVERDUE, now=scope_.now))
        )
    )
    return {r["equipment_id"]: (r["total"], r["overdue"]) for r in rows}


def on_time_by_equipment(scope_: DashboardScope) -> dict[int, tuple[int, int]]:
    """Scheduled completions that count performed in the period, and how many were on time,
    per equipment id: the records the monthly figures (`CompletionMonth`) are made of."""
    rows = (
        _scoped(counted_completions(), scope_, modality_path="equipment__modality")
        .filter(performed_at__gte=scope_.start, performed_at__lt=scope_.end)
        .order_by()
        .values("equipment_id")
        .annotate(
            total=Count("pk"),
            on_time=Count("pk", filter=Q(current_version__timeliness__in=ON_TIME)),
        )
    )
    return {r["equipment_id"]: (r["total"], r["on_time"]) for r in rows}


def failures_by_equipment(scope_: DashboardScope) -> dict[int, int]:
    """Action-level records in the period per equipment id: action_failures' records."""
    rows = _failures(scope_).order_by().values("equipment_id").annotate(failures=Count("pk"))
    return {r["equipment_id"]: r["failures"] for r in rows}


def open_work_orders_by_equipment(scope_: DashboardScope) -> dict[int, int]:
    """Open work orders per equipment id: those open_work_orders_by_priority counts."""
    rows = _open_work_orders(scope_).order_by().values("equipment_id").annotate(open=Count("pk"))
    return {r["equipment_id"]: r["open"] for r in rows}


def figures_by_equipment(scope_: DashboardScope) -> dict[int, EquipmentFigures]:
    """Every per-equipment figure, in four queries; equipment without any is absent."""
    schedules = compliance_by_equipment(scope_)
    completions = on_time_by_equipment(scope_)
    failures = failures_by_equipment(scope_)
    open_orders = open_work_orders_by_equipment(scope_)
    ids = set(schedules) | set(completions) | set(failures) | set(open_orders)
    return {
        pk: EquipmentFigures(
            *schedules.get(pk, (0, 0)),
            *completions.get(pk, (0, 0)),
            failures.get(pk, 0),
            open_orders.get(pk, 0),
        )
        for pk in ids
    }


# --- Every figure at once ----------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What the page, the API and the site QC summary show: each figure from its selector."""

    compliance_by_site: list[ComplianceRow]
    compliance_by_modality: list[ComplianceRow]
    on_time_by_month: list[MonthRow]
    overdue: list
    overdue_count: int
    due_soon: list
    due_soon_count: int
    availability: list[AvailabilityRow]
    work_orders: list[WorkOrderRow]
    repair_time: RepairTime
    failures: list[FailureRow]
    training: list[TrainingRow]
    identifiers: list


def dashboard_figures(scope_: DashboardScope, *, limit: int = 10) -> Figures:
    """Every figure of the dashboard, with the first `limit` rows of the work lists; a fixed
    number of queries whatever the data."""
    overdue, soon = overdue_work(scope_), due_soon(scope_)
    counts = compliance_counts(scope_)
    by_site = compliance_by_site(scope_, counts)
    return Figures(
        compliance_by_site=by_site,
        compliance_by_modality=compliance_by_modality(scope_, counts),
        on_time_by_month=on_time_by_month(scope_),
        overdue=list(overdue[:limit]),
        overdue_count=sum(row.overdue for row in by_site),
        due_soon=list(soon[:limit]),
        due_soon_count=sum(row["due_soon"] for row in counts),
        availability=availability_by_modality(scope_),
        work_orders=open_work_orders_by_priority(scope_),
        repair_time=mean_time_to_repair(scope_),
        failures=action_failures(scope_),
        training=training_by_site(scope_),
        identifiers=list(expiring_identifiers(scope_)),
    )
