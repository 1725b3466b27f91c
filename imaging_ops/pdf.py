"""The shared PDF toolkit: page sizes, fonts, text fitted to a box, and QR codes drawn as vectors.

Everything that prints (label sheets, signed logs) builds on these pieces with ReportLab and
`qrcode`; nothing here needs a browser or another program. Labels use the standard PDF fonts
(Helvetica), which every viewer and printer has. Regulatory logs embed the vendored DejaVu Sans
(`unicode_fonts()`, subset by ReportLab), embedded so every viewer prints names and units the same
("Zoë Ångström", "Øyvind Çelik", µSv, ±), beyond Latin-1 too (Ł, Ş, the minus sign). Text
stays searchable and selectable either way.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch, mm
from reportlab.pdfbase.pdfmetrics import registerFont, registerFontFamily, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

__all__ = [
    "A4",
    "FONT",
    "FONT_BOLD",
    "INK",
    "LETTER",
    "MUTED",
    "FittedText",
    "draw_qr",
    "ellipsize",
    "fit_text",
    "inch",
    "mm",
    "new_canvas",
    "qr_modules",
    "text_width",
    "unicode_fonts",
    "wrap",
]

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
ELLIPSIS = "…"  # in the standard fonts' encoding, so it prints everywhere

INK = colors.black
MUTED = colors.Color(0.33, 0.33, 0.33)

_ERROR_CORRECTION = {
    "L": ERROR_CORRECT_L,
    "M": ERROR_CORRECT_M,
    "Q": ERROR_CORRECT_Q,
    "H": ERROR_CORRECT_H,
}


def new_canvas(
    buffer: io.BytesIO, *, pagesize: tuple[float, float], title: str, subject: str = ""
) -> Canvas:
    """A canvas writing to `buffer`, with the document's title and the app as its creator."""
    canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setCreator("Imaging Ops")
    canvas.setAuthor("Imaging Ops")
    return canvas


FONTS_DIR = Path(__file__).resolve().parent / "fonts"
UNICODE_FONT = "DejaVuSans"
UNICODE_FONT_BOLD = "DejaVuSans-Bold"


@cache
def unicode_fonts() -> tuple[str, str]:
    """The embedded Unicode font's regular and bold names, registered with ReportLab once."""
    registerFont(TTFont(UNICODE_FONT, FONTS_DIR / "DejaVuSans.ttf"))
    registerFont(TTFont(UNICODE_FONT_BOLD, FONTS_DIR / "DejaVuSans-Bold.ttf"))
    registerFontFamily(
        UNICODE_FONT,
        normal=UNICODE_FONT,
        bold=UNICODE_FONT_BOLD,
        italic=UNICODE_FONT,
        boldItalic=UNICODE_FONT_BOLD,
    )
    return UNICODE_FONT, UNICODE_FONT_BOLD


# --- Text ------------------------------------------------------------------------------------


def text_width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


def ellipsize(text: str, font: str, size: float, width: float) -> str:
    """`text` if it fits in `width`, else its longest prefix that fits followed by an ellipsis."""
    if text_width(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix whose shortened form still fits
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + ELLIPSIS, font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ""


BREAK_AFTER = "-/_."


def _break_word(word: str, font: str, size: float, width: float) -> Iterator[str]:
    """A word wider than the box, cut into pieces that each fit (a long tag or serial), after a
    hyphen, slash, underscore or dot when one falls in the second half of a piece."""
    piece = ""
    for char in word:
        if piece and text_width(piece + char, font, size) > width:
            cut = max(piece.rfind(mark) for mark in BREAK_AFTER) + 1
            if cut < len(piece) / 2 or text_width(piece[cut:] + char, font, size) > width:
                cut = len(piece)
            yield piece[:cut]
            piece = piece[cut:] + char
        else:
            piece += char
    if piece:
        yield piece


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """The lines of `text` wrapped at spaces to `width`; a word wider than a line is cut."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        pieces = list(_break_word(word, font, size, width))
        lines.extend(pieces[:-1])
        line = pieces[-1]
    if line:
        lines.append(line)
    return lines


@dataclass(frozen=True)
class FittedText:
    """Text set to fit a box: the font size chosen, its lines, and whether text was cut."""

    size: float
    lines: tuple[str, ...]
    shortened: bool

    def height(self, leading: float = 1.15) -> float:
        return len(self.lines) * self.size * leading


def fit_text(
    text: str,
    *,
    font: str,
    width: float,
    max_size: float,
    min_size: float,
    max_lines: int = 1,
    step: float = 0.5,
) -> FittedText:
    """The largest size from `max_size` down to `min_size` at which `text` fits in `max_lines`
    lines of `width`; at `min_size` the last line that fits is cut short with an ellipsis.

    The result never overflows the box: what does not fit is shortened, never drawn past it.
    """
    text = " ".join(text.split())
    size = max_size
    while True:
        lines = wrap(text, font, size, width)
        if len(lines) <= max_lines:
            return FittedText(size=size, lines=tuple(lines), shortened=False)
        if size - step < min_size:
            break
        size = round(size - step, 2)
    kept = lines[:max_lines]
    rest = " ".join(lines[max_lines - 1 :])
    kept[-1] = ellipsize(rest + ELLIPSIS, font, size, width)
    return FittedText(size=size, lines=tuple(kept), shortened=True)


# --- QR codes --------------------------------------------------------------------------------


def qr_modules(data: str, *, error_correction: str = "M") -> list[list[bool]]:
    """The QR code of `data` as rows of dark (True) and light modules, without a quiet zone."""
    return [list(row) for row in _qr_rows(data, error_correction)]


@lru_cache(maxsize=64)
def _qr_rows(data: str, error_correction: str) -> tuple[tuple[bool, ...], ...]:
    """Made once per text: a log prints the same code on each of its hundreds of pages, and
    choosing a QR code's mask is most of the cost of drawing it."""
    code = qrcode.QRCode(error_correction=_ERROR_CORRECTION[error_correction], border=0)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def draw_qr(
    canvas: Canvas,
    data: str,
    *,
    x: float,
    y: float,
    size: float,
    error_correction: str = "M",
) -> float:
    """Draw the QR code of `data` as a `size` x `size` square with its lower-left corner at
    (x, y), and return the width of one module (the caller keeps a light quiet zone around it).

    The dark modules are one filled vector path, crisp at any printer resolution and without the
    hairline seams that separately filled squares show in some viewers.
    """
    modules = qr_modules(data, error_correction=error_correction)
    count = len(modules)
    module = size / count
    path = canvas.beginPath()
    for row_index, row in enumerate(modules):
        top = y + size - row_index * module
        column = 0
        while column < count:
            if not row[column]:
                column += 1
                continue
            run_start = column
            while column < count and row[column]:
                column += 1
            path.rect(x + run_start * module, top - module, (column - run_start) * module, module)
    canvas.saveState()
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
    return module
