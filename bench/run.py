"""`make bench`: build the scale data once, measure each case beside the baseline, report.

    python -m bench.run [--rebuild] [--scale F] [--explain] [--profile] [--repeat N]
                        [--warmup N] [--chain-runs N] [--log-runs N] [--no-peer]
                        [--peer-runs N] [--no-doc]

Prints the table and rewrites the generated part of docs/benchmarks.md. Exits non-zero when a
case errors (a wrong answer, an exception), not when a case is slow: a slow case is followed by
its diagnosis, the plan of its slowest query or where its Python time goes, to be looked at.
"""

import argparse
import os
import sys
import time
import warnings
from datetime import date

# WhiteNoise warns that STATIC_ROOT is empty: the benchmark does not run collectstatic.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="drop and build the data again")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="build the data at this fraction of the full sizes (people, equipment, audit "
        "events; sites and rooms stay), e.g. 0.05 for a build in seconds; another scale than "
        "the database's rebuilds it, and docs/benchmarks.md is written at full scale only",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of each case's slowest query (always done for slow cases)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print where each case spends its Python time (always done for slow cases "
        "that spend little time in SQL)",
    )
    parser.add_argument("--warmup", type=int, default=None, help="unmeasured requests per case")
    parser.add_argument("--repeat", type=int, default=None, help="measured requests per case")
    parser.add_argument(
        "--chain-runs",
        type=int,
        default=None,
        help="runs of the audit chain case (each walks the whole chain; 0 skips the case)",
    )
    parser.add_argument(
        "--log-runs",
        type=int,
        default=None,
        help="runs of the equipment log case (each renders and signs a 5,000-entry log and "
        "lays out its bare table; 0 skips the case)",
    )
    parser.add_argument(
        "--no-peer",
        action="store_true",
        help="skip the comparison beside the nearest peer (bench/peer.py: 1,000 and 10,000 "
        "units on PostgreSQL and SQLite; run at full scale only)",
    )
    parser.add_argument(
        "--peer-runs", type=int, default=None, help="measured requests per case of the comparison"
    )
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    return parser.parse_args(argv)


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def _explain(result) -> str:
    from django.db import connection

    selects = [q for q in result.last_queries if q.sql.lstrip().upper().startswith("SELECT")]
    if not selects:
        return "  (no SELECT to explain)"
    slowest = max(selects, key=lambda q: q.ms)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest.sql, slowest.params)
        plan = "\n".join("    " + row[0] for row in cursor.fetchall())
    shown = (
        slowest.sql if len(slowest.sql) < 400 else slowest.sql[:200] + " … " + slowest.sql[-180:]
    )
    return f"  slowest query ({slowest.ms:.1f} ms in the last request):\n    {shown}\n{plan}"


def _profile(case, requests: int = 5, lines: int = 8) -> str:
    """Where a case spends its Python time: template tags by line, then functions by self time."""
    import cProfile
    import pstats
    from collections import defaultdict

    from django.template import base

    tags = defaultdict(float)
    original = base.Node.render_annotated

    def timed(node, context):
        start = time.perf_counter()
        try:
            return original(node, context)
        finally:
            token = getattr(node, "token", None)
            if token is not None and token.token_type == base.TokenType.BLOCK:
                origin = getattr(getattr(node, "origin", None), "template_name", "?")
                tags[(origin, token.lineno, token.contents[:60])] += time.perf_counter() - start

    profiler = cProfile.Profile()
    base.Node.render_annotated = timed
    try:
        profiler.enable()
        for _ in range(requests):
            case.request()
        profiler.disable()
    finally:
        base.Node.render_annotated = original
    out = []
    if tags:
        out.append("  template tags, time inside each (ms per request):")
        ranked = sorted(tags.items(), key=lambda item: item[1], reverse=True)
        for (origin, line, contents), seconds in ranked[:lines]:
            out.append(f"    {seconds * 1000 / requests:7.1f}  {origin}:{line} {{% {contents} %}}")
    out.append("  functions by their own time (ms per request, calls per request):")
    stats = pstats.Stats(profiler).stats
    ranked = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)
    for (filename, line, function), (_, calls, own, _, _) in ranked[:lines]:
        place = filename.split("site-packages/")[-1].replace(os.getcwd() + "/", "")
        out.append(
            f"    {own * 1000 / requests:7.1f}  {calls // requests:>6}x  {place}:{line}({function})"
        )
    return "\n".join(out)


def prepare(url: str, scale: float, *, rebuild: bool = False, log=print) -> dict:
    """The database at `url` migrated and holding the data of this generator at `scale`
    (built when missing, stale or asked for); its marker. Django must be set up on `url`."""
    from django.core.management import call_command

    from bench import database
    from bench.generator import builder

    try:
        sizes = builder.sizes_at(scale)
    except ValueError as exc:
        raise SystemExit(f"--scale: {exc}") from exc
    fresh = database.ensure_database(url, drop=rebuild)
    marker = None if fresh else database.read_marker(url)
    if not fresh and (why := builder.changed(marker, sizes)):
        log(f"Rebuilding {database.database_name(url)}: {', '.join(why)}.")
        from django.db import connections

        connections.close_all()
        database.ensure_database(url, drop=True)
        fresh = True
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"Migrated {database.database_name(url)} in {time.perf_counter() - t0:.1f} s.")
    if fresh:
        log(
            "Building the data (generator version "
            f"{builder.GENERATOR_VERSION}, seed {builder.SEED}"
            + ("" if scale == 1 else f", scale {scale:g}")
            + "):"
        )
        marker = builder.build(log=log, sizes=sizes)
        log(
            f"Built in {marker['seconds']} s: "
            + ", ".join(f"{n:,} {t}" for t, n in marker["rows"].items())
        )
    else:
        log(
            f"Reusing the data built {marker['built_on'][:10]} (same generator, seed, sizes and "
            "migrations; --rebuild to build again)."
        )
    return marker


def main(argv=None) -> int:
    args = _arguments(argv)
    from bench import database

    url = os.environ.get("BENCH_DATABASE_URL") or database.DEFAULT_URL
    started = time.perf_counter()
    database.ensure_database(url, drop=False)
    _setup(url)

    from bench import cases, chain, report
    from bench.generator import builder

    marker = prepare(url, args.scale, rebuild=args.rebuild)
    sizes = builder.sizes_at(args.scale)

    load = os.getloadavg()[0]
    if load > 0.5:
        print(
            f"Note: load average {load:.2f} before measuring; other work on this machine "
            "inflates the numbers, p95 most."
        )
    warmup = cases.WARMUP if args.warmup is None else args.warmup
    repeat = cases.REPEAT if args.repeat is None else args.repeat
    case_list, facts = cases.build_cases(date.fromisoformat(marker["built_on"][:10]))
    # As a gunicorn worker does once the app is loaded (imaging_ops.wsgi).
    from imaging_ops.runtime import settle_garbage_collection

    settle_garbage_collection()
    results = []
    for case in case_list:
        result = cases.measure(case, warmup=warmup, repeat=max(1, repeat))
        results.append(result)
        shown = "ERROR " + result.error if result.error else f"median {result.median:.1f} ms"
        print(f"  {case.name}: {shown}")

    chain_runs = chain.RUNS if args.chain_runs is None else args.chain_runs
    chain_run = None
    if chain_runs > 0:
        generated = marker["rows"].get("imaging_ops_auditevent", 0)
        print(f"  Audit chain, {chain_runs} runs of each (about a minute a pair at a million):")
        chain_run = chain.measure(url, generated, runs=chain_runs)
        for result in chain_run.results:
            shown = (
                "ERROR " + result.error
                if result.error
                else f"median {result.median:.1f} s, {result.per_second:,.0f} events/s"
            )
            print(f"  {result.name}: {shown}")

    from bench import reminder_sweep

    print("  Reminder sweep, 3 runs (5 % of the schedules crossing a boundary, rolled back):")
    sweep_run = reminder_sweep.measure()
    print(f"  {reminder_sweep.text(sweep_run)}")

    from bench import equipment_log

    log_runs = equipment_log.RUNS if args.log_runs is None else args.log_runs
    log_run = None
    if log_runs > 0:
        print(f"  Equipment log, {log_runs} runs of each (rendered and signed; the bare table):")
        log_run = equipment_log.measure(runs=log_runs)
        shown = (
            "ERROR " + log_run.error
            if log_run.error
            else (f"median {log_run.median:.2f} s, {log_run.ratio:.2f}x the bare table")
        )
        print(f"  Equipment log, {log_run.entries:,} entries: {shown}")

    comparison = None
    if args.scale == 1 and not args.no_peer:
        from bench import peer

        print("  Beside the nearest peer: 1,000 and 10,000 units on PostgreSQL and SQLite:")
        comparison = peer.compare(
            url,
            runs=peer.RUNS if args.peer_runs is None else args.peer_runs,
            log=lambda line: print("    " + line),
        )

    print()
    print(report.text_table(results))
    if comparison:
        print()
        print(peer.text(comparison))
    if chain_run:
        print()
        print(report.chain_text(chain_run))
    if log_run:
        print()
        print(equipment_log.text(log_run))
    by_name = {case.name: case for case in case_list}
    for result in results:
        if result.error or not (args.explain or args.profile or result.over_target):
            continue
        share = result.sql_median / result.median if result.median else 0
        why = "over its target" if result.over_target else "asked for"
        print(
            f"\n{result.name} ({why}): median {result.median:.1f} ms, of which "
            f"{result.sql_median:.1f} ms in {result.queries} SQL queries."
        )
        if args.explain or (result.over_target and share >= 0.3):
            print(_explain(result))
        if args.profile or (result.over_target and share < 0.3):
            print("  Most of the time is spent in Python (profiled, so slower than measured):")
            print(_profile(by_name[result.name]))

    for result in chain_run.results if chain_run else []:
        if result.group != "verify" or result.error:
            continue
        if not (args.profile or result.close_to_target):
            continue
        why = "over its target" if result.over_target else "close to its target"
        if not result.close_to_target:
            why = "asked for"
        print(
            f"\n{result.name} ({why}): median {result.median:.1f} s, CPU {result.cpu_median:.1f} s "
            "of this process. One run profiled:"
        )
        print(chain.profile())

    if args.scale != 1 and not args.no_doc:
        print(
            f"\nNot writing docs/benchmarks.md at scale {args.scale:g}: its numbers are taken at "
            "full scale."
        )
    elif not args.no_doc:
        section = report.generated_section(
            results,
            report.machine(load),
            marker,
            builder.identity(sizes),
            facts,
            {"warmup": warmup, "repeat": repeat},
            chain_run,
            log_run,
        )
        # The comparison's section is kept from the last run that made one, when skipped.
        previous_peer = report.peer_section_in_doc()
        report.write_doc(section)
        if comparison or previous_peer:
            report.write_peer_section(peer.section(comparison) if comparison else previous_peer)
        print(f"\nWrote {report.DOC.relative_to(os.getcwd())}.")
    chain_results = chain_run.results if chain_run else []
    log_results = [log_run] if log_run else []
    errors = [r for r in [*results, *chain_results, *log_results] if r.error]
    slow = [r for r in [*results, *chain_results, *log_results] if r.over_target]
    print(
        f"Finished in {time.perf_counter() - started:.0f} s: "
        f"{len(results) + len(chain_results) + len(log_results)} cases, "
        f"{len(errors)} errors, {len(slow)} over target."
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
