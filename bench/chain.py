"""The audit chain case: `verify_chain()` over the whole trail, beside a bare streaming read.

Issue 3: `verify_audit` over 1,000,000 events finishes in under 60 seconds on PostgreSQL while
streaming. Each run walks the whole chain the generator built (plus the few events the bench's
own sign-ins append); the runs of the verification and of the baseline alternate, so that other
work on the machine weighs on both alike. The verification must answer ok with every event
checked, else the case is an error and `make bench` exits non-zero.

While a run goes, a sampler thread reads this process's resident memory (`/proc/self/status`)
and, over a connection of its own, what the benchmark's database session is executing
(`pg_stat_activity`): the proof that the rows come through a server-side cursor, a chunk at a
time, and that memory stays flat however long the chain.
"""

import cProfile
import os
import pstats
import re
import resource
import statistics
import threading
import time
from dataclasses import dataclass, field

import psycopg
from django.db import connection, transaction

from imaging_ops.audit.verify import FIELDS, verify_chain
from imaging_ops.models import AuditChainHead, AuditEvent

CHAIN_TARGET_S = 60  # issue 3, "Performance"
CLOSE_TO_TARGET = 0.8  # a median above this share of the target is diagnosed too
RUNS = 3
CHUNK = 5000  # verify_chain's default chunk size, for the baseline's fetches too
SAMPLE_EVERY_S = 0.2

BASELINE_SQL = f"SELECT {', '.join(FIELDS)} FROM imaging_ops_auditevent ORDER BY seq"


class CaseError(Exception):
    """The case answered wrongly: the numbers would mean nothing."""


def _rss_mib() -> float:
    """This process's resident memory now (Linux), in MiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _max_rss_mib() -> float:
    """The peak resident memory of this process so far (ru_maxrss: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Sampler(threading.Thread):
    """Resident memory every 0.2 s, and the statements the benchmark's session runs."""

    def __init__(self, url: str, backend_pid: int):
        super().__init__(daemon=True)
        self.url, self.pid = url, backend_pid
        self.rss: list[float] = []
        self.statements: dict[str, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as watcher:
            while not self.stop.is_set():
                self.rss.append(_rss_mib())
                row = watcher.execute(
                    "SELECT state, query FROM pg_stat_activity WHERE pid = %s", [self.pid]
                ).fetchone()
                if row and row[1]:
                    shown = _statement_shape(row[1])
                    self.statements[shown] = self.statements.get(shown, 0) + 1
                self.stop.wait(SAMPLE_EVERY_S)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join()
        self.rss.append(_rss_mib())


def _statement_shape(query: str) -> str:
    """The statement with its cursor name and select list shortened: what kind of read it is."""
    shown = re.sub(r'"_django_curs_[^"]*"', '"_django_curs_…"', query.strip())
    shown = re.sub(r"FOR SELECT .* FROM", "FOR SELECT … FROM", shown, flags=re.S)
    return re.sub(r"\s+", " ", shown)[:160]


@dataclass
class ChainResult:
    name: str
    group: str  # "verify" or "baseline"
    target_s: float | None
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    rows: int = 0
    rss_start_mib: float = 0.0  # resident memory when a run starts (the largest of the runs)
    rss_peak_mib: float = 0.0  # the largest resident memory sampled during a run
    statements: dict = field(default_factory=dict)  # statement shape: samples
    note: str = ""
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)

    @property
    def per_second(self) -> float:
        return self.rows / self.median if self.median else 0.0

    @property
    def growth_mib(self) -> float:
        return self.rss_peak_mib - self.rss_start_mib

    @property
    def over_target(self) -> bool:
        return self.target_s is not None and not self.error and self.median > self.target_s

    @property
    def close_to_target(self) -> bool:
        return (
            self.target_s is not None
            and not self.error
            and self.median > CLOSE_TO_TARGET * self.target_s
        )


@dataclass
class ChainRun:
    """The case's results and what they ran on."""

    results: list[ChainResult]
    events: int  # events in the trail when measured
    generated: int  # of which the generator wrote
    max_rss_before_mib: float
    max_rss_after_mib: float
    table_mib: float  # the events table and its TOAST, without indexes


def _bare_read() -> int:
    """The floor: the same columns in the same order through a raw server-side cursor."""
    rows = 0
    with transaction.atomic(), connection.connection.cursor(name="bench_audit_read") as cursor:
        cursor.itersize = CHUNK
        cursor.execute(BASELINE_SQL)
        for _ in cursor:
            rows += 1
    return rows


def _verify():
    return verify_chain()


def _check_verify(expected: int):
    def check(result) -> str | None:
        if not result.ok:
            return f"verify_chain() found a break: {result.error}"
        if result.checked != expected:
            return f"verify_chain() checked {result.checked:,} events, expected {expected:,}"
        return None

    return check


def _check_read(expected: int):
    def check(rows) -> str | None:
        return None if rows == expected else f"read {rows:,} events, expected {expected:,}"

    return check


def measure(url: str, generated: int, runs: int = RUNS) -> ChainRun:
    """Alternate `runs` verifications and bare reads of the whole chain, each sampled."""
    head = AuditChainHead.objects.get(pk=1)
    events = AuditEvent.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_table_size('imaging_ops_auditevent')")
        table_mib = cursor.fetchone()[0] / 1024 / 1024
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    cases = [
        (
            ChainResult(
                "Baseline: bare streaming read, raw server-side cursor",
                "baseline",
                None,
                note=f"the 14 columns verify_chain reads, ORDER BY seq, {CHUNK:,} rows a fetch, "
                "in a transaction; no hashing",
            ),
            _bare_read,
            _check_read(events),
        ),
        (
            ChainResult(
                "verify_chain(), as verify_audit runs it",
                "verify",
                CHAIN_TARGET_S,
                note="called outside a transaction, as the command does; "
                ".iterator(chunk_size=5000); canonical text and HMAC per event",
            ),
            _verify,
            _check_verify(events),
        ),
    ]
    before = _max_rss_mib()
    if head.seq != events or events < generated:
        for result, _, _ in cases:
            result.error = (
                f"CaseError: the trail holds {events:,} events and its head names "
                f"#{head.seq:,}; the generator wrote {generated:,}"
            )
    for _ in range(runs):
        for result, run, check in cases:
            if result.error:
                continue
            try:
                start_rss = _rss_mib()
                with Sampler(url, pid) as sampler:
                    start, cpu = time.perf_counter(), time.process_time()
                    answer = run()
                    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
                problem = check(answer)
                if problem:
                    raise CaseError(problem)
            except Exception as exc:  # reported, and the run exits non-zero
                result.error = f"{type(exc).__name__}: {exc}"
                continue
            result.seconds.append(elapsed)
            result.cpu_seconds.append(cpu)
            result.rows = events
            result.rss_start_mib = max(result.rss_start_mib, start_rss)
            result.rss_peak_mib = max(result.rss_peak_mib, *sampler.rss)
            for shape, count in sampler.statements.items():
                result.statements[shape] = result.statements.get(shape, 0) + count
    return ChainRun(
        results=[result for result, _, _ in cases],
        events=events,
        generated=generated,
        max_rss_before_mib=before,
        max_rss_after_mib=_max_rss_mib(),
        table_mib=table_mib,
    )


def profile(lines: int = 12) -> str:
    """Where one verification spends its time: functions by their own time (profiled: slower)."""
    profiler = cProfile.Profile()
    profiler.enable()
    verify_chain()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    ranked = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)
    out = ["  functions by their own time (s in one profiled run, calls):"]
    for (filename, line, function), (_, calls, own, _, _) in ranked[:lines]:
        place = filename.split("site-packages/")[-1].replace(os.getcwd() + "/", "")
        out.append(f"    {own:6.1f}  {calls:>9}x  {place}:{line}({function})")
    return "\n".join(out)
