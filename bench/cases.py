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
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import setup_test_environment, teardown_test_environment
from django.utils import timezone

from bench.generator.people import BENCH_MANAGER, BENCH_TECHNICIAN
from equipment.models import Equipment, EquipmentStatusChange
from imaging_ops.models import Site, User
from imaging_ops.security.tokens import issue_api_token

WARMUP = 3
REPEAT = 30
PAGE_SIZE = 50

# DESIGN.md, "Numbers to hold".
PAGE_TARGET_MS = 50  # "My work" and the equipment page
API_TARGET_MS = 50  # API list page of 50


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
    result = Result(case.name, case.group, case.target_ms, note=case.note)
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


def build_cases() -> tuple[list[Case], dict]:
    """The cases, and facts about the data they run on (for the report)."""
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
    # The technician's QR-code flow: the machine at their site with the longest history.
    detailed = (
        EquipmentStatusChange.objects.filter(equipment__site=tech_site)
        .values("equipment_id")
        .annotate(n=Count("id"))
        .order_by("-n", "equipment_id")
        .first()
    )
    detail_id = detailed["equipment_id"]

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
            _detail,
            PAGE_TARGET_MS,
            f"{detailed['n']} status changes",
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
    ]
    facts = {
        "technician_site": tech_site.code,
        "technician_site_equipment": tech_equipment,
        "manager_sites": len(manager_site_ids),
    }
    return cases, facts
