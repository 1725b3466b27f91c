"""The measured cases: pages and API lists through Django's test client, and a bare-SQL baseline.

Each case is first requested once with Django's test instrumentation on, so that its answer can
be checked (rows on the page, total, scope); a wrong answer is an error and `make bench` exits
non-zero. Then it is requested `WARMUP` times unmeasured and `REPEAT` times measured, without the
instrumentation, each answer checked for its status. For every measured request we keep the wall
time, the CPU time of this process (Python and the driver, not the database server), and, through
a database execute wrapper, the number of queries and the wall time spent in them.
"""

import statistics
import time
from base64 import b64encode
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import setup_test_environment, teardown_test_environment
from django.utils import timezone

from bench.generator.maintenance import BENCH_MACHINE_DAYS
from bench.generator.people import BENCH_MANAGER, BENCH_TECHNICIAN
from equipment.models import (
    Category,
    Equipment,
    EquipmentStatus,
    EquipmentStatusChange,
    Schedule,
    ServiceRecord,
)
from imaging_ops.models import Site, SiteMembership, User
from imaging_ops.security.tokens import issue_api_token
from imaging_ops.vocabulary import Role

WARMUP = 3
REPEAT = 30
PAGE_SIZE = 50

# DESIGN.md, "Numbers to hold".
PAGE_TARGET_MS = 50  # "My work" and the equipment page
API_TARGET_MS = 50  # API list page of 50
DASHBOARD_TARGET_MS = 150  # the compliance dashboard, for the manager of every site
MATRIX_TARGET_MS = 150  # the competency matrix of the largest site


class CaseError(Exception):
    """The case answered wrongly: the numbers would mean nothing."""


@dataclass
class Query:
    sql: str
    params: object
    ms: float


class QueryLog:
    """An execute wrapper that counts and times the queries of the request in flight."""

    def __init__(self):
        self.queries: list[Query] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(Query(sql, params, (time.perf_counter() - start) * 1000))


@dataclass
class Result:
    name: str
    group: str
    target_ms: float | None
    times_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    query_counts: list[int] = field(default_factory=list)
    last_queries: list[Query] = field(default_factory=list)
    note: str = ""
    error: str = ""
    baseline: str | None = None  # the baseline case compared with (None: the first one)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        """Nearest rank: of 30 samples, the 29th fastest."""
        ordered = sorted(self.times_ms)
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql_ms)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def queries(self) -> str:
        counts = sorted(set(self.query_counts))
        return str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"

    @property
    def over_target(self) -> bool:
        return self.target_ms is not None and not self.error and self.median > self.target_ms


@dataclass
class Case:
    name: str
    group: str  # "page", "api" or "baseline"
    request: Callable[[], object]  # one request (or query); returns what `verify` inspects
    verify: Callable[[object], str | None]  # an error sentence, or None
    target_ms: float | None = None
    note: str = ""
    baseline: str | None = None  # the name of the baseline case it is compared with


@contextmanager
def instrumented():
    """Django's test instrumentation (response.context), for the one checked request."""
    setup_test_environment()
    try:
        yield
    finally:
        teardown_test_environment()


def _answered(answer) -> str | None:
    status = getattr(answer, "status_code", 200)
    return None if status == 200 else f"HTTP {status} during the measured requests"


def measure(case: Case, *, warmup: int = WARMUP, repeat: int = REPEAT) -> Result:
    result = Result(case.name, case.group, case.target_ms, note=case.note, baseline=case.baseline)
    log = QueryLog()
    try:
        with instrumented():
            problem = case.verify(case.request())
        if problem:
            raise CaseError(problem)
        with connection.execute_wrapper(log):
            for i in range(warmup + repeat):
                log.queries = []
                start, cpu = time.perf_counter(), time.process_time()
                answer = case.request()
                elapsed = (time.perf_counter() - start) * 1000
                cpu = (time.process_time() - cpu) * 1000
                problem = _answered(answer)
                if problem:
                    raise CaseError(problem)
                if i >= warmup:
                    result.times_ms.append(elapsed)
                    result.sql_ms.append(sum(q.ms for q in log.queries))
                    result.cpu_ms.append(cpu)
                    result.query_counts.append(len(log.queries))
                    result.last_queries = list(log.queries)
    except Exception as exc:  # a case that fails is reported, and the run exits non-zero
        result.error = f"{type(exc).__name__}: {exc}"
    return result


# --- checks --------------------------------------------------------------------------------


def _page(expected_rows: int, expected_total: int, site_ids=None):
    def check(response) -> str | None:
        if response.status_code != 200:
            return f"HTTP {response.status_code} from {response.request['PATH_INFO']}"
        rows = list(response.context["equipment_list"])
        if len(rows) != expected_rows:
            return f"{len(rows)} rows on the page, expected {expected_rows}"
        if response.context["paginator"].count != expected_total:
            return f"{response.context['paginator'].count} items in all, expected {expected_total}"
        if site_ids is not None and any(row.site_id not in site_ids for row in rows):
            return "the page shows equipment from outside the user's sites"
        return None

    return check


def _api(expected_total: int):
    def check(response) -> str | None:
        if response.status_code != 200:
            return f"HTTP {response.status_code}: {response.content[:200]!r}"
        body = response.json()
        if body["count"] != expected_total or len(body["results"]) != PAGE_SIZE:
            return (
                f"count {body['count']}, {len(body['results'])} results; expected {expected_total}"
            )
        return None

    return check


def _detail(response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    if b'id="status-history"' not in response.content:
        return "the status history is missing"
    return None


# --- the cases -----------------------------------------------------------------------------

BASELINE_SQL = """
    SELECT e.id, e.asset_tag, e.name, e.category, e.modality, e.modalities, e.manufacturer,
           e.model, e.serial_number, e.status, e.created_at, e.updated_at,
           s.id, s.code, s.name, l.id, l.building, l.room, l.area_class
    FROM equipment_equipment e
    JOIN imaging_ops_site s ON s.id = e.site_id
    LEFT JOIN equipment_location l ON l.id = e.location_id
    WHERE e.site_id = ANY(%s)
    ORDER BY s.code, e.asset_tag
    LIMIT 50
"""


# --- the maintenance cases: the equipment page, schedules and records ----------------------------


def _ok(response) -> str | None:
    """Any page answered: the check for a case that only needs a 200 (a new page)."""
    if response.status_code != 200:
        return f"HTTP {response.status_code} from {response.request['PATH_INFO']}"
    return None


def _equipment_page(schedules: int, records: int):
    def check(response) -> str | None:
        problem = _detail(response)
        if problem:
            return problem
        rows = response.context["schedule_rows"]
        if len(rows) != schedules:
            return f"{len(rows)} schedules on the equipment page, expected {schedules}"
        if len(response.context["recent_records"]) != min(10, records):
            return f"{len(response.context['recent_records'])} latest records shown"
        return None

    return check


def _schedule_page(expected_rows: int, expected_total: int, site_ids=None):
    def check(response) -> str | None:
        if response.status_code != 200:
            return f"HTTP {response.status_code} from {response.request['PATH_INFO']}"
        rows = response.context["rows"]
        if len(rows) != expected_rows:
            return f"{len(rows)} schedules on the page, expected {expected_rows}"
        if response.context["paginator"].count != expected_total:
            return (
                f"{response.context['paginator'].count} schedules in all, expected {expected_total}"
            )
        if sum(n for _, _, n in response.context["status_counts"]) != expected_total:
            return "the counts per status do not add up to the schedules listed"
        if site_ids is not None and any(
            row.schedule.equipment.site_id not in site_ids for row in rows
        ):
            return "the page shows schedules from outside the user's sites"
        return None

    return check


def _cursor_page(below: int | None = None):
    """A page of 50 records, newest first, each with its measurements and a valid signature;
    `below`: every record older than that id (a page deep in)."""

    def check(response) -> str | None:
        if response.status_code != 200:
            return f"HTTP {response.status_code}: {response.content[:200]!r}"
        body = response.json()
        results = body["results"]
        if len(results) != PAGE_SIZE or not body.get("next"):
            return f"{len(results)} records and next {body.get('next')!r}"
        ids = [r["id"] for r in results]
        if ids != sorted(ids, reverse=True) or (below is not None and ids[0] >= below):
            return f"records out of order or not below {below}: {ids[:3]}…"
        if any(not r["measurements"] for r in results):
            return "a record without its measurements"
        if any(
            not all(s["valid"] for s in r["signatures"]) or not r["signatures"] for r in results
        ):
            return "a record whose signature does not read as valid"
        return None

    return check


def cursor_at(position: int) -> str:
    """The API's cursor for the page of records just older than `position` (DRF's encoding)."""
    return b64encode(urlencode({"p": str(position)}).encode()).decode()


def _sql(*statements):
    """A baseline: the bare statements, in one raw cursor, their rows fetched."""

    def run():
        with connection.cursor() as cursor:
            rows = []
            for statement, params in statements:
                cursor.execute(statement, params)
                rows.append(cursor.fetchall())
            return rows

    return run


def _rows(*expected: int):
    def check(answer) -> str | None:
        got = [len(rows) for rows in answer]
        return None if got == list(expected) else f"{got} rows, expected {list(expected)}"

    return check


STATUS_SQL = """
    CASE WHEN s.hard_limit_at <= %(now)s THEN 'past_hard_limit'
         WHEN s.paused THEN 'paused'
         WHEN s.overdue_at <= %(now)s THEN 'overdue'
         WHEN s.next_due <= %(now)s THEN 'due'
         WHEN s.window_opens <= %(now)s THEN 'open' ELSE 'upcoming' END
"""
SCHEDULES_SQL = f"""
    SELECT s.id, s.anchor, s.preset, s.next_due, s.overdue_at, s.hard_limit_at, s.last_done,
           s.window_opens, s.paused, s.assignee_role, {STATUS_SQL} AS state,
           e.id, e.asset_tag, e.name, t.id, t.code, t.time_zone, l.room, p.id, p.code, p.kind,
           v.name, u.full_name
    FROM equipment_schedule s
    JOIN equipment_equipment e ON e.id = s.equipment_id
    JOIN imaging_ops_site t ON t.id = e.site_id
    LEFT JOIN equipment_location l ON l.id = e.location_id
    JOIN equipment_procedure p ON p.id = s.procedure_id
    LEFT JOIN equipment_procedureversion v ON v.id = p.current_version_id
    LEFT JOIN imaging_ops_user u ON u.id = s.assignee_id
    WHERE e.site_id = ANY(%(sites)s) {{where}}
    ORDER BY s.next_due, s.id
    LIMIT 50
"""
STATUS_COUNTS_SQL = f"""
    SELECT {STATUS_SQL}, count(*) FROM equipment_schedule s
    JOIN equipment_equipment e ON e.id = s.equipment_id
    WHERE e.site_id = ANY(%(sites)s) GROUP BY 1
"""
# The dashboard's figures as bare aggregates (the training figure aside: the page reads it
# from the figure cache), at the manager's sites over the default 30-day period.
ACTIVE = "NOT s.paused AND e.status NOT IN ('retired', 'disposed') AND s.site_id = ANY(%(sites)s)"
OVERDUE_SQL = "(s.hard_limit_at <= %(now)s OR s.overdue_at <= %(now)s)"
DASHBOARD_SQL = [
    f"""SELECT s.site_id, e.modality, count(*), count(*) FILTER (WHERE {OVERDUE_SQL}),
               count(*) FILTER (WHERE s.next_due < %(soon)s AND NOT {OVERDUE_SQL})
        FROM equipment_schedule s JOIN equipment_equipment e ON e.id = s.equipment_id
        WHERE {ACTIVE} GROUP BY 1, 2""",
    """SELECT month, sum(total), sum(on_time) FROM equipment_completionmonth
        WHERE site_id = ANY(%(sites)s) AND month >= %(year_ago)s GROUP BY month ORDER BY month""",
    f"""SELECT s.id, s.overdue_at, e.asset_tag, p.code, u.full_name, s.assignee_role
        FROM equipment_schedule s JOIN equipment_equipment e ON e.id = s.equipment_id
        JOIN equipment_procedure p ON p.id = s.procedure_id
        LEFT JOIN imaging_ops_user u ON u.id = s.assignee_id
        WHERE {ACTIVE} AND {OVERDUE_SQL} ORDER BY s.overdue_at, s.id LIMIT 10""",
    f"""SELECT s.id, s.next_due, e.asset_tag, p.code, u.full_name, s.assignee_role
        FROM equipment_schedule s JOIN equipment_equipment e ON e.id = s.equipment_id
        JOIN equipment_procedure p ON p.id = s.procedure_id
        LEFT JOIN imaging_ops_user u ON u.id = s.assignee_id
        WHERE {ACTIVE} AND s.next_due < %(soon)s AND NOT {OVERDUE_SQL}
        ORDER BY s.next_due, s.id LIMIT 10""",
    """SELECT modality, count(*), count(*) FILTER (WHERE status = 'out_of_service')
        FROM equipment_equipment WHERE site_id = ANY(%(sites)s)
        AND status IN ('in_service', 'out_of_service') GROUP BY 1""",
    """SELECT e.modality, sum(LEAST(coalesce(c.ended_at, %(now)s), %(now)s)
                              - GREATEST(c.changed_at, %(start)s))
        FROM equipment_equipmentstatuschange c JOIN equipment_equipment e ON e.id = c.equipment_id
        WHERE c.to_status = 'out_of_service' AND c.changed_at < %(now)s
          AND (c.ended_at IS NULL OR c.ended_at > %(start)s)
          AND e.site_id = ANY(%(sites)s) AND e.status NOT IN ('retired', 'disposed')
        GROUP BY 1""",
    """SELECT w.priority, count(*) FILTER (WHERE w.opened_at > %(now)s - interval '7 days'),
               count(*) FILTER (WHERE w.opened_at <= %(now)s - interval '7 days'
                                  AND w.opened_at > %(now)s - interval '30 days'),
               count(*) FILTER (WHERE w.opened_at <= %(now)s - interval '30 days')
        FROM equipment_workorder w JOIN equipment_equipment e ON e.id = w.equipment_id
        WHERE w.state NOT IN ('verified', 'cancelled') AND e.site_id = ANY(%(sites)s)
        GROUP BY 1""",
    """SELECT count(*), avg(w.closed_at - w.opened_at)
        FROM equipment_workorder w JOIN equipment_equipment e ON e.id = w.equipment_id
        WHERE w.state = 'verified' AND w.closed_at >= %(start)s AND w.closed_at < %(now)s
          AND e.site_id = ANY(%(sites)s)""",
    """SELECT e.modality, count(*)
        FROM equipment_servicerecord r JOIN equipment_equipment e ON e.id = r.equipment_id
        WHERE r.counts AND r.outcome = 'action' AND r.performed_at >= %(start)s
          AND r.performed_at < %(now)s AND e.site_id = ANY(%(sites)s) GROUP BY 1""",
    """SELECT i.id, i.kind, i.number, i.expires_on, t.code FROM imaging_ops_siteidentifier i
        JOIN imaging_ops_site t ON t.id = i.site_id
        WHERE i.site_id = ANY(%(sites)s) AND i.expires_on <= %(today)s + 90
        ORDER BY i.expires_on, t.code, i.id""",
]
RECENT_RECORDS_SQL = """
    SELECT r.id, r.performed_at, r.outcome, r.counts, p.code FROM equipment_servicerecord r
    JOIN equipment_procedure p ON p.id = r.procedure_id
    WHERE r.equipment_id = %(equipment)s ORDER BY r.performed_at DESC, r.id DESC LIMIT 10
"""
RECORDS_SQL = """
    SELECT r.id, r.equipment_id, r.schedule_id, r.procedure_id, r.performed_at, r.outcome,
           r.counts, r.voided_at, r.void_reason, v.id, v.number, v.recorded_at, v.late_entry,
           v.due_satisfied, v.timeliness, v.comments, v.procedure_version_id, s.next_due
    FROM equipment_servicerecord r
    JOIN equipment_equipment e ON e.id = r.equipment_id
    LEFT JOIN equipment_servicerecordversion v ON v.id = r.current_version_id
    LEFT JOIN equipment_schedule s ON s.id = r.schedule_id
    WHERE e.site_id = ANY(%(sites)s) AND r.id < %(below)s
    ORDER BY r.id DESC LIMIT 50
"""
MEASUREMENTS_SQL = """
    SELECT m.version_id, m.position, m.value_text, m.band, m.result, m.crossed, m.limit, c.key,
           c.name
    FROM equipment_measurement m JOIN equipment_check c ON c.id = m.procedure_check_id
    WHERE m.version_id IN (SELECT current_version_id FROM equipment_servicerecord
                           WHERE id < %(below)s ORDER BY id DESC LIMIT 50)
    ORDER BY m.version_id, m.position
"""


def equipment_page_machine(site, built_on: date) -> int | None:
    """The machine the generator gave a year of daily QC (bench.generator.maintenance.
    bench_machine): the technician's site's in-service CT, accepted long enough before the
    build, with the longest status history (ties: the lowest id)."""
    accepted_by = built_on - timedelta(days=BENCH_MACHINE_DAYS + 2)
    found = (
        Equipment.objects.filter(
            site=site,
            status=EquipmentStatus.IN_SERVICE,
            modality="CT",
            category=Category.IMAGING_SYSTEM,
            accepted_on__lte=accepted_by,
        )
        .annotate(n=Count("status_changes"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return found


def build_cases(built_on: date | None = None) -> tuple[list[Case], dict]:
    """The cases, and facts about the data they run on (for the report). `built_on`: the day
    the data was built (the marker's), which places the equipment page's machine."""
    built_on = built_on or timezone.now().date()
    manager = User.objects.get(username=BENCH_MANAGER)
    technician = User.objects.get(username=BENCH_TECHNICIAN)
    tech_site = Site.objects.get(pk=technician.memberships.get().site_id)
    manager_site_ids = list(manager.memberships.values_list("site_id", flat=True).distinct())
    all_equipment = Equipment.objects.filter(site_id__in=manager_site_ids).count()
    tech_equipment = Equipment.objects.filter(site=tech_site).count()

    search = "Revolution"  # a model name: matches a few hundred machines at 50 sites
    searched = Equipment.objects.filter(
        Q(asset_tag__icontains=search)
        | Q(serial_number__icontains=search)
        | Q(name__icontains=search)
        | Q(model__icontains=search)
    ).count()
    ct = Equipment.objects.filter(modalities__icontains='"CT"').count()
    deep_page = (all_equipment // PAGE_SIZE) * 3 // 4  # three quarters of the way down
    # The technician's QR-code flow: the CT with a year of daily QC (the longest history).
    detail_id = equipment_page_machine(tech_site, built_on)
    if detail_id is None:
        raise CaseError(f"no in-service CT at {tech_site.code} old enough for the equipment page")
    detail_changes = EquipmentStatusChange.objects.filter(equipment_id=detail_id).count()
    detail_schedules = Schedule.objects.filter(equipment_id=detail_id).count()
    detail_records = ServiceRecord.objects.filter(equipment_id=detail_id).count()
    tech_schedules = Schedule.objects.filter(equipment__site=tech_site).count()
    all_schedules = Schedule.objects.filter(equipment__site_id__in=manager_site_ids).count()
    last_record = ServiceRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    deep_record = last_record // 4  # three quarters of the way down, newest first
    now = timezone.now()

    tech_client = Client(HTTP_HOST="testserver")
    tech_client.force_login(technician)
    manager_client = Client(HTTP_HOST="testserver")
    manager_client.force_login(manager)
    _, key = issue_api_token(user=manager, now=timezone.now())
    token_client = Client(HTTP_HOST="testserver")
    token_headers = {"Authorization": f"Token {key}"}

    def get(client, path, **params):
        return lambda: client.get(path, params, secure=True)

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, [manager_site_ids])
            return cursor.fetchall()

    tech_rows = min(PAGE_SIZE, tech_equipment)
    cases = [
        Case(
            "Equipment list, technician at 1 site, page 1",
            "page",
            get(tech_client, "/equipment/"),
            _page(tech_rows, tech_equipment, {tech_site.pk}),
            PAGE_TARGET_MS,
            f"{tech_equipment} items at {tech_site.code}",
        ),
        Case(
            f"Equipment list, manager at {len(manager_site_ids)} sites, page 1",
            "page",
            get(manager_client, "/equipment/"),
            _page(PAGE_SIZE, all_equipment),
            PAGE_TARGET_MS,
            f"{all_equipment} items",
        ),
        Case(
            f"Equipment list, manager, search q={search}",
            "page",
            get(manager_client, "/equipment/", q=search),
            _page(min(PAGE_SIZE, searched), searched),
            PAGE_TARGET_MS,
            f"{searched} matches",
        ),
        Case(
            "Equipment list, manager, modality=CT",
            "page",
            get(manager_client, "/equipment/", modality="CT"),
            _page(min(PAGE_SIZE, ct), ct),
            PAGE_TARGET_MS,
            f"{ct} matches (PET/CT and SPECT/CT included)",
        ),
        Case(
            f"Equipment list, manager, page {deep_page}",
            "page",
            get(manager_client, "/equipment/", page=deep_page),
            _page(PAGE_SIZE, all_equipment),
            PAGE_TARGET_MS,
            f"offset {(deep_page - 1) * PAGE_SIZE}",
        ),
        Case(
            "Equipment detail, technician",
            "page",
            get(tech_client, f"/equipment/{detail_id}/"),
            _equipment_page(detail_schedules, detail_records),
            PAGE_TARGET_MS,
            f"{detail_changes} status changes, {detail_schedules} schedules, "
            f"{detail_records:,} records (a year of daily QC)",
            baseline="Baseline: the machine's schedules and latest records",
        ),
        Case(
            "API equipment list, manager, token, page 1",
            "api",
            lambda: token_client.get("/api/v1/equipment/", secure=True, headers=token_headers),
            _api(all_equipment),
            API_TARGET_MS,
            "50 of " + str(all_equipment),
        ),
        Case(
            "API equipment list, manager, session, page 1",
            "api",
            get(manager_client, "/api/v1/equipment/"),
            _api(all_equipment),
            API_TARGET_MS,
            "50 of " + str(all_equipment),
        ),
        Case(
            "Baseline: bare SQL, the same 50 rows",
            "baseline",
            baseline,
            lambda rows: None if len(rows) == PAGE_SIZE else f"{len(rows)} rows",
            None,
            "raw cursor; site code, asset tag; joined to site and location",
        ),
        *maintenance_cases(
            tech_client=tech_client,
            manager_client=manager_client,
            token=(token_client, token_headers),
            tech_site=tech_site,
            manager_site_ids=manager_site_ids,
            detail_id=detail_id,
            tech_schedules=tech_schedules,
            all_schedules=all_schedules,
            deep_record=deep_record,
            now=now,
        ),
        *training_cases(manager_client=manager_client),
    ]
    facts = {
        "equipment_page_machine": detail_id,
        "technician_site": tech_site.code,
        "technician_site_equipment": tech_equipment,
        "manager_sites": len(manager_site_ids),
    }
    return cases, facts


def maintenance_cases(
    *, tech_client, manager_client, token, tech_site, manager_site_ids, detail_id,
    tech_schedules, all_schedules, deep_record, now,
) -> list[Case]:  # fmt: skip
    """The equipment page's baseline, the schedule list and API for the technician and the
    manager, and the records API, first page and deep in, each beside its bare SQL.

    A new page is a case of a few lines here: its name, group, request, check, target, note
    and baseline (see docs/benchmarks.md, "Adding a case")."""
    token_client, token_headers = token
    tech_sites = [tech_site.pk]

    def get(client, path, **params):
        return lambda: client.get(path, params, secure=True)

    def api(path, **params):
        return lambda: token_client.get(path, params, secure=True, headers=token_headers)

    schedules = SCHEDULES_SQL
    cases = [
        Case(
            "Baseline: the machine's schedules and latest records",
            "baseline",
            _sql(
                (
                    schedules.format(where="AND e.id = %(equipment)s"),
                    {"now": now, "sites": tech_sites, "equipment": detail_id},
                ),
                (RECENT_RECORDS_SQL, {"equipment": detail_id}),
            ),
            _rows(
                Schedule.objects.filter(equipment_id=detail_id).count(),
                min(10, ServiceRecord.objects.filter(equipment_id=detail_id).count()),
            ),
            None,
            "raw cursor; its schedules with status in SQL, joined to procedure and version; "
            "its 10 latest records",
        ),
        Case(
            f"Schedule list, technician at {tech_site.code}, page 1",
            "page",
            get(tech_client, "/equipment/schedules/"),
            _schedule_page(min(PAGE_SIZE, tech_schedules), tech_schedules, {tech_site.pk}),
            PAGE_TARGET_MS,
            f"{tech_schedules:,} schedules, counts per status",
            baseline="Baseline: 50 schedules with status, and the counts, technician",
        ),
        Case(
            f"Schedule list, manager at {len(manager_site_ids)} sites, page 1",
            "page",
            get(manager_client, "/equipment/schedules/"),
            _schedule_page(PAGE_SIZE, all_schedules),
            PAGE_TARGET_MS,
            f"{all_schedules:,} schedules, counts per status",
            baseline="Baseline: 50 schedules with status, and the counts, manager",
        ),
        Case(
            "API schedule list, technician, session, page 1",
            "api",
            get(tech_client, "/api/v1/schedules/"),
            _api(tech_schedules),
            API_TARGET_MS,
            f"50 of {tech_schedules:,}",
            baseline="Baseline: 50 schedules with status, and the counts, technician",
        ),
        Case(
            "API schedule list, manager, token, page 1",
            "api",
            api("/api/v1/schedules/"),
            _api(all_schedules),
            API_TARGET_MS,
            f"50 of {all_schedules:,}",
            baseline="Baseline: 50 schedules with status, and the counts, manager",
        ),
        Case(
            "Baseline: 50 schedules with status, and the counts, technician",
            "baseline",
            _sql(
                (schedules.format(where=""), {"now": now, "sites": tech_sites}),
                (STATUS_COUNTS_SQL, {"now": now, "sites": tech_sites}),
            ),
            lambda rows: None if len(rows[0]) == min(PAGE_SIZE, tech_schedules) else "rows",
            None,
            "raw cursor; soonest due first, joined to equipment, site, room, procedure, "
            "version, assignee; then the count per status",
        ),
        Case(
            "Baseline: 50 schedules with status, and the counts, manager",
            "baseline",
            _sql(
                (schedules.format(where=""), {"now": now, "sites": manager_site_ids}),
                (STATUS_COUNTS_SQL, {"now": now, "sites": manager_site_ids}),
            ),
            lambda rows: None if len(rows[0]) == PAGE_SIZE else "rows",
            None,
            "the same at every site",
        ),
        Case(
            "API records, manager, token, first page",
            "api",
            api("/api/v1/records/"),
            _cursor_page(),
            API_TARGET_MS,
            "cursor pagination, newest first; measurements and signatures (checked valid)",
            baseline="Baseline: 50 records with versions, then their measurements",
        ),
        Case(
            "API records, manager, token, deep page",
            "api",
            api("/api/v1/records/", cursor=cursor_at(deep_record)),
            _cursor_page(below=deep_record),
            API_TARGET_MS,
            f"the 50 records before #{deep_record:,} (three quarters down)",
            baseline="Baseline: 50 records with versions, then their measurements",
        ),
        Case(
            "Baseline: 50 records with versions, then their measurements",
            "baseline",
            _sql(
                (RECORDS_SQL, {"sites": manager_site_ids, "below": deep_record}),
                (MEASUREMENTS_SQL, {"below": deep_record}),
            ),
            lambda rows: None if len(rows[0]) == PAGE_SIZE and rows[1] else "rows",
            None,
            "raw cursor, at the deep page's position; current version and schedule joined",
        ),
    ]
    daily_qc = Schedule.objects.get(equipment_id=detail_id, procedure__code="CT-DAILY").pk
    dashboard_params = {
        "now": now,
        "sites": manager_site_ids,
        "start": now - timedelta(days=30),
        "soon": now + timedelta(days=30),
        "year_ago": (now - timedelta(days=366)).date().replace(day=1),
        "today": now.date(),
    }
    cases += [
        Case(
            "My work, technician",
            "page",
            get(tech_client, "/"),
            _my_work,
            PAGE_TARGET_MS,
            f"{tech_schedules:,} schedules at {tech_site.code}: the first 20 of theirs, counts "
            "per status, missed days to explain",
            baseline="Baseline: 50 schedules with status, and the counts, technician",
        ),
        Case(
            f"Compliance dashboard, manager at {len(manager_site_ids)} sites",
            "page",
            get(manager_client, "/compliance/dashboard/"),
            _ok,
            DASHBOARD_TARGET_MS,
            f"{all_schedules:,} schedules: compliance by site and modality, 12 months on time, "
            "overdue and due work, availability, work orders, failures, training, licences",
            baseline="Baseline: the dashboard's aggregates in bare SQL, manager",
        ),
        Case(
            "Baseline: the dashboard's aggregates in bare SQL, manager",
            "baseline",
            _sql(*((statement, dashboard_params) for statement in DASHBOARD_SQL)),
            lambda rows: None if rows[0] and rows[1] else "rows",
            None,
            "raw cursor; compliance by site and modality with the due-soon count, 12 months "
            "on time, the first 10 overdue and due, units and downtime per modality, open work "
            "orders by age, the mean time to repair, failures, licences (the training figure "
            "aside: the page reads it from the figure cache)",
        ),
        Case(
            "Also waiting for you, after My work",
            "page",
            lambda: tech_client.get("/home/waiting/", secure=True, headers={"HX-Request": "true"}),
            _ok,
            PAGE_TARGET_MS,
            "the home page's second part: out of service, awaiting acceptance, unsigned notes, "
            "the latest status changes",
            baseline="Baseline: 50 schedules with status, and the counts, technician",
        ),
        Case(
            "Record form, daily CT QC",
            "page",
            get(tech_client, f"/equipment/schedules/{daily_qc}/record/"),
            _record_form,
            PAGE_TARGET_MS,
            "six numeric checks with their bands, last five values and trends",
            baseline="Baseline: the machine's schedules and latest records",
        ),
        Case(
            "Equipment trends, after the equipment page",
            "page",
            lambda: tech_client.get(
                f"/equipment/{detail_id}/trends/", secure=True, headers={"HX-Request": "true"}
            ),
            _ok,
            PAGE_TARGET_MS,
            "each numeric check of the machine's schedules: its chart and values, 90 days",
            baseline="Baseline: the machine's schedules and latest records",
        ),
        Case(
            f"Records list, technician at {tech_site.code}, page 1",
            "page",
            get(tech_client, "/equipment/records/"),
            _ok,
            PAGE_TARGET_MS,
            "newest first, 50 a page, with the filters",
            baseline="Baseline: 50 records with versions, then their measurements",
        ),
    ]
    return cases


def training_cases(*, manager_client) -> list[Case]:
    """The competency matrix of the site with the most people, as its manager reads it, beside
    the bare SQL of its cells."""
    from training.models import Requirement, TrainingRecord

    members = (
        SiteMembership.objects.in_force(timezone.now().date())
        .exclude(role=Role.INSPECTOR)
        .filter(user__is_active=True)
    )
    site_id, people = (
        members.values("site_id")
        .annotate(people=Count("user_id", distinct=True))
        .order_by("-people", "site_id")
        .values_list("site_id", "people")
        .first()
    )
    site = Site.objects.get(pk=site_id)
    courses = Requirement.objects.filter(site=site, retired_at=None).values("course").distinct()
    records = TrainingRecord.objects.filter(site=site).count()

    def cells():
        with connection.cursor() as cursor:
            cursor.execute(MATRIX_SQL, {"site": site_id})
            return cursor.fetchall()

    def check(response) -> str | None:
        if problem := _ok(response):
            return problem
        rows = len(response.context["matrix"].rows)
        return None if rows == people else f"{rows} rows for {people} people"

    return [
        Case(
            f"Competency matrix, manager, {people}-person site",
            "page",
            lambda: manager_client.get(f"/training/sites/{site.code}/matrix/", secure=True),
            check,
            MATRIX_TARGET_MS,
            f"{people} people x {courses.count()} required courses, {records:,} training "
            f"records at {site.code}",
            baseline="Baseline: the matrix's cells in bare SQL",
        ),
        Case(
            "Baseline: the matrix's cells in bare SQL",
            "baseline",
            cells,
            lambda rows: None if rows else "no cells",
            None,
            "raw cursor; each member's latest counting record of each required course",
        ),
    ]


# Each member (inspectors aside) by each required course: the latest counting expiry.
MATRIX_SQL = """
    SELECT m.user_id, q.course_id, max(r.completed_on), max(r.expires_on)
    FROM (SELECT DISTINCT user_id FROM imaging_ops_sitemembership
          WHERE site_id = %(site)s AND role <> 'inspector') m
    CROSS JOIN (SELECT DISTINCT course_id FROM training_requirement
                WHERE site_id = %(site)s AND retired_at IS NULL) q
    LEFT JOIN training_trainingrecord r
      ON r.person_id = m.user_id AND r.course_id = q.course_id AND r.counts
    GROUP BY m.user_id, q.course_id
"""


def _my_work(response) -> str | None:
    if problem := _ok(response):
        return problem
    work = response.context["my_work"]
    return None if work.rows else "My work listed nothing"


def _record_form(response) -> str | None:
    if problem := _ok(response):
        return problem
    return None if response.content.count(b'inputmode="decimal"') == 6 else "not six numeric checks"
