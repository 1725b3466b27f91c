"""The page furniture every regulatory log shares: a pure function of a story and the stamp.

ReportLab's platypus lays out the sections; tables repeat their header row on every page and
wrap long text in their cells. Every page carries the running header, "Page X of Y" (the total
known only at the end, so pages are drawn once their count is known), who generated the log and
when, and the verification code as text and QR. The last page ends with the SHA-256 of the
snapshot and the audit chain's head at generation, and the approval once approved. Each kind's
builder (equipment_log, site_logs) writes only its own sections.

A document of several parts (an inspection pack) marks its section headings with `heading()`:
each is listed, with its page number, in a `contents()` table (ReportLab's table of contents,
laid out again until the numbers settle) and is an entry of the PDF's outline (bookmarks).
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

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


def make_styles():
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


def para(text, style) -> Paragraph:
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


class Heading(Paragraph):
    """A section heading listed in the table of contents and the PDF outline: `level` 0 for
    a section, 1 for a part of it; `key` names its destination in the file."""

    def __init__(self, text: str, style, *, level: int, key: str):
        super().__init__(escape(text), style)
        self.toc_entry = (level, text, key)


def heading(text: str, style, *, level: int, key: str) -> Heading:
    return Heading(text, style, level=level, key=key)


def contents(styles) -> TableOfContents:
    """The table of contents of the headings that follow, with their page numbers."""
    toc = TableOfContents(dotsMinLevel=0)
    body = styles["body"]
    toc.levelStyles = [
        ParagraphStyle(
            "toc0",
            parent=body,
            fontName=styles["head"].fontName,
            fontSize=9.5,
            leading=14,
            leftIndent=0,
            firstLineIndent=0,
        ),
        ParagraphStyle(
            "toc1", parent=body, fontSize=8.5, leading=11.5, leftIndent=14, firstLineIndent=0
        ),
    ]
    return toc


def lines(items: Iterable[str], style) -> Paragraph:
    return Paragraph("<br/>".join(escape(str(line)) for line in items if line), style)


@dataclass(frozen=True)
class CellText:
    """A table cell's lines, wrapped to the column and drawn as plain text: a log of thousands
    of entries is thousands of cells, and laying each out as a paragraph costs far more than
    breaking its lines at spaces and drawing them."""

    items: tuple[str, ...]
    style: ParagraphStyle


def cell(items: Iterable[str], style) -> CellText:
    return CellText(tuple(str(item) for item in items if item), style)


# The cell padding each side (the table's LEFTPADDING and RIGHTPADDING).
CELL_PADDING = 3


def _fitted(value, column_width: float, style):
    """A cell as the table draws it: a paragraph as given, else its lines broken to the
    column's width (at spaces; a word longer than the column is split)."""
    if isinstance(value, Paragraph):
        return value
    if isinstance(value, CellText):
        items, style = value.items, value.style
    else:
        items = tuple(str(value or "").split("\n"))
    room = column_width - 2 * CELL_PADDING
    wrapped = []
    for item in items:
        if stringWidth(item, style.fontName, style.fontSize) <= room:
            wrapped.append(item)
        else:
            wrapped.extend(simpleSplit(item, style.fontName, style.fontSize, room) or [""])
    return "\n".join(wrapped)


def table(header: list[str], rows: list[list], widths: list[float], styles, shaded=()) -> Table:
    """A table whose header repeats on each page; long cells wrap."""
    data = [[para(h, styles["head"]) for h in header]]
    body = styles["cell"]
    for row in rows:
        data.append([_fitted(c, w, body) for c, w in zip(row, widths, strict=True)])
    result = Table(data, colWidths=widths, repeatRows=1, splitByRow=1)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        # Plain-text cells in the body's font, as the paragraphs are.
        ("FONTNAME", (0, 1), (-1, -1), body.fontName),
        ("FONTSIZE", (0, 1), (-1, -1), body.fontSize),
        ("LEADING", (0, 1), (-1, -1), body.leading),
    ]
    commands += [("BACKGROUND", (0, i + 1), (-1, i + 1), ACTION_FILL) for i in shaded]
    result.setStyle(TableStyle(commands))
    return result


def section(title: str, header: list[str], rows: list, share, styles, *, empty: str, shaded=()):
    """A titled table, or the title and `empty` when there are no rows."""
    if not rows:
        return [para(title, styles["h2"]), para(empty, styles["body"])]
    return [para(title, styles["h2"]), table(header, rows, width(share), styles, shaded)]


def width(share: Iterable[float]) -> list[float]:
    usable = PAGE[0] - 2 * MARGIN
    share = list(share)
    return [usable * s / sum(share) for s in share]


def facility_lines(facility: dict) -> list[str]:
    """The facility as a log's header prints it: name, address, zone, regulatory identifiers."""
    identifiers = [
        f"{i['kind']}: {i['number']} ({i['issuer']})"
        + (f", expires {i['expires_on']}" if i["expires_on"] else "")
        for i in facility["identifiers"]
    ] or ["No regulatory identifiers recorded for this site."]
    return [
        f"{facility['name']} ({facility['code']})",
        facility["address"],
        f"Time zone: {facility['time_zone']}",
        *identifiers,
    ]


def signature_lines(signatures: list[dict]) -> list[str]:
    return [
        f"{s['name']}"
        + (f", {s['credentials']}" if s["credentials"] else "")
        + f" — {s['meaning']} — {s['signed_at']}"
        for s in signatures
    ] or ["Not signed"]


def result_lines(results: list[dict]) -> list[str]:
    out = []
    for r in results:
        value = f"{r['value']} {r['unit']}".strip() if r["value"] else "—"
        reference = f", reference {r['reference']}" if r["reference"] else ""
        out.append(f"{r['check']}: {value} — {r['result']} ({r['limits']}{reference})")
    return out


def closing(stamp: LogStamp, styles) -> list:
    text = [
        f"Snapshot SHA-256: {stamp.snapshot_sha256}",
        f"Audit chain head at generation: sequence {stamp.chain_seq}, hash {stamp.chain_hash}",
        f"Verification code: {stamp.code} — check at {stamp.verify_url}",
        f"Generated by {stamp.generated_by} at {stamp.generated_at}"
        + (f"; Imaging Ops {stamp.system_version}" if stamp.system_version else ""),
    ]
    if stamp.draft:
        text.append(
            "DRAFT: this log has not been approved. The file is digitally signed as issued; "
            "the approved log carries the approver's signature below this line."
        )
    story = [KeepTogether([para("Integrity", styles["h2"]), lines(text, styles["mono"])])]
    if stamp.approval:
        story.append(
            KeepTogether(
                [
                    para("Approval", styles["h2"]),
                    para(f"Electronically signed: {stamp.approval}", styles["body"]),
                    para(
                        "The signature binds this log's snapshot (SHA-256 above) and the file "
                        "as issued; the PDF is digitally signed after approval.",
                        styles["body"],
                    ),
                ]
            )
        )
    return story


def page_decorations(running: str, stamp: LogStamp):
    """What every page draws around the story: the running header and the footer."""
    regular, bold = unicode_fonts()

    def draw(canvas: Canvas, page: int, pages: int) -> None:
        page_width, height = PAGE
        canvas.saveState()
        canvas.setFont(bold, 9)
        canvas.drawString(MARGIN, height - MARGIN + 2, running)
        if stamp.draft:
            canvas.setFillColor(colors.Color(0.7, 0, 0))
            canvas.drawRightString(page_width - MARGIN, height - MARGIN + 2, "DRAFT — NOT APPROVED")
        canvas.setStrokeColor(GRID)
        canvas.line(MARGIN, height - MARGIN - 3, page_width - MARGIN, height - MARGIN - 3)
        canvas.line(MARGIN, MARGIN + QR_SIZE + 2, page_width - MARGIN, MARGIN + QR_SIZE + 2)
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
            page_width - MARGIN - QR_SIZE - 4 * mm, MARGIN + 7, f"Page {page} of {pages}"
        )
        draw_qr(canvas, stamp.verify_url, x=page_width - MARGIN - QR_SIZE, y=MARGIN, size=QR_SIZE)
        canvas.restoreState()

    return draw


def counting_canvas(decorate):
    """A canvas that holds each page until the end, then draws the decorations knowing the
    total (the usual ReportLab way to print "Page X of Y" in one layout pass)."""

    class CountingCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []
            self.outline_marks = []  # (key, title, level) of the headings on this page

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self.outline_marks = []
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                decorate(self, number, total)
                # Bookmarks bind to the page being emitted, so they are placed only now.
                for key, title, level in self.outline_marks:
                    self.bookmarkPage(key, fit="XYZ", left=0, top=PAGE[1])
                    self.addOutlineEntry(title, key, level=level)
                super().showPage()
            if any(state["outline_marks"] for state in self._pages):
                self.showOutline()
            super().save()

    return CountingCanvas


class _LogDocument(SimpleDocTemplate):
    """Tells the table of contents and the outline of each heading as it is laid out."""

    def afterFlowable(self, flowable):
        entry = getattr(flowable, "toc_entry", None)
        if entry:
            level, text, key = entry
            self.notify("TOCEntry", (level, text, self.page, key))
            self.canv.outline_marks.append((key, text, level))


def build_log_pdf(*, story: list, running: str, title: str, stamp: LogStamp, styles) -> bytes:
    """The PDF of a log's sections, followed by the integrity section (and the approval), on
    pages carrying `running` and the stamp; the same story and stamp give the same bytes. A
    story holding a table of contents is laid out until its page numbers settle."""
    buffer = io.BytesIO()
    document = _LogDocument(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN + QR_SIZE + 5 * mm,
        title=title,
        author="Imaging Ops",
        creator="Imaging Ops",
        subject=f"Verification code {stamp.code}",
        invariant=1,
    )
    full = [*story, *closing(stamp, styles)]
    canvasmaker = counting_canvas(page_decorations(running, stamp))
    if any(isinstance(f, TableOfContents) for f in full):
        document.multiBuild(full, canvasmaker=canvasmaker)
    else:
        document.build(full, canvasmaker=canvasmaker)
    return buffer.getvalue()
