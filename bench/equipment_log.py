"""The equipment log case: a log of 5,000 entries read, rendered and signed, beside a bare
ReportLab table of the same rows, measured in the same run.

Issue: "An equipment log of 5,000 entries is rendered and signed in under 5 seconds and within
twice the time of a bare ReportLab table of the same rows measured in the same run, with memory
that does not grow with the entries beyond the snapshot." The log is that of the machine the
generator gave a long history (`bench.generator.long_log`), over the period of its latest
5,000 records (from the day of the 5,000th newest to today, in the site's calendar). Each run
reads the snapshot as the log service does (`equipment_log_snapshot`), renders it with the
equipment log's builder and signs it with PAdES as `issue_log` does; the baseline lays out the
same rows' text, one line per item as the log's cells list them, in a plain ReportLab
`LongTable` with a repeated header in a `SimpleDocTemplate` (the log's page size, margins and
font; no furniture, no wrapping, no charts, no signature). The runs of the two alternate.

Memory: one more render and signature of the same snapshot under `tracemalloc`, started after
the snapshot is read, so that its peak is what rendering and signing hold beyond the snapshot;
the same for the log of a quarter of the entries, so that the growth per entry shows (the
file itself, which the service stores, grows with the entries and counts in the peak).
"""

import io
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import date

TARGET_S = 5.0  # render and sign, DESIGN.md "Numbers to hold" and the issue
BASELINE_FACTOR = 2.0  # within twice the bare table
ENTRIES = 5_000
RUNS = 3


class CaseError(Exception):
    """The case answered wrongly: the numbers would mean nothing."""


@dataclass
class LogRun:
    machine: str = ""
    period: tuple[date, date] | None = None
    entries: int = 0
    pages: int = 0
    size_mib: float = 0.0
    snapshot_s: list[float] = field(default_factory=list)
    render_s: list[float] = field(default_factory=list)
    sign_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)  # render and sign, this process
    bare_s: list[float] = field(default_factory=list)
    bare_cpu_s: list[float] = field(default_factory=list)
    peak_mib: float = 0.0  # tracemalloc peak of render and sign, beyond the snapshot
    quarter_entries: int = 0
    quarter_peak_mib: float = 0.0
    quarter_size_mib: float = 0.0
    error: str = ""

    @property
    def total_s(self) -> list[float]:
        return [r + s for r, s in zip(self.render_s, self.sign_s, strict=True)]

    @property
    def median(self) -> float:
        return statistics.median(self.total_s)

    @property
    def bare_median(self) -> float:
        return statistics.median(self.bare_s)

    @property
    def ratio(self) -> float:
        return self.median / self.bare_median if self.bare_median else float("nan")

    @property
    def over_target(self) -> bool:
        return not self.error and (
            self.median > TARGET_S or self.ratio > BASELINE_FACTOR or not self.total_s
        )

    @property
    def growth_kib_per_entry(self) -> float:
        """What the peak grows by per entry beyond the quarter's, less the file's own growth."""
        extra = self.entries - self.quarter_entries
        if extra <= 0:
            return 0.0
        held = (self.peak_mib - self.size_mib) - (self.quarter_peak_mib - self.quarter_size_mib)
        return max(0.0, held) * 1024 / extra


def log_machine():
    """The machine with the long history, with what its log's header reads."""
    from bench.generator.long_log import long_log_tag
    from compliance.selectors.logs import loggable_equipment

    found = list(loggable_equipment().filter(asset_tag=long_log_tag())[:2])
    if len(found) != 1:
        raise CaseError(f"{len(found)} machines tagged {long_log_tag()}; rebuild the data")
    return found[0]


def period_of_latest(equipment, entries: int, now):
    """The period from the day of the machine's `entries`-th newest record to today."""
    from compliance.selectors.logs import Period
    from equipment.models import ServiceRecord

    newest = (
        ServiceRecord.objects.filter(equipment=equipment)
        .order_by("-performed_at", "-pk")
        .values_list("performed_at", flat=True)
    )
    found = list(newest[entries - 1 : entries])
    if not found:
        raise CaseError(f"{equipment.asset_tag} holds fewer than {entries:,} records")
    site = equipment.site
    return Period(start=site.local(found[0]).date(), end=site.local(now).date())


def _stamp(snapshot: dict, equipment, now):
    """The stamp `issue_log` prints, for a code of the bench's own."""
    from compliance.documents.log_pages import LogStamp
    from compliance.selectors.logs import snapshot_sha256
    from compliance.services.logs import verify_url
    from imaging_ops.audit.selectors import chain_head
    from imaging_ops.pdf_signing import DEVELOPMENT_NOTE, signing_identity
    from imaging_ops.sites.local_time import local_time_text

    head = chain_head()
    code = "EL-BNCH-0000-0001"
    return LogStamp(
        generated_by="Benchmark",
        generated_at=local_time_text(now, equipment.site.zone),
        code=code,
        verify_url=verify_url(code),
        snapshot_sha256=snapshot_sha256(snapshot),
        chain_seq=head.seq,
        chain_hash=head.last_hash,
        signature_note=DEVELOPMENT_NOTE if signing_identity().development else "",
    )


def render_and_sign(snapshot: dict, stamp) -> tuple[bytes, bytes, float, float]:
    """The log's PDF and its signed file, as `issue_log` makes them, and the seconds of each."""
    from compliance.documents.equipment_log import build_equipment_log_pdf
    from imaging_ops.pdf_signing import sign_pdf, signing_identity

    identity = signing_identity()
    start = time.perf_counter()
    pdf = build_equipment_log_pdf(snapshot, stamp)
    rendered = time.perf_counter()
    signed = sign_pdf(pdf, reason=f"Issued as a draft: {stamp.code}", identity=identity)
    return pdf, signed, rendered - start, time.perf_counter() - rendered


def bare_table(snapshot: dict) -> bytes:
    """The baseline: the records' text columns in a plain LongTable, header repeated."""
    from reportlab.platypus import LongTable, SimpleDocTemplate, TableStyle

    from compliance.documents.equipment_log import RECORD_HEADER, RECORD_SHARES, record_rows
    from compliance.documents.log_pages import MARGIN, PAGE, QR_SIZE, make_styles, width
    from imaging_ops.pdf import mm

    styles = make_styles()
    body, head = styles["cell"], styles["head"]
    rows = [RECORD_HEADER]
    for record in snapshot["records"]:
        for row in record_rows(record):
            cells = [c if isinstance(c, str) else "\n".join(x for x in c if x) for c in row.cells]
            rows.append(cells + [""] * (len(RECORD_HEADER) - len(cells)))
    table = LongTable(rows, colWidths=width(RECORD_SHARES), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), head.fontName),
                ("FONTNAME", (0, 1), (-1, -1), body.fontName),
                ("FONTSIZE", (0, 0), (-1, -1), body.fontSize),
                ("LEADING", (0, 0), (-1, -1), body.leading),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN + QR_SIZE + 5 * mm,
        invariant=1,
    ).build([table])
    return buffer.getvalue()


def _pages(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def _traced_peak(snapshot: dict, stamp) -> tuple[float, float]:
    """The tracemalloc peak (MiB) of rendering and signing `snapshot`, and the file's size."""
    tracemalloc.start()
    try:
        _pdf, signed, _r, _s = render_and_sign(snapshot, stamp)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / 2**20, len(signed) / 2**20


def measure(runs: int = RUNS, entries: int = ENTRIES) -> LogRun:
    from django.utils import timezone

    from compliance.selectors.logs import equipment_log_snapshot, log_entry_count
    from imaging_ops.pdf_signing import check_pdf_signatures

    result = LogRun()
    try:
        now = timezone.now()
        equipment = log_machine()
        period = period_of_latest(equipment, entries, now)
        result.machine = f"{equipment.asset_tag} {equipment.name} at {equipment.site.code}"
        result.period = (period.start, period.end)
        result.entries = log_entry_count(equipment=equipment, period=period)
        snapshot = stamp = None
        for _ in range(runs):
            start = time.perf_counter()
            snapshot = equipment_log_snapshot(equipment=equipment, period=period, now=now)
            result.snapshot_s.append(time.perf_counter() - start)
            if len(snapshot["records"]) != result.entries:
                raise CaseError(f"{len(snapshot['records'])} records in the snapshot")
            stamp = _stamp(snapshot, equipment, now)
            cpu = time.process_time()
            _pdf, signed, render_s, sign_s = render_and_sign(snapshot, stamp)
            result.cpu_s.append(time.process_time() - cpu)
            result.render_s.append(render_s)
            result.sign_s.append(sign_s)
            result.size_mib = len(signed) / 2**20
            cpu, start = time.process_time(), time.perf_counter()
            bare_table(snapshot)
            result.bare_s.append(time.perf_counter() - start)
            result.bare_cpu_s.append(time.process_time() - cpu)
        result.pages = _pages(signed)
        checks = check_pdf_signatures(signed)
        if len(checks) != 1 or not (checks[0].valid and checks[0].covers_whole_file):
            raise CaseError(f"the signed log does not verify: {checks}")
        result.peak_mib, _size = _traced_peak(snapshot, stamp)
        quarter = period_of_latest(equipment, max(1, entries // 4), now)
        small = equipment_log_snapshot(equipment=equipment, period=quarter, now=now)
        result.quarter_entries = len(small["records"])
        result.quarter_peak_mib, result.quarter_size_mib = _traced_peak(
            small, _stamp(small, equipment, now)
        )
    except Exception as exc:  # a case that fails is reported, and the run exits non-zero
        result.error = f"{type(exc).__name__}: {exc}"
    return result


HEADER = [
    "Case",
    "Median s",
    "Runs s",
    "CPU s",
    "Peak MiB",
    "× baseline",  # noqa: RUF001
    "Target s; notes",
]


def rows(run: LogRun) -> list[list[str]]:
    if run.error:
        return [
            ["Equipment log, 5,000 entries, render and sign", "ERROR", "", "", "", "", run.error]
        ]
    verdict = "over" if run.over_target else "ok"
    return [
        [
            f"Equipment log, {run.entries:,} entries, render and sign",
            f"{run.median:.2f}",
            " ".join(f"{s:.2f}" for s in run.total_s),
            f"{statistics.median(run.cpu_s):.2f}",
            f"{run.peak_mib:.0f}",
            f"{run.ratio:.2f}×",  # noqa: RUF001
            f"< {TARGET_S:.0f} and < {BASELINE_FACTOR:.0f}× baseline: {verdict}; "  # noqa: RUF001
            f"render {statistics.median(run.render_s):.2f} s, sign "
            f"{statistics.median(run.sign_s):.2f} s; {run.pages:,} pages, "
            f"{run.size_mib:.1f} MiB signed",
        ],
        [
            "Snapshot of the same log (read before rendering, not in the target)",
            f"{statistics.median(run.snapshot_s):.2f}",
            " ".join(f"{s:.2f}" for s in run.snapshot_s),
            "",
            "",
            "",
            "equipment_log_snapshot: records, versions, measurements, signatures, trends",
        ],
        [
            "Baseline: bare ReportLab LongTable of the same rows",
            f"{run.bare_median:.2f}",
            " ".join(f"{s:.2f}" for s in run.bare_s),
            f"{statistics.median(run.bare_cpu_s):.2f}",
            "",
            "1×",  # noqa: RUF001
            "baseline; the records' text, one line per item, header repeated, "
            "SimpleDocTemplate, no furniture, no signature",
        ],
    ]


def memory_text(run: LogRun) -> str:
    return (
        f"Memory (tracemalloc, from after the snapshot is read): rendering and signing the "
        f"{run.entries:,}-entry log peaks at {run.peak_mib:.1f} MiB with a "
        f"{run.size_mib:.1f} MiB file; the {run.quarter_entries:,}-entry log of the latest "
        f"quarter at {run.quarter_peak_mib:.1f} MiB with a {run.quarter_size_mib:.1f} MiB "
        f"file: beyond the file, {run.growth_kib_per_entry:.1f} KiB more per entry."
    )


def text(run: LogRun) -> str:
    from bench.report import _text_table

    lines = [_text_table(HEADER, rows(run), numeric={1, 3, 4, 5})]
    if not run.error:
        start, end = run.period
        lines.append(
            f"{run.machine}, {start} to {end}. " + memory_text(run),
        )
    return "\n".join(lines)


def section(run: LogRun | None) -> list[str]:
    """The part of docs/benchmarks.md the run writes for this case."""
    if run is None:
        return []
    from bench.report import _markdown_table

    described = ""
    if not run.error:
        start, end = run.period
        described = (
            f"The log of {run.machine} (the generator's machine with a long history) from "
            f"{start} to {end}: its latest {run.entries:,} service records. "
        )
    return [
        "### Equipment log",
        "",
        described
        + f"{len(run.total_s)} runs, alternating with the baseline. *Median s* is rendering "
        "with the equipment log's builder and signing with PAdES (pyHanko), as `issue_log` "
        "does; the snapshot is read first and timed apart. *CPU s* is this process's CPU "
        "time; *Peak MiB* the tracemalloc peak of one more render and signature, counted from "
        "after the snapshot was read.",
        "",
        _markdown_table(HEADER, rows(run)),
        "",
        *([memory_text(run), ""] if not run.error else []),
    ]


if __name__ == "__main__":
    import os
    import sys

    from bench import database
    from bench.run import _setup

    url = os.environ.get("BENCH_DATABASE_URL") or database.DEFAULT_URL
    _setup(url)
    measured = measure(runs=int(sys.argv[1]) if len(sys.argv) > 1 else RUNS)
    print(text(measured))
    sys.exit(1 if measured.error else 0)
