"""QR asset labels: the stable address a label points at, the label stocks we print on, and the
builder that lays labels out on them.

A label carries the asset tag (large), the equipment's name, its site, and a QR code of the
stable address `/e/<site_code>/<asset_tag>/`, built from PUBLIC_BASE_URL and never from a
request's host, so a label printed today still opens the equipment after the server moves.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from equipment.models import Equipment
from imaging_ops.pdf import (
    A4,
    FONT,
    FONT_BOLD,
    INK,
    LETTER,
    MUTED,
    draw_qr,
    ellipsize,
    fit_text,
    inch,
    mm,
    new_canvas,
)

STABLE_ROUTE = "equipment_stable"


def stable_path(site_code: str, asset_tag: str) -> str:
    """The path of the stable address; `reverse` quotes the tag (spaces, `%`, `?`...) the same
    way the route's `<path:...>` converter reads it back, slashes included."""
    return reverse(STABLE_ROUTE, kwargs={"site_code": site_code, "asset_tag": asset_tag})


def stable_address(equipment: Equipment) -> str:
    """The absolute address a label's QR code holds."""
    return f"{settings.PUBLIC_BASE_URL}{stable_path(equipment.site.code, equipment.asset_tag)}"


# --- Label stocks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelStock:
    """A label stock: the page it comes on and where each label sits on it.

    Positions count from 1 at the top left, left to right, then top to bottom, as a person
    counts the free labels left on a partly used sheet.
    """

    code: str
    name: str
    description: str
    page_size: tuple[float, float]
    label_width: float
    label_height: float
    columns: int = 1
    rows: int = 1
    left_margin: float = 0
    top_margin: float = 0
    horizontal_pitch: float = 0
    vertical_pitch: float = 0

    @property
    def title(self) -> str:
        return f"{self.name} ({self.description})"

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def is_sheet(self) -> bool:
        return self.per_page > 1

    def origin(self, position: int) -> tuple[float, float]:
        """The lower-left corner, in points from the page's lower left, of label `position`."""
        row, column = divmod(position - 1, self.columns)
        x = self.left_margin + column * self.horizontal_pitch
        top = self.page_size[1] - self.top_margin - row * self.vertical_pitch
        return x, top - self.label_height


def _single(code: str, name: str, width: float, height: float) -> LabelStock:
    """A roll label for a label printer: one label, one page of exactly its size."""
    return LabelStock(
        code=code,
        name=name,
        description="label printer, one label a page",
        page_size=(width, height),
        label_width=width,
        label_height=height,
    )


# Dimensions from the manufacturers' published templates. Avery 5160: US Letter, 3 x 10 labels
# of 2 5/8 x 1 in, 3/16 in side and 1/2 in top margins, 1/8 in between columns. Avery L7160:
# A4, 3 x 7 labels of 63.5 x 38.1 mm, 2.54 mm between columns, the block centred on the page
# (7.21 mm sides, 15.15 mm top).
STOCKS: dict[str, LabelStock] = {
    stock.code: stock
    for stock in (
        LabelStock(
            code="avery-5160",
            name="Avery 5160",
            description="US Letter, 30 labels of 2⅝ x 1 in",
            page_size=LETTER,
            label_width=2.625 * inch,
            label_height=1 * inch,
            columns=3,
            rows=10,
            left_margin=0.1875 * inch,
            top_margin=0.5 * inch,
            horizontal_pitch=2.75 * inch,
            vertical_pitch=1 * inch,
        ),
        LabelStock(
            code="avery-l7160",
            name="Avery L7160",
            description="A4, 21 labels of 63.5 x 38.1 mm",
            page_size=A4,
            label_width=63.5 * mm,
            label_height=38.1 * mm,
            columns=3,
            rows=7,
            left_margin=7.21 * mm,
            top_margin=15.15 * mm,
            horizontal_pitch=66.04 * mm,
            vertical_pitch=38.1 * mm,
        ),
        _single("single-2x1in", "Single label 2 x 1 in", 2 * inch, 1 * inch),
        _single(
            "single-62x29mm",
            "Single label 62 x 29 mm",
            62 * mm,
            29 * mm,
        ),
    )
}
DEFAULT_STOCK = "avery-5160"


# --- What a label says -----------------------------------------------------------------------


@dataclass(frozen=True)
class LabelContent:
    asset_tag: str
    name: str
    site_code: str
    site_name: str
    address: str


def label_content(equipment: Equipment) -> LabelContent:
    """What the label of `equipment` says (its site must be loaded with it)."""
    return LabelContent(
        asset_tag=equipment.asset_tag,
        name=equipment.name,
        site_code=equipment.site.code,
        site_name=equipment.site.name,
        address=stable_address(equipment),
    )


# --- Drawing ---------------------------------------------------------------------------------

LEADING = 1.15
SCAN_HINT = "Scan to open in Imaging Ops"
# The QR code's side at most, as a share of the label's width, so the text keeps its room.
QR_SHARE = 0.38


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def top(self) -> float:
        return self.y + self.height


def _draw_lines(canvas, lines, *, font, size, x, top, color=INK) -> float:
    """Draw `lines` from `top` down; return the position just below the last line."""
    canvas.setFont(font, size)
    canvas.setFillColor(color)
    y = top
    for line in lines:
        y -= size
        canvas.drawString(x, y, line)
        y -= size * (LEADING - 1)
    return y


def _draw_site_header(canvas, content: LabelContent, box: _Box, size: float) -> float:
    """The site line and a rule under it across `box`; return the position below the rule."""
    line = ellipsize(f"{content.site_code} · {content.site_name}", FONT_BOLD, size, box.width)
    below = _draw_lines(
        canvas, [line], font=FONT_BOLD, size=size, x=box.x, top=box.top, color=MUTED
    )
    rule_y = below - 0.2 * size
    canvas.setStrokeColor(MUTED)
    canvas.setLineWidth(0.5)
    canvas.line(box.x, rule_y, box.x + box.width, rule_y)
    return rule_y


def _draw_tag_and_name(canvas, content: LabelContent, box: _Box, scale: float) -> None:
    """The asset tag, as large as fits, the name under it, and the scan hint at the bottom."""
    tag = fit_text(
        content.asset_tag, font=FONT_BOLD, width=box.width, max_size=17 * scale, min_size=10 * scale
    )
    if tag.shortened:  # a long tag: two smaller lines before shortening it
        tag = fit_text(
            content.asset_tag,
            font=FONT_BOLD,
            width=box.width,
            max_size=10 * scale,
            min_size=6.5 * scale,
            max_lines=2,
        )
    below_tag = _draw_lines(canvas, tag.lines, font=FONT_BOLD, size=tag.size, x=box.x, top=box.top)

    name_size = 7.5 * scale
    hint_size = 5.2 * scale
    name_top = below_tag - 0.2 * name_size
    name_room = name_top - (box.y + hint_size * LEADING)
    if name_room >= name_size * LEADING:
        canvas.setFont(FONT, hint_size)
        canvas.setFillColor(MUTED)
        canvas.drawString(box.x, box.y, ellipsize(SCAN_HINT, FONT, hint_size, box.width))
    else:  # a two-line tag on a small label: the name before the hint
        name_room = name_top - box.y
    lines = min(int(name_room // (name_size * LEADING)), 3)
    if lines < 1:
        return
    name = fit_text(
        content.name,
        font=FONT,
        width=box.width,
        max_size=name_size,
        min_size=name_size,
        max_lines=lines,
    )
    _draw_lines(canvas, name.lines, font=FONT, size=name.size, x=box.x, top=name_top)


def draw_label(canvas, content: LabelContent, *, x: float, y: float, width: float, height: float):
    """One label in the box (x, y, width, height): the QR code on the left, the text beside it.

    Sizes follow the label's height, so the same drawing serves a 1 in address label and a
    38 mm one; a label tall enough carries the site line across its whole width. Text that does
    not fit is set smaller, then shortened: it never leaves the label.
    """
    scale = min(max(height / inch, 1.0), 1.4)
    pad = 0.07 * inch * scale
    gutter = 0.09 * inch * scale
    site_size = 6.5 * scale
    inner = _Box(x + pad, y + pad, width - 2 * pad, height - 2 * pad)
    qr_cap = QR_SHARE * width
    header_height = site_size * 1.6

    if inner.height - header_height >= qr_cap:  # room for the site line across the label
        below_header = _draw_site_header(canvas, content, inner, site_size)
        qr_size = qr_cap
        body = _Box(inner.x, inner.y, inner.width, below_header - 0.25 * site_size - inner.y)
        qr_y = body.y + (body.height - qr_size) / 2
        text = _Box(body.x + qr_size + gutter, body.y, body.width - qr_size - gutter, body.height)
    else:  # the QR code takes the label's full height; the site line heads the text
        qr_size = min(inner.height, qr_cap)
        qr_y = inner.y + (inner.height - qr_size) / 2
        text = _Box(
            inner.x + qr_size + gutter, inner.y, inner.width - qr_size - gutter, inner.height
        )
        below_header = _draw_site_header(canvas, content, text, site_size)
        text = _Box(text.x, text.y, text.width, below_header - 0.35 * site_size - text.y)
    draw_qr(canvas, content.address, x=inner.x, y=qr_y, size=qr_size)
    _draw_tag_and_name(canvas, content, text, scale)


def build_label_pdf(
    labels: Iterable[LabelContent],
    *,
    stock: LabelStock,
    start: int = 1,
    title: str = "Equipment labels",
) -> bytes:
    """A PDF of `labels` on `stock`, the first at position `start` of the first page (the
    positions before it are left blank, for a partly used sheet)."""
    if not 1 <= start <= stock.per_page:
        raise ValueError(f"start must be between 1 and {stock.per_page}")
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, pagesize=stock.page_size, title=title, subject=stock.title)
    position = start
    drawn = 0
    for content in labels:
        if position > stock.per_page:
            canvas.showPage()
            position = 1
        x, y = stock.origin(position)
        draw_label(canvas, content, x=x, y=y, width=stock.label_width, height=stock.label_height)
        position += 1
        drawn += 1
    if not drawn:
        raise ValueError("there are no labels to print")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
