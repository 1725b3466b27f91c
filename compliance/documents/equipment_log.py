"""The equipment log as a PDF: a pure function of the snapshot and the stamp of its generation.

ReportLab's platypus lays out the sections; tables repeat their header row on every page and
wrap long text in their cells. Every page carries the running header, "Page X of Y" (the total
known only at the end, so pages are drawn once their count is known), who generated the log and
when, and the verification code as text and QR. The last page ends with the SHA-256 of the
snapshot and the audit chain's head at generation.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from imaging_ops.pdf import LETTER, MUTED, draw_qr, mm, unicode_fonts


@dataclass(frozen=True)
class LogStamp:
    """What the generation adds to the snapshot: who and when, the code, the hashes."""

    generated_by: str
    generated_at: str  # in the site's time, with its zone
    code: str
    verify_url: str
    snapshot_sha256: str
    chain_seq: int
    chain_hash: str
    draft: bool = True
    system_version: str = ""
    # Printed on every page when the file is signed with the development certificate.
    signature_note: str = ""
    # The approver's signature manifestation (name, credentials, time with zone, meaning).
    approval: str = ""


PAGE = landscape(LETTER)
MARGIN = 14 * mm
HEADER_HEIGHT = 16 * mm
FOOTER_HEIGHT = 24 * mm
QR_SIZE = 18 * mm
GRID = colors.Color(0.75, 0.75, 0.75)
HEAD_FILL = colors.Color(0.92, 0.92, 0.92)
ACTION_FILL = colors.Color(1, 0.9, 0.9)


def _styles():
    regular, bold = unicode_fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2",
            fontName=bold,
            fontSize=11.5,
            leading=15,
            spaceBefore=9,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=8.5, leading=11),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=7.5, leading=9.5),
        "head": ParagraphStyle("head", fontName=bold, fontSize=7.5, leading=9.5),
        "mono": ParagraphStyle("mono", fontName=regular, fontSize=7.5, leading=10),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def _lines(lines: Iterable[str], style) -> Paragraph:
    return Paragraph("<br/>".join(escape(str(line)) for line in lines if line), style)


def _table(header: list[str], rows: list[list], widths: list[float], styles, shaded=()) -> Table:
    """A table whose header repeats on each page; every cell a wrapping paragraph."""
    data = [[_p(h, styles["head"]) for h in header]]
    for row in rows:
        data.append([c if isinstance(c, Paragraph) else _p(c, styles["cell"]) for c in row])
    table = Table(data, colWidths=widths, repeatRows=1, splitByRow=1)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    commands += [("BACKGROUND", (0, i + 1), (-1, i + 1), ACTION_FILL) for i in shaded]
    table.setStyle(TableStyle(commands))
    return table


def _width(share: Iterable[float]) -> list[float]:
    usable = PAGE[0] - 2 * MARGIN
    share = list(share)
    return [usable * s / sum(share) for s in share]


def _header_section(snapshot: dict, styles) -> list:
    facility, equipment, period = snapshot["facility"], snapshot["equipment"], snapshot["period"]
    identifiers = [
        f"{i['kind']}: {i['number']} ({i['issuer']})"
        + (f", expires {i['expires_on']}" if i["expires_on"] else "")
        for i in facility["identifiers"]
    ] or ["No regulatory identifiers recorded for this site."]
    left = [
        f"{facility['name']} ({facility['code']})",
        facility["address"],
        f"Time zone: {facility['time_zone']}",
        *identifiers,
    ]
    right = [
        f"{equipment['asset_tag']} {equipment['name']}",
        f"{equipment['category']}; modality {equipment['modality'] or 'none'}",
        "Manufacturer / model / serial: "
        + " / ".join(
            x or "—"
            for x in (equipment["manufacturer"], equipment["model"], equipment["serial_number"])
        ),
        f"Location: {equipment['location'] or 'not recorded'}",
        f"Status: {equipment['status']}; {equipment['risk']}",
        f"Maintenance strategy: {equipment['maintenance_strategy']}",
    ]
    facts = Table(
        [
            [_p("Facility", styles["head"]), _p("Equipment", styles["head"])],
            [_lines(left, styles["body"]), _lines(right, styles["body"])],
        ],
        colWidths=_width([1, 1]),
    )
    facts.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return [
        _p(f"{snapshot['title']}: {equipment['asset_tag']} {equipment['name']}", styles["title"]),
        _p(
            f"Period {period['start']} to {period['end']} (both days included, site time); "
            f"schedule status as of {snapshot['as_of']}.",
            styles["body"],
        ),
        Spacer(1, 4),
        facts,
    ]


def _schedules(snapshot: dict, styles) -> list:
    rows = [
        [s["procedure"], s["last_done"], s["next_due"], s["status"]] for s in snapshot["schedules"]
    ]
    shaded = [i for i, s in enumerate(snapshot["schedules"]) if s["late"]]
    if not rows:
        return [_p("Schedules", styles["h2"]), _p("No schedules.", styles["body"])]
    return [
        _p("Schedules", styles["h2"]),
        _table(
            ["Procedure", "Last done", "Next due", "Status"],
            rows,
            _width([4, 2.3, 2.3, 1.4]),
            styles,
            shaded,
        ),
    ]


def _results(results: list[dict]) -> list[str]:
    lines = []
    for r in results:
        value = f"{r['value']} {r['unit']}".strip() if r["value"] else "—"
        reference = f", reference {r['reference']}" if r["reference"] else ""
        lines.append(f"{r['check']}: {value} — {r['result']} ({r['limits']}{reference})")
    return lines


def _signature_lines(signatures: list[dict]) -> list[str]:
    return [
        f"{s['name']}"
        + (f", {s['credentials']}" if s["credentials"] else "")
        + f" — {s['meaning']} — {s['signed_at']}"
        for s in signatures
    ] or ["Not signed"]


def _records(snapshot: dict, styles) -> list:
    records = snapshot["records"]
    if not records:
        return [
            _p("Service records", styles["h2"]),
            _p("No service records in the period.", styles["body"]),
        ]
    widths = _width([1.5, 2, 1.9, 4.2, 0.9, 2.5])
    header = [
        "Performed",
        "Procedure (citation)",
        "Performer; instruments",
        "Results against limits",
        "Outcome",
        "Signatures",
    ]
    rows, shaded, spans = [], [], []
    for r in records:
        procedure = [
            r["procedure"],
            r["citation"],
            r["kind"],
            f"Record #{r['id']}, version {r['version']}",
        ]
        if r["report_received_on"]:
            procedure.append(f"Report received {r['report_received_on']}")
        outcome = [r["outcome"], r["timeliness"]]
        if r["voided"]:
            outcome.append(f"VOIDED: {r['voided']}")
        if r["outcome"] == "Action":
            shaded.append(len(rows))
        rows.append(
            [
                r["performed_at"],
                _lines(procedure, styles["cell"]),
                _lines(
                    [r["performer"], *(f"Instrument: {i}" for i in r["instruments"])],
                    styles["cell"],
                ),
                _lines(
                    [
                        *_results(r["results"]),
                        *([f"Comments: {r['comments']}"] if r["comments"] else []),
                    ],
                    styles["cell"],
                ),
                _lines(outcome, styles["cell"]),
                _lines(_signature_lines(r["signatures"]), styles["cell"]),
            ]
        )
        for a in r["amendments"]:
            old = a["superseded"]
            text = [
                f"Amendment: version {a['version']} made {a['at']}. Reason: {a['reason']}",
                f"Superseded version {old['number']}: performed {old['performed_at']} by "
                f"{old['performer']}, outcome {old['outcome']}.",
                *(f"  was {line}" for line in _results(old["results"])),
                *(f"  signed {line}" for line in _signature_lines(old["signatures"])),
            ]
            spans.append(len(rows))
            rows.append([_lines(text, styles["cell"]), "", "", "", "", ""])
    table = _table(header, rows, widths, styles, shaded)
    table.setStyle(TableStyle([("SPAN", (0, i + 1), (-1, i + 1)) for i in spans]))
    return [_p("Service records", styles["h2"]), table]


def _work_orders(snapshot: dict, styles) -> list:
    rows = [
        [
            f"#{w['id']}",
            w["opened_at"],
            w["closed_at"] or "open",
            w["state"],
            w["priority"],
            w["problem"],
            w["resolution"],
            w["downtime"],
        ]
        for w in snapshot["work_orders"]
    ]
    if not rows:
        return [
            _p("Work orders", styles["h2"]),
            _p("No work orders in the period.", styles["body"]),
        ]
    return [
        _p("Work orders", styles["h2"]),
        _table(
            ["No.", "Opened", "Closed", "State", "Priority", "Problem", "Resolution", "Downtime"],
            rows,
            _width([0.6, 1.6, 1.6, 1, 0.8, 3, 3, 1]),
            styles,
        ),
    ]


def _status_changes(snapshot: dict, styles) -> list:
    rows = [
        [c["at"], c["from"] or "—", c["to"], c["reason"], c["by"]]
        for c in snapshot["status_changes"]
    ]
    if not rows:
        return [
            _p("Status changes", styles["h2"]),
            _p("No status changes in the period.", styles["body"]),
        ]
    return [
        _p("Status changes", styles["h2"]),
        _table(["When", "From", "To", "Reason", "By"], rows, _width([1.7, 1.3, 1.3, 4, 2]), styles),
    ]


def _exceptions(snapshot: dict, styles) -> list:
    rows = [[e["kind"], e["when"], e["detail"]] for e in snapshot["exceptions"]]
    out = [
        _p("Exceptions", styles["h2"]),
        _p(f"Time out of service in the period: {snapshot['out_of_service']}.", styles["body"]),
        Spacer(1, 3),
    ]
    if not rows:
        return [*out, _p("No exceptions: nothing missed, overdue or left open.", styles["body"])]
    return [
        *out,
        _table(
            ["Exception", "When", "Detail"], rows, _width([1.5, 2, 7]), styles, range(len(rows))
        ),
    ]


def _closing(stamp: LogStamp, styles) -> list:
    lines = [
        f"Snapshot SHA-256: {stamp.snapshot_sha256}",
        f"Audit chain head at generation: sequence {stamp.chain_seq}, hash {stamp.chain_hash}",
        f"Verification code: {stamp.code} — check at {stamp.verify_url}",
        f"Generated by {stamp.generated_by} at {stamp.generated_at}"
        + (f"; Imaging Ops {stamp.system_version}" if stamp.system_version else ""),
    ]
    if stamp.draft:
        lines.append(
            "DRAFT: this log has not been approved. The file is digitally signed as issued; "
            "the approved log carries the approver's signature below this line."
        )
    story = [KeepTogether([_p("Integrity", styles["h2"]), _lines(lines, styles["mono"])])]
    if stamp.approval:
        story.append(
            KeepTogether(
                [
                    _p("Approval", styles["h2"]),
                    _p(f"Electronically signed: {stamp.approval}", styles["body"]),
                    _p(
                        "The signature binds this log's snapshot (SHA-256 above) and the file "
                        "as issued; the PDF is digitally signed after approval.",
                        styles["body"],
                    ),
                ]
            )
        )
    return story


def _page_decorations(snapshot: dict, stamp: LogStamp):
    regular, bold = unicode_fonts()
    equipment, facility, period = snapshot["equipment"], snapshot["facility"], snapshot["period"]
    running = (
        f"{snapshot['title']} — {equipment['asset_tag']} {equipment['name']} — "
        f"{facility['name']} — {period['start']} to {period['end']}"
    )

    def draw(canvas: Canvas, page: int, pages: int) -> None:
        width, height = PAGE
        canvas.saveState()
        canvas.setFont(bold, 9)
        canvas.drawString(MARGIN, height - MARGIN + 2, running)
        if stamp.draft:
            canvas.setFillColor(colors.Color(0.7, 0, 0))
            canvas.drawRightString(width - MARGIN, height - MARGIN + 2, "DRAFT — NOT APPROVED")
        canvas.setStrokeColor(GRID)
        canvas.line(MARGIN, height - MARGIN - 3, width - MARGIN, height - MARGIN - 3)
        canvas.line(MARGIN, MARGIN + QR_SIZE + 2, width - MARGIN, MARGIN + QR_SIZE + 2)
        canvas.setFillColor(MUTED)
        canvas.setFont(regular, 7.5)
        canvas.drawString(
            MARGIN, MARGIN + 12, f"Generated by {stamp.generated_by} at {stamp.generated_at}"
        )
        canvas.drawString(
            MARGIN, MARGIN + 3, f"Verification code {stamp.code} — {stamp.verify_url}"
        )
        if stamp.signature_note:
            canvas.setFillColor(colors.Color(0.7, 0, 0))
            canvas.drawString(MARGIN, MARGIN + 21, stamp.signature_note)
            canvas.setFillColor(MUTED)
        canvas.setFont(bold, 9)
        canvas.setFillColor(colors.black)
        canvas.drawRightString(
            width - MARGIN - QR_SIZE - 4 * mm, MARGIN + 7, f"Page {page} of {pages}"
        )
        draw_qr(canvas, stamp.verify_url, x=width - MARGIN - QR_SIZE, y=MARGIN, size=QR_SIZE)
        canvas.restoreState()

    return draw


def _counting_canvas(decorate):
    """A canvas that holds each page until the end, then draws the decorations knowing the
    total (the usual ReportLab way to print "Page X of Y" in one layout pass)."""

    class CountingCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                decorate(self, number, total)
                super().showPage()
            super().save()

    return CountingCanvas


def build_equipment_log_pdf(snapshot: dict, stamp: LogStamp) -> bytes:
    """The equipment log's PDF bytes; the same snapshot and stamp give the same bytes."""
    styles = _styles()
    buffer = io.BytesIO()
    equipment, period = snapshot["equipment"], snapshot["period"]
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN + QR_SIZE + 5 * mm,
        title=f"{snapshot['title']} {equipment['asset_tag']} {period['start']} to {period['end']}",
        author="Imaging Ops",
        creator="Imaging Ops",
        subject=f"Verification code {stamp.code}",
        invariant=1,
    )
    story = [
        *_header_section(snapshot, styles),
        *_schedules(snapshot, styles),
        *_records(snapshot, styles),
        *_work_orders(snapshot, styles),
        *_status_changes(snapshot, styles),
        *_exceptions(snapshot, styles),
        *_closing(stamp, styles),
    ]
    document.build(story, canvasmaker=_counting_canvas(_page_decorations(snapshot, stamp)))
    return buffer.getvalue()
