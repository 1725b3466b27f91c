"""Beside the nearest peer, on both engines: the same pages at 1,000 and 10,000 units, on
PostgreSQL and on an SQLite copy of the same data.

    python -m bench.peer [--runs N] [--warmup N] [--scales 0.1,1] [--as-built] [--no-doc]

The nearest open-source peer publishes, on this kind of machine, 0.7 s at 1,000 units and
8.1 s at 10,000 for its technicians' landing page (one query per unit), and 6 s and 80 s for
its unpaginated due-date overview. Here, for each size, the PostgreSQL database is the
generator's build at that scale (`--scale 0.1` is 1,000 units, in the database named after
BENCH_DATABASE_URL's with `_1k`; full scale is BENCH_DATABASE_URL's own), and its SQLite copy
is bench/sqlite_copy.py's (var/bench/<name>.sqlite3). Each engine is measured in a process of
its own (Django's database settings are the process's), read-only (the database refuses
writes; sessions are kept in memory), through Django's test client as bench/run.py does:
warm-up requests, then the median of `--runs`.

The cases: the technician's "My work" (the home page), the manager's compliance dashboard
(every site), the dashboard's due-date overview sorted by when work falls overdue at a page
three quarters down (the overview is a part of the dashboard page, not a request of its own,
so this is the whole page with that sort and page), and every schedule with its due dates as
CSV, the overview unpaginated. Before measuring, each case is requested once with the clock
stopped at the run's start, and what it shows (the figures, the ids listed, the CSV's digest)
must be the same on both engines: the same data giving the same answer.

`--as-built` measures the databases as they are (never building, migrating or rebuilding
them; a database built by other code or migrations is measured and said to be so).
"""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

PROJECT = Path(__file__).resolve().parent.parent
FULL_UNITS = 10_000
DEFAULT_SCALES = (0.1, 1.0)
RUNS = 5
WARMUP = 1

# The peer's published figures, in seconds, by units: (landing page, unpaginated overview).
PEER = {1_000: (0.7, 6.0), 10_000: (8.1, 80.0)}
# Which of our cases stands beside which of the peer's figures.
PEER_FIGURE = {"my_work": 0, "overview_csv": 1}

CASES = [
    ("my_work", "My work, technician (the landing page)"),
    ("dashboard", "Compliance dashboard, manager of every site"),
    ("overview_page", "Due-date overview, sorted by overdue time, page ¾ down (the dashboard)"),
    ("overview_csv", "Due-date overview unpaginated: every schedule as CSV"),
]
ENGINES = (("postgresql", "PostgreSQL"), ("sqlite", "SQLite"))


def units_label(units: int) -> str:
    return f"{units // 1000}k" if units % 1000 == 0 else f"{units:,}"


def database_url(main_url: str, scale: float) -> str:
    """Full scale is the main bench database; another scale has its own, named by its units."""
    if scale == 1:
        return main_url
    parsed = urlparse(main_url)
    name = parsed.path.lstrip("/") + "_" + units_label(round(FULL_UNITS * scale))
    return urlunparse(parsed._replace(path="/" + name))


# --- in the engine's own process ---------------------------------------------------------------


def _login(client, user):
    """A signed-in session for `user`, made in the session store without the sign-in's writes
    (the database is read-only while measured)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from imaging_ops.security.session_idle import LAST_ACTIVITY_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[LAST_ACTIVITY_KEY] = time.time()
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


def _my_work_answer(response):
    work = response.context["my_work"]
    return {
        "counts": [[f.status, f.count] for f in work.figures],
        "rows": [row.schedule.pk for row in work.rows],
        "missed": str(work.missed),
    }


def _dashboard_answer(response):
    f = response.context["figures"]
    return {
        "by_site": [[r.key, r.total, r.overdue] for r in f.compliance_by_site],
        "by_modality": [[r.key, r.total, r.overdue] for r in f.compliance_by_modality],
        "on_time": [[m.month.isoformat(), m.total, m.on_time] for m in f.on_time_by_month],
        "overdue": [f.overdue_count, [s.pk for s in f.overdue]],
        "due_soon": [f.due_soon_count, [s.pk for s in f.due_soon]],
        "availability": [[r.modality, r.units, r.out_of_service] for r in f.availability],
        "work_orders": [[r.priority, list(r.by_age)] for r in f.work_orders],
        "failures": [[r.modality, r.failures] for r in f.failures],
        "training": [[r.site_id, r.required, r.current] for r in f.training],
        "identifiers": [i.pk for i in f.identifiers],
    }


def _overview_answer(response):
    return {
        "page": response.context["page_obj"].number,
        "rows": [s.pk for s, _, _ in response.context["overview"]],
    }


def _csv_answer(response):
    body = b"".join(response.streaming_content)
    return {"lines": body.count(b"\n"), "sha256": hashlib.sha256(body).hexdigest()}


def _consume(response):
    if response.streaming:
        for _ in response.streaming_content:
            pass
    return response


def _measure(args) -> dict:
    """Runs in the engine's process: the answers with the clock stopped, then the timings."""
    import django

    django.setup()
    import time_machine
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    from bench.generator import builder
    from bench.generator.people import BENCH_MANAGER, BENCH_TECHNICIAN
    from equipment.models import Equipment
    from imaging_ops.models import User

    marker = json.loads(args.marker)
    stale = builder.changed(marker, marker.get("identity", {}).get("sizes"))
    technician = User.objects.get(username=BENCH_TECHNICIAN)
    manager = User.objects.get(username=BENCH_MANAGER)
    tech_client, manager_client = Client(), Client()
    _login(tech_client, technician)
    _login(manager_client, manager)
    setup_test_environment()
    try:
        first = manager_client.get("/compliance/dashboard/", secure=True)
    finally:
        teardown_test_environment()
    active = first.context["paginator"].count  # the overview's rows: every active schedule
    deep = max(1, first.context["paginator"].num_pages * 3 // 4)
    # As a gunicorn worker does once the app is loaded (imaging_ops.wsgi).
    from imaging_ops.runtime import settle_garbage_collection

    settle_garbage_collection()

    def get(client, path):
        return lambda: _consume(client.get(path, secure=True))

    requests = {
        "my_work": (get(tech_client, "/"), _my_work_answer),
        "dashboard": (get(manager_client, "/compliance/dashboard/"), _dashboard_answer),
        "overview_page": (
            get(manager_client, f"/compliance/dashboard/?sort=overdue_at&page={deep}"),
            _overview_answer,
        ),
        "overview_csv": (
            lambda: manager_client.get("/equipment/schedules/export/", secure=True),
            _csv_answer,
        ),
    }
    answers, times, queries = {}, {}, {}
    moment = datetime.fromisoformat(args.now)
    for key, (request, answer) in requests.items():
        setup_test_environment()
        try:
            with time_machine.travel(moment, tick=False):
                response = request()
                if response.status_code != 200:
                    raise SystemExit(f"{key}: HTTP {response.status_code}")
                answers[key] = answer(response)
        finally:
            teardown_test_environment()
        counted = []

        def count(execute, sql, params, many, context, counted=counted):
            counted.append(1)
            return execute(sql, params, many, context)

        samples = []
        with connection.execute_wrapper(count):
            for i in range(args.warmup + args.runs):
                counted.clear()
                start = time.perf_counter()
                response = _consume(request())
                elapsed = time.perf_counter() - start
                if response.status_code != 200:
                    raise SystemExit(f"{key}: HTTP {response.status_code} while measured")
                if i >= args.warmup:
                    samples.append(elapsed)
        times[key] = samples
        queries[key] = len(counted)
    return {
        "engine": connection.vendor,
        "units": Equipment.objects.count(),
        "schedules": active,
        "deep_page": deep,
        "stale": stale,
        "times": times,
        "queries": queries,
        "answers": answers,
    }


# --- the orchestra -----------------------------------------------------------------------------


@dataclass
class Measured:
    scale: float
    engine: str
    units: int
    schedules: int
    times: dict[str, list[float]]
    queries: dict[str, int]
    answers: dict
    stale: list[str]
    deep_page: int

    def median(self, key: str) -> float:
        return statistics.median(self.times[key])


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_SQLITE_PATH")}
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env.update(extra)
    return env


def _child(argv: list[str], env: dict) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.peer", *argv],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"python -m bench.peer {argv[0]} failed (exit {done.returncode})")
    return done.stdout


def _prepare(url: str, scale: float) -> None:
    _child(["prepare", "--url", url, "--scale", str(scale)], _env(DATABASE_URL=url))


def _measure_in_child(env: dict, marker: dict, now: str, runs: int, warmup: int) -> dict:
    out = _child(
        [
            "measure",
            "--marker",
            json.dumps(marker),
            "--now",
            now,
            "--runs",
            str(runs),
            "--warmup",
            str(warmup),
        ],
        {**env, "BENCH_READ_ONLY": "1"},
    )
    return json.loads(out.strip().splitlines()[-1])


@dataclass
class Comparison:
    measured: list[Measured]
    copies: dict[float, object]  # scale -> sqlite_copy.CopyResult
    runs: int
    warmup: int
    seconds: float
    load: float

    def at(self, scale: float, engine: str) -> Measured:
        return next(m for m in self.measured if m.scale == scale and m.engine == engine)


def compare(
    main_url: str,
    scales=DEFAULT_SCALES,
    *,
    runs: int = RUNS,
    warmup: int = WARMUP,
    as_built: bool = False,
    log=print,
) -> Comparison:
    from bench import database, sqlite_copy

    started = time.perf_counter()
    load = os.getloadavg()[0]
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    measured, copies = [], {}
    for scale in scales:
        url = database_url(main_url, scale)
        name = database.database_name(url)
        if not as_built:
            log(f"PostgreSQL {name} at scale {scale:g}:")
            _prepare(url, scale)
        marker = database.read_marker(url)
        if marker is None:
            raise SystemExit(f"{name} holds no finished build (run without --as-built)")
        t0 = time.perf_counter()
        copy = sqlite_copy.copy(url, sqlite_copy.default_path(url), log=log)
        copies[scale] = copy
        log(
            f"SQLite copy of {name}: "
            + ("reused" if copy.reused else f"copied in {time.perf_counter() - t0:.0f} s")
        )
        for engine, env in (
            ("postgresql", _env(DATABASE_URL=url)),
            ("sqlite", _env(BENCH_SQLITE_PATH=str(copy.path))),
        ):
            t0 = time.perf_counter()
            got = _measure_in_child(env, marker, now, runs, warmup)
            if got["engine"] != engine:
                raise SystemExit(f"measured {got['engine']}, expected {engine}")
            m = Measured(
                scale,
                engine,
                got["units"],
                got["schedules"],
                got["times"],
                got["queries"],
                got["answers"],
                got["stale"],
                got["deep_page"],
            )
            measured.append(m)
            log(
                f"  {engine} {units_label(m.units)} units, in {time.perf_counter() - t0:.0f} s: "
                + ", ".join(f"{key} {m.median(key) * 1000:.0f} ms" for key, _ in CASES)
            )
        pg, lite = measured[-2], measured[-1]
        differ = [key for key, _ in CASES if pg.answers[key] != lite.answers[key]]
        if differ:
            raise SystemExit(
                f"PostgreSQL and SQLite answer differently at {units_label(pg.units)} units: "
                + "; ".join(f"{k}: {pg.answers[k]} / {lite.answers[k]}" for k in differ)
            )
    return Comparison(measured, copies, runs, warmup, round(time.perf_counter() - started), load)


# --- the table -----------------------------------------------------------------------------------


def _seconds(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def table_rows(c: Comparison) -> list[list[str]]:
    small, large = min(m.scale for m in c.measured), max(m.scale for m in c.measured)
    rows = []
    for key, label in CASES:
        row = [label]
        for engine, _ in ENGINES:
            a, b = c.at(small, engine), c.at(large, engine)
            row += [
                _seconds(a.median(key)),
                _seconds(b.median(key)),
                f"{b.median(key) / a.median(key):.1f}×",  # noqa: RUF001
            ]
        # The peer's sizes are round; the generator's long-history CT adds one unit to each.
        units = tuple(round(c.at(scale, "postgresql").units, -3) for scale in (small, large))
        figure = PEER_FIGURE.get(key)
        if figure is not None and all(u in PEER for u in units):
            p_small, p_large = PEER[units[0]][figure], PEER[units[1]][figure]
            row += [_seconds(p_small), _seconds(p_large), f"{p_large / p_small:.1f}×"]  # noqa: RUF001
        else:
            row += ["—", "—", ""]
        q = [c.at(s, e).queries[key] for e, _ in ENGINES for s in (small, large)]
        row.append(str(q[0]) if len(set(q)) == 1 else " / ".join(map(str, q)))
        rows.append(row)
    return rows


def header(c: Comparison) -> list[str]:
    small, large = min(m.scale for m in c.measured), max(m.scale for m in c.measured)
    a, b = (
        units_label(c.at(small, "postgresql").units),
        units_label(c.at(large, "postgresql").units),
    )
    cells = ["Case (median s)"]
    for _, name in (*ENGINES, (None, "Peer")):
        cells += [f"{name} {a}", f"{name} {b}", "growth"]
    return [*cells, "Queries"]


def text(c: Comparison) -> str:
    from bench.report import _text_table

    head = header(c)
    return _text_table(head, table_rows(c), numeric=set(range(1, len(head))))


def section(c: Comparison) -> str:
    """The doc's section "Beside the nearest peer, on both engines"."""
    from bench.report import _markdown_table

    small, large = min(m.scale for m in c.measured), max(m.scale for m in c.measured)
    sizes = []
    for scale in (small, large):
        pg, copy = c.at(scale, "postgresql"), c.copies[scale]
        how = f"reused, made in {copy.seconds:.0f} s" if copy.reused else f"{copy.seconds:.0f} s"
        stale = (
            f"; its PostgreSQL data was built by other code than the one measured "
            f"({', '.join(pg.stale)})"
            if pg.stale
            else ""
        )
        sizes.append(
            f"{pg.units:,} units, {pg.schedules:,} active schedules, "
            f"{sum(copy.rows.values()):,} rows (the SQLite copy: {how}){stale}"
        )
    deep = c.at(large, "postgresql")
    return "\n".join(
        [
            "### Beside the nearest peer, on both engines",
            "",
            f"The same data at two sizes, on PostgreSQL and on an SQLite copy of it "
            f"(`python -m bench.peer`, run by `make bench`; {c.seconds} s in all, the copies "
            f"and the measurement; load average {c.load:.2f} before): "
            + "; ".join(sizes)
            + ". Each engine in its own process, read-only, through Django's test client: "
            f"{c.warmup} warm-up request, then the median of {c.runs}, in seconds. *growth* is "
            "the larger size's median over the smaller's (flat is 1×); *Queries* per request "  # noqa: RUF001
            "(PostgreSQL small, large, SQLite small, large when they differ). The due-date "
            "overview is part of the dashboard page: its row is the whole page sorted by "
            f"overdue time at page {deep.deep_page:,} (of 25 rows) at {deep.units:,} units; "
            "unpaginated, it is the schedule list's CSV of every schedule with its due dates. "
            "Both engines gave the same answers (figures, rows listed, the CSV's digest) with "
            "the clock stopped at the run's start. Sessions are kept in memory, so each page "
            "runs one query fewer than in the table above. The peer's figures are its "
            "published ones on this kind of machine (its technicians' landing page runs one "
            "query per unit; it publishes none for a dashboard).",
            "",
            _markdown_table(header(c), table_rows(c)),
            "",
        ]
    )


# --- command line ------------------------------------------------------------------------------


def _scales(text: str) -> tuple[float, ...]:
    values = tuple(sorted(float(v) for v in text.split(",")))
    if len(values) != 2:
        raise argparse.ArgumentTypeError("two scales, e.g. 0.1,1")
    return values


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["measure"]:
        parser = argparse.ArgumentParser(prog="python -m bench.peer measure")
        parser.add_argument("--marker", required=True)
        parser.add_argument("--now", required=True)
        parser.add_argument("--runs", type=int, required=True)
        parser.add_argument("--warmup", type=int, required=True)
        print(json.dumps(_measure(parser.parse_args(argv[1:]))))
        return 0
    if argv[:1] == ["prepare"]:
        parser = argparse.ArgumentParser(prog="python -m bench.peer prepare")
        parser.add_argument("--url", required=True)
        parser.add_argument("--scale", type=float, required=True)
        args = parser.parse_args(argv[1:])
        from bench import database, run

        database.ensure_database(args.url, drop=False)
        run._setup(args.url)
        run.prepare(args.url, args.scale, log=lambda line: print(line, file=sys.stderr))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__)
    parser.add_argument("--runs", type=int, default=RUNS, help="measured requests per case")
    parser.add_argument("--warmup", type=int, default=WARMUP, help="unmeasured requests first")
    parser.add_argument(
        "--scales",
        type=_scales,
        default=DEFAULT_SCALES,
        help="the two sizes, as fractions of the full build (default 0.1,1: 1,000 and "
        "10,000 units)",
    )
    parser.add_argument(
        "--as-built",
        action="store_true",
        help="measure the PostgreSQL databases as they are: never build or migrate them",
    )
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    from bench import database

    main_url = os.environ.get("BENCH_DATABASE_URL") or database.DEFAULT_URL
    comparison = compare(
        main_url, args.scales, runs=args.runs, warmup=args.warmup, as_built=args.as_built
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DATABASE_URL", main_url)
    import django

    django.setup()  # bench.report reads the project's models (it opens no connection here)
    print()
    print(text(comparison))
    print(f"\nCompared in {comparison.seconds} s.")
    if args.no_doc:
        return 0
    if args.scales != DEFAULT_SCALES:
        print(f"Not writing docs/benchmarks.md at scales {args.scales}: it holds 1k and 10k.")
        return 0
    from bench import report

    print(f"Wrote {report.write_peer_section(section(comparison)).relative_to(PROJECT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
