"""The machine, the table of results, and `docs/benchmarks.md`.

The run rewrites only the part of `docs/benchmarks.md` between the two `bench:` markers; the
text around it (how to read the numbers, findings, recommendations) is kept as written.
"""

import os
import platform
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import django
from django.db import connection

from bench import equipment_log
from bench.cases import API_TARGET_MS, PAGE_TARGET_MS, Result
from bench.chain import CHAIN_TARGET_S, ChainRun
from bench.equipment_log import LogRun

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:begin (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:end -->"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _code_version() -> str:
    """The commit measured, and whether the working tree differs from it."""
    root = Path(__file__).resolve().parent.parent
    executable = shutil.which("git")

    def git(*args):
        if executable is None:
            return ""
        done = subprocess.run(  # noqa: S603 - fixed arguments, no user input
            [executable, *args], cwd=root, capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    changed = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit}" + (" with uncommitted changes" if changed else "")


def machine(load_before: float) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return {
        "CPU": _cpu_model(),
        "Cores": str(os.cpu_count()),
        "Memory": _memory_gib(),
        "PostgreSQL": f"{pg_version} (shared_buffers {shared_buffers}, same machine, TCP)",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "Date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "Code": _code_version(),
        "Load average before the run": f"{load_before:.2f} (1 min)",
    }


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def rows(results: list[Result]) -> list[list[str]]:
    first = next((r for r in results if r.group == "baseline" and not r.error), None)
    baselines = {r.name: r for r in results if r.group == "baseline" and not r.error}
    table = []
    for r in results:
        if r.error:
            table.append([r.name, "ERROR", "", "", "", "", "", r.error])
            continue
        baseline = baselines.get(r.baseline) if r.baseline else first
        if r.group == "baseline" or baseline is None:
            ratio = "1×" if r.group == "baseline" else ""  # noqa: RUF001
        else:
            ratio = f"{r.median / baseline.median:.0f}×"  # noqa: RUF001
        if r.target_ms is None:
            verdict = "baseline"
        else:
            verdict = f"< {r.target_ms:.0f}: {'over' if r.over_target else 'ok'}"
        table.append(
            [
                r.name,
                _ms(r.median),
                _ms(r.p95),
                r.queries,
                _ms(r.sql_median),
                _ms(r.cpu_median),
                ratio,
                f"{verdict}; {r.note}" if r.note else verdict,
            ]
        )
    return table


HEADER = [
    "Case",
    "Median ms",
    "p95 ms",
    "Queries",
    "SQL ms",
    "CPU ms",
    "× baseline",  # noqa: RUF001
    "Target ms; notes",
]


def text_table(results: list[Result]) -> str:
    return _text_table(HEADER, rows(results), numeric={1, 2, 3, 4, 5, 6})


CHAIN_HEADER = [
    "Case",
    "Median s",
    "Runs s",
    "Events/s",
    "CPU s",
    "RSS MiB: start / peak",
    "× baseline",  # noqa: RUF001
    "Target s; notes",
]


def chain_rows(run: ChainRun) -> list[list[str]]:
    baseline = next((r for r in run.results if r.group == "baseline" and not r.error), None)
    table = []
    for r in run.results:
        if r.error:
            table.append([r.name, "ERROR", "", "", "", "", "", r.error])
            continue
        ratio = f"{r.median / baseline.median:.1f}×" if baseline and r is not baseline else "1×"  # noqa: RUF001
        if r.target_s is None:
            verdict = "baseline"
        else:
            verdict = f"< {r.target_s:.0f}: {'over' if r.over_target else 'ok'}"
        table.append(
            [
                r.name,
                f"{r.median:.1f}",
                " ".join(f"{s:.1f}" for s in r.seconds),
                f"{r.per_second:,.0f}",
                f"{r.cpu_median:.1f}",
                f"{r.rss_start_mib:.0f} / {r.rss_peak_mib:.0f}",
                ratio,
                f"{verdict}; {r.note}" if r.note else verdict,
            ]
        )
    return table


def _streaming(run: ChainRun) -> list[str]:
    """What the sampler saw: the statements of the session, and memory."""
    lines = []
    for r in run.results:
        if r.error or not r.statements:
            continue
        seen = sorted(r.statements.items(), key=lambda item: item[1], reverse=True)
        shown = "; ".join(
            f"`{shape}` (in {count} sample{'s' if count > 1 else ''})" for shape, count in seen[:3]
        )
        lines.append(
            f"{r.name}: the session ran {shown}; resident memory grew by at most "
            f"{max(0.0, r.growth_mib):.0f} MiB during a run."
        )
    return lines


def chain_text(run: ChainRun) -> str:
    text = _text_table(CHAIN_HEADER, chain_rows(run), numeric={1, 3, 4, 5, 6})
    facts = [
        f"{run.events:,} events ({run.generated:,} generated), table {run.table_mib:,.0f} MiB; "
        f"max RSS of the process {run.max_rss_before_mib:.0f} MiB before the case, "
        f"{run.max_rss_after_mib:.0f} MiB after.",
        *_streaming(run),
    ]
    return text + "\n" + "\n".join(facts)


def _text_table(header: list[str], body: list[list[str]], *, numeric: set[int]) -> str:
    table = [header, *body]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for n, row in enumerate(table):
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown_table(header: list[str], body: list[list[str]]) -> str:
    align = ["---" if i in (0, len(header) - 1) else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body]
    return "\n".join(lines)


def _chain_section(run: ChainRun | None) -> list[str]:
    if run is None:
        return []
    verify = next((r for r in run.results if r.group == "verify"), None)
    runs = len(verify.seconds) if verify and verify.seconds else 0
    since = run.events - run.generated
    return [
        "### Audit chain",
        "",
        f"`verify_chain()`, what `manage.py verify_audit` runs, walked the whole trail: "
        f"{run.events:,} events ({run.generated:,} generated, {since:,} written since by the "
        f"bench itself: its sign-ins and API token), {runs} runs, alternating with the baseline: "
        "the same columns "
        "in the same order through a raw server-side cursor, without checking anything. "
        f"*Runs s* lists every run; *CPU s* is the CPU time of the benchmark process (Python and "
        "the driver; the database server works beside it on the other core); *RSS* the "
        "process's resident memory when a run starts and the most sampled during one.",
        "",
        _markdown_table(CHAIN_HEADER, chain_rows(run)),
        "",
        f"Target (issue 3, *Performance*): under {CHAIN_TARGET_S} s for 1,000,000 events on "
        "PostgreSQL, streaming. Streaming, as sampled every 0.2 s in `pg_stat_activity` and "
        "`/proc/self/status`:",
        "",
        *[f"- {line}" for line in _streaming(run)],
        f"- The events table holds {run.table_mib:,.0f} MiB (without its indexes); the "
        f"process's peak resident memory (`ru_maxrss`) was {run.max_rss_before_mib:.0f} MiB "
        f"before the case (a rebuild in the same process counts there) and "
        f"{run.max_rss_after_mib:.0f} MiB after it.",
        "",
    ]


def generated_section(
    results: list[Result],
    info: dict[str, str],
    marker: dict,
    identity: dict,
    facts: dict,
    meta: dict,
    chain_run: ChainRun | None = None,
    log_run: LogRun | None = None,
) -> str:
    rows_by_table = marker.get("rows", {})
    data = [
        [label, f"{rows_by_table.get(table, 0):,}"]
        for label, table in [
            ("Sites", "imaging_ops_site"),
            ("Site identifiers", "imaging_ops_siteidentifier"),
            ("People", "imaging_ops_user"),
            ("Site memberships (roles)", "imaging_ops_sitemembership"),
            ("Locations", "equipment_location"),
            ("Equipment", "equipment_equipment"),
            ("Status changes", "equipment_equipmentstatuschange"),
            ("Procedures (each with one version)", "equipment_procedure"),
            ("Checks", "equipment_check"),
            ("Schedules", "equipment_schedule"),
            ("Service records (each with one version)", "equipment_servicerecord"),
            ("Measurements", "equipment_measurement"),
            ("Signatures", "imaging_ops_signature"),
            ("Missed days", "equipment_missedoccurrence"),
            ("Audit events (chained)", "imaging_ops_auditevent"),
        ]
    ]
    groups = marker.get("groups", {})
    timed = [
        f"the {label} {groups[name]} s"
        for name, label in (("maintenance", "maintenance data"), ("audit events", "audit events"))
        if name in groups
    ]
    audit_build = f" ({', '.join(timed)})" if timed else ""
    parts = [
        BEGIN,
        "",
        "### Machine",
        "",
        _markdown_table(["", ""], [[k, v] for k, v in info.items()]),
        "",
        "### Data",
        "",
        f"Generator version {identity['version']}, seed {identity['seed']}, built "
        f"{marker['built_on'][:10]} in {marker['seconds']} s{audit_build}"
        + ". The technician works at "
        f"{facts['technician_site']} ({facts['technician_site_equipment']} pieces of equipment); "
        f"the manager holds the manager role at all {facts['manager_sites']} sites."
        + (
            f" The equipment page is that of machine #{facts['equipment_page_machine']}, the "
            "technician's CT with a year of daily QC."
            if facts.get("equipment_page_machine")
            else ""
        ),
        "",
        _markdown_table(["Table", "Rows"], data),
        "",
        "### Results",
        "",
        f"{meta['warmup']} warm-up requests, then {meta['repeat']} measured, one after another "
        "in one process through Django's test client (no network, no web server). *Queries* is "
        "the number of SQL queries per request; *SQL ms* the median wall time spent in them; "
        "*CPU ms* the median CPU time of the benchmark process (Python: middleware, view, "
        "serializer, template, and the driver), which other work on the machine inflates less "
        "than wall time; *× baseline* the median over the baseline's median.",  # noqa: RUF001
        "",
        _markdown_table(HEADER, rows(results)),
        "",
        f"Targets (DESIGN.md, *Numbers to hold*): the equipment page and the schedule list under "
        f"{PAGE_TARGET_MS} ms, an API list page of 50 under {API_TARGET_MS} ms, with a number of "
        "queries that does not grow with the data. Each case is compared with the baseline it "
        "names (the equipment list's 50 rows when it names none). For scale, the closest "
        "open-source peer takes 8 s for its technicians' landing page with 10,000 units (one "
        "query per unit).",
        "",
        *_chain_section(chain_run),
        *equipment_log.section(log_run),
        END,
    ]
    return "\n".join(parts)


INTRO = """# Benchmarks

`make bench` builds health-system-scale data on PostgreSQL and measures pages and API lists
beside a bare-SQL baseline in the same run, and the audit chain's verification beside a bare
streaming read. The data is built once (in about a minute) and reused while the generator's
version, seed, sizes and the project's migrations are unchanged; `make bench
BENCH_ARGS=--rebuild` forces a new build. The database URL is `BENCH_DATABASE_URL`
(default `postgres://postgres@127.0.0.1:5432/imaging_ops_bench`; the database is created when
missing). The generator is `bench/generator/`: each issue that adds tables adds a module there.
The part between the markers below is rewritten by each run.

## How to read it

The median is the typical request, p95 the slow one in twenty. The baseline is the floor: the
same 50 rows fetched by one hand-written query through a raw cursor, measured in the same run on
the same machine, so a page at ten times the baseline costs as much as ten such queries. What a
page costs beyond the baseline is the price of sessions, scoping, filters, pagination and
rendering; *SQL ms* tells how much of it is spent waiting for the database and *CPU ms* how much
in Python. On a busy machine wall times swell (the load average is recorded with the machine);
CPU ms and the query counts move least. A case over its target is diagnosed in the run's output:
`EXPLAIN ANALYZE` of its slowest query when the database dominates, else the template tags and
functions it spends its Python time in (`--explain` and `--profile` print these for every case).

## Latest run

"""


def write_doc(section: str) -> Path:
    if DOC.exists() and BEGIN in (text := DOC.read_text()) and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        DOC.write_text(before + section + after)
    else:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(INTRO + section + "\n")
    return DOC


PEER_HEADING = "### Beside the nearest peer, on both engines"


def _split_peer(generated: str) -> tuple[str, str, str]:
    """The generated part as (before, the peer section, after); the section is empty if absent."""
    if PEER_HEADING not in generated:
        return generated, "", ""
    before, rest = generated.split(PEER_HEADING, 1)
    following = rest.find("\n### ")
    if following == -1:
        return before, PEER_HEADING + rest, ""
    return before, PEER_HEADING + rest[: following + 1], rest[following + 1 :]


def peer_section_in_doc() -> str:
    """The peer section of the doc's generated part as last written, or ""."""
    if not DOC.exists() or BEGIN not in (text := DOC.read_text()) or END not in text:
        return ""
    return _split_peer(text.split(BEGIN, 1)[1].split(END, 1)[0])[1]


def write_peer_section(section: str) -> Path:
    """Put the peer section (bench/peer.py) in the generated part, in place of the previous
    one, else just before the end marker; the rest of the doc is kept."""
    text = DOC.read_text() if DOC.exists() else ""
    if BEGIN not in text or END not in text:
        return write_doc(BEGIN + "\n\n" + section.rstrip("\n") + "\n\n" + END)
    head, rest = text.split(BEGIN, 1)
    generated, tail = rest.split(END, 1)
    before, old, after = _split_peer(generated)
    if not old:
        before, after = generated.rstrip("\n") + "\n\n", ""
    DOC.write_text(head + BEGIN + before + section.rstrip("\n") + "\n\n" + after + END + tail)
    return DOC
