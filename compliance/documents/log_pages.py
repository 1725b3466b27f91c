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
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)
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
QR_FORM = "VerificationCode"  # the page's QR code, one form drawn on every page
GRID = colors.Color(0.75, 0.75, 0.75)
HEAD_FILL = colors.Color(0.92, 0.92, 0.92)
ACTION_FILL = colors.Color(1, 0.9, 0.9)
DRAFT_MARK = "DRAFT — NOT APPROVED"


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


def broken_lines(text: str, font: str, size: float, room: float) -> list[str]:
    """`text` broken into lines at most `room` wide: at spaces, and a word wider than `room`
    (a URL, a serial number, a file name) cut between its characters, so that no line runs
    out of its cell or off the page."""
    if stringWidth(text, font, size) <= room:
        return [text]
    out = []
    for line in simpleSplit(text, font, size, room) or [""]:
        while stringWidth(line, font, size) > room and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], font, size) > room:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def fitted_line(text: str, font: str, size: float, room: float) -> str:
    """`text` on one line at most `room` wide, cut short with an ellipsis where it is wider."""
    if stringWidth(text, font, size) <= room:
        return text
    while text and stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _fitted(value, column_width: float, style):
    """A cell as the table draws it: a paragraph as given, else its lines broken to the
    column's width (at spaces; a word longer than the column is split)."""
    if isinstance(value, Paragraph):
        return value
    if isinstance(value, CellText):
        items, style = value.items, value.style
    else:
        items = tuple(("" if value is None else str(value)).split("\n"))
    room = column_width - 2 * CELL_PADDING
    wrapped = []
    for item in items:
        wrapped.extend(broken_lines(item, style.fontName, style.fontSize, room))
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
    room = PAGE[0] - 2 * MARGIN
    if stamp.draft:
        room -= stringWidth(DRAFT_MARK, bold, 9) + 6 * mm
    # A long equipment or site name is cut short here; the title prints it whole.
    header = fitted_line(running, bold, 9, room)

    def draw(canvas: Canvas, page: int, pages: int) -> None:
        page_width, height = PAGE
        canvas.saveState()
        canvas.setFont(bold, 9)
        canvas.drawString(MARGIN, height - MARGIN + 2, header)
        if stamp.draft:
            canvas.setFillColor(colors.Color(0.7, 0, 0))
            canvas.drawRightString(page_width - MARGIN, height - MARGIN + 2, DRAFT_MARK)
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
        if not canvas.hasForm(QR_FORM):
            # Drawn once and placed on every page: a log of a thousand pages holds one code.
            canvas.beginForm(QR_FORM, 0, 0, QR_SIZE, QR_SIZE)
            draw_qr(canvas, stamp.verify_url, x=0, y=0, size=QR_SIZE)
            canvas.endForm()
        canvas.translate(page_width - MARGIN - QR_SIZE, MARGIN)
        canvas.doForm(QR_FORM)
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
            state = dict(self.__dict__)
            # One string per page while the count is not known (as the page keeps it once
            # shown), rather than its hundreds of operators one by one.
            state["_code"] = ["\n".join(self._code)]
            self._pages.append(state)
            self.outline_marks = []
            self._startPage()

        def save(self):
            total = len(self._pages)
            pages, self._pages = self._pages, None
            pages.reverse()
            outlined = False
            for number in range(1, total + 1):
                # Each page let go once shown: the document holds it from then on.
                self.__dict__.update(pages.pop())
                decorate(self, number, total)
                # Bookmarks bind to the page being emitted, so they are placed only now.
                for key, title, level in self.outline_marks:
                    self.bookmarkPage(key, fit="XYZ", left=0, top=PAGE[1])
                    self.addOutlineEntry(title, key, level=level)
                    outlined = True
                super().showPage()
            if outlined:
                self.showOutline()
            super().save()

    return CountingCanvas


# How much of what follows a heading must fit under it when that is not a table: a few lines.
HEADING_LEAD_IN = 30 * mm


def start_height(flowable, available_width: float, available_height: float, canv) -> float:
    """The height of the start of `flowable` that a heading is kept with: a table's header and
    first row, or a few lines of anything else (all of it when it is shorter)."""
    _w, height = flowable.wrapOn(canv, available_width, available_height)
    start = getattr(flowable, "start_height", None)
    if start is not None:
        return min(height, start())
    rows = getattr(flowable, "_rowHeights", None)
    if isinstance(flowable, Table) and rows:
        return min(height, sum(rows[: (flowable.repeatRows or 0) + 1]))
    return min(height, HEADING_LEAD_IN)


class KeepWithStart(KeepTogether):
    """Headings kept with the start of what follows them rather than all of it (ReportLab's
    `keepWithNext` keeps all of it, so a heading over a long table left the rest of its page
    blank): they move to the next page only when the table's header and first row, or a few
    lines, do not fit under them."""

    def split(self, available_width, available_height):
        *lead, last = self._content
        frame = getattr(self, "_frame", None)
        at_top = frame is not None and getattr(frame, "_atTop", False)
        needed = 0.0
        for flowable in lead:
            needed += flowable.wrapOn(self.canv, available_width, available_height)[1]
            needed += flowable.getSpaceBefore() + flowable.getSpaceAfter()
        needed += last.getSpaceBefore()
        needed += start_height(last, available_width, available_height - needed, self.canv)
        if needed > available_height and not at_top:
            return [self.FrameBreak(), *self._content]
        return list(self._content)


class _LogDocument(SimpleDocTemplate):
    """Tells the table of contents and the outline of each heading as it is laid out; keeps
    each heading with the start of what follows it (`KeepWithStart`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, keepTogetherClass=KeepWithStart, **kwargs)

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


# --- long tables drawn row by row ------------------------------------------------------------

# Each cell's top and bottom padding (as ReportLab's tables pad by default).
CELL_TOP, CELL_BOTTOM = 3, 3
# The frame the story flows in: no more than a page of rows is ever laid out at once.
FRAME_HEIGHT = PAGE[1] - (MARGIN + 6 * mm) - (MARGIN + QR_SIZE + 5 * mm) - 12


@dataclass(frozen=True)
class Row:
    """One row of a long table: a cell per column (each a `cell()`, a string or lines), or a
    single cell spanning every column; shaded rows are drawn on the action colour."""

    cells: tuple
    shaded: bool = False

    @property
    def spans(self) -> bool:
        return len(self.cells) == 1


@lru_cache(maxsize=8192)
def _broken(text: str, font: str, size: float, room: float) -> tuple[str, ...]:
    """`text` broken into lines at most `room` wide (at spaces; a longer word is split). The
    same lines recur from entry to entry (names, limits, kinds), so they are broken once."""
    return tuple(broken_lines(text, font, size, room))


def _lines_of(value, font: str, size: float, column_width: float) -> list[str]:
    """A cell's lines broken to its column (less the padding each side), as `_fitted` breaks
    a table's cells."""
    if isinstance(value, CellText):
        items = value.items
    elif isinstance(value, (list, tuple)):
        items = [str(item) for item in value if item]  # as `cell()` takes them
    else:
        items = ("" if value is None else str(value)).split("\n")
    room = column_width - 2 * CELL_PADDING
    lines = []
    for item in items:
        lines.extend(_broken(item, font, size, room))
    return lines


class _Laid:
    """A row broken into the lines each of its columns draws, with its height."""

    __slots__ = ("columns", "height", "shaded", "spans")

    def __init__(self, columns, shaded, spans, leading):
        self.columns, self.shaded, self.spans = columns, shaded, spans
        self.height = CELL_TOP + CELL_BOTTOM + leading * max(1, *(len(c) for c in columns))

    def cut(self, lines: int, leading: float) -> tuple["_Laid", "_Laid"]:
        """The first `lines` lines of every column, and what is left of them."""
        top = [c[:lines] for c in self.columns]
        rest = [c[lines:] for c in self.columns]
        return (
            _Laid(top, self.shaded, self.spans, leading),
            _Laid(rest, self.shaded, self.spans, leading),
        )


class RowTable(Flowable):
    """A long table drawn straight on the canvas, its header repeated on every page.

    Made for logs of thousands of entries: the rows come from `rows_of(item)` for each of
    `items` (the snapshot's own entries) only as a page is laid out, each cell's lines broken
    to its column as plain text, and a page's rows are drawn as one text object with one path
    for the grid. No more than a page of rows is held at a time, whatever the number of
    entries. A row never breaks across pages unless it is taller than a whole page.
    """

    def __init__(
        self, header, widths, styles, items, rows_of, *, _start=(0, 0), _rows=None, _pending=()
    ):
        super().__init__()
        # Centred in the frame as ReportLab centres a Table: the columns span the page's
        # margins, a little wider than the frame's padded width.
        self.hAlign = "CENTER"
        self.header, self.widths, self.styles = header, list(widths), styles
        self.items, self.rows_of = items, rows_of
        body, head = styles["cell"], styles["head"]
        self.font, self.size, self.leading = body.fontName, body.fontSize, body.leading
        self.head_font, self.head_size, self.head_leading = (
            head.fontName,
            head.fontSize,
            head.leading,
        )
        self._start = _start  # (item, row of the item) this part's new rows begin at
        self._rows = _rows  # a part split off: the rows it draws, laid out
        self._pending = _pending  # rows laid out already (and not drawn) that come first
        self._measured = None  # (rows laid out from the start, position after them, done)
        self._head = _Laid(
            [
                _lines_of(h, self.head_font, self.head_size, w)
                for h, w in zip(header, self.widths, strict=True)
            ],
            False,
            False,
            self.head_leading,
        )

    # -- layout

    def _lay(self, row: Row) -> _Laid:
        if row.spans:
            room = sum(self.widths)
            columns = [_lines_of(row.cells[0], self.font, self.size, room)]
        else:
            columns = [
                _lines_of(value, self.font, self.size, w)
                for value, w in zip(row.cells, self.widths, strict=True)
            ]
        return _Laid(columns, row.shaded, row.spans, self.leading)

    def _measure(self) -> tuple[list, tuple, bool]:
        """The rows from this part's start, laid out until they fill a whole frame."""
        if self._measured is None:
            laid = list(self._pending)
            total = self._head.height + sum(r.height for r in laid)
            item, index = self._start
            done = True
            while item < len(self.items):
                rows = self.rows_of(self.items[item])
                while index < len(rows):
                    if total > FRAME_HEIGHT:
                        done = False
                        break
                    row = self._lay(rows[index])
                    laid.append(row)
                    total += row.height
                    index += 1
                if not done:
                    break
                item, index = item + 1, 0
            self._measured = (laid, (item, index), done)
        return self._measured

    def start_height(self) -> float:
        """Its header and first row: what a heading above it is kept with."""
        rows = self._rows if self._rows is not None else self._measure()[0]
        return self._head.height + (rows[0].height if rows else 0)

    def wrap(self, available_width, available_height):
        rows = self._rows if self._rows is not None else self._measure()[0]
        self.width = sum(self.widths)
        self.height = self._head.height + sum(r.height for r in rows)
        return self.width, self.height

    def split(self, available_width, available_height):
        if self._rows is not None:
            return []
        laid, after, done = self._measure()
        room = available_height - self._head.height
        taken, used = 0, 0.0
        while taken < len(laid) and used + laid[taken].height <= room:
            used += laid[taken].height
            taken += 1
        carry = None
        if taken == 0:
            if not laid or available_height < FRAME_HEIGHT - 1:
                return []  # on the next page
            # A row taller than a whole page: its lines run on over the next.
            fits = max(1, int((room - CELL_TOP - CELL_BOTTOM) // self.leading))
            first, carry = laid[0].cut(fits, self.leading)
            part_rows, rest_rows = [first], laid[1:]
        else:
            part_rows, rest_rows = laid[:taken], laid[taken:]
        part = RowTable(self.header, self.widths, self.styles, self.items, self.rows_of,
                        _rows=part_rows)  # fmt: skip
        if done and not rest_rows and carry is None:
            return [part]
        # What is left: the rows laid out and not drawn here, then the rows after them.
        pending = (*([carry] if carry else ()), *rest_rows)
        rest = RowTable(self.header, self.widths, self.styles, self.items, self.rows_of,
                        _start=after, _pending=pending)  # fmt: skip
        return [part, rest]

    # -- drawing

    def draw(self):
        rows = self._rows if self._rows is not None else self._measure()[0]
        canvas = self.canv
        xs = [0.0]
        for w in self.widths:
            xs.append(xs[-1] + w)
        width = xs[-1]
        top = self.height
        canvas.saveState()
        # Fills: the header, then shaded rows.
        canvas.setFillColor(HEAD_FILL)
        canvas.rect(0, top - self._head.height, width, self._head.height, stroke=0, fill=1)
        y = top - self._head.height
        bounds = []
        for row in rows:
            bounds.append((y, y - row.height))
            y -= row.height
        canvas.setFillColor(ACTION_FILL)
        for row, (upper, lower) in zip(rows, bounds, strict=True):
            if row.shaded:
                canvas.rect(0, lower, width, upper - lower, stroke=0, fill=1)
        # The grid: every row's top and the outline, column rules except across spans.
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.4)
        path = canvas.beginPath()
        path.rect(0, 0, width, top)
        for upper, _lower in bounds:
            path.moveTo(0, upper)
            path.lineTo(width, upper)
        segments = [(top, top - self._head.height)]
        for row, (upper, lower) in zip(rows, bounds, strict=True):
            if row.spans:
                continue
            if segments[-1][1] == upper:
                segments[-1] = (segments[-1][0], lower)
            else:
                segments.append((upper, lower))
        for x in xs[1:-1]:
            for upper, lower in segments:
                path.moveTo(x, upper)
                path.lineTo(x, lower)
        canvas.drawPath(path, stroke=1, fill=0)
        # The text: one text object for the page's cells.
        canvas.setFillColor(colors.black)
        text = canvas.beginText()
        text.setFont(self.head_font, self.head_size, self.head_leading)
        self._cells(text, self._head, top, xs)
        text.setFont(self.font, self.size, self.leading)
        for row, (upper, _lower) in zip(rows, bounds, strict=True):
            self._cells(text, row, upper, xs)
        canvas.drawText(text)
        canvas.restoreState()

    def _cells(self, text, row: _Laid, upper: float, xs: list[float]) -> None:
        baseline = upper - CELL_TOP - (self.size if row is not self._head else self.head_size)
        show = _line_shower(self.canv, text)
        for x, lines in zip(xs, row.columns, strict=False):
            if not lines:
                continue
            text.setTextOrigin(x + CELL_PADDING, baseline)
            for line in lines:
                show(line)


def _line_shower(canvas, text):
    """What `text.textLine` does for a line, with each distinct line's glyph runs (its font
    subsets and escaped bytes) made once per document: a log of thousands of entries repeats
    the same few thousand lines (names, kinds, limits, results), and making the runs is most
    of the cost of its text. The operators are ReportLab's own (`PDFTextObject._formatText`
    for an embedded TrueType font): a font change where the subset changes, then the run."""
    font = getFont(text._fontname)
    if not font._dynamicFont:
        return text.textLine
    document = canvas._doc
    runs_of = canvas.__dict__.setdefault("_line_runs", {})
    size = f"{fp_str(text._fontsize)} Tf {fp_str(text._leading)} TL"
    code = text._code
    name = font.fontName

    def show(line: str) -> None:
        runs = runs_of.get((name, line))
        if runs is None:
            runs = runs_of[(name, line)] = [
                (subset, f"({canvas._escape(part)}) Tj")
                for subset, part in font.splitString(line, document)
            ]
        shown = []
        for subset, run in runs:
            if subset != text._curSubset:
                shown.append(f"{font.getSubsetInternalName(subset, document)} {size}")
                text._curSubset = subset
            shown.append(run)
        code.append(" ".join(shown) + " T*")
        text._y -= text._leading
        text._y0 = text._y
        text._x = text._x0

    return show
