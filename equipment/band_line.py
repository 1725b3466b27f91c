"""A numeric check's band drawn as a number line: where a value passes, needs tolerance or calls
for action, and on which side each limit itself falls.

Pure geometry, no database and no markup: `band_line()` takes the band of equipment.limits and
returns the marks (the limits, placed in order along the line), the zones between them and a
text equivalent; a template draws the SVG from it. The outcome of every zone, and of a value
exactly at each limit, is asked of `equipment.limits.evaluate`, so the picture can never say
something the rule does not.

The line is drawn in a 360-unit-wide box, readable on a 390 px phone. Limits are placed in
proportion to their values, but never closer than a label needs; values beyond the outer limits
run off to each end. An inclusive limit (a value exactly at it stays on the inner side) is a
filled dot, an exclusive one an open dot.
"""

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from equipment.limits import Band, BandMode, LimitName, Outcome, band_errors, evaluate

WIDTH = 360
FONT_SIZE = 13
CHAR_WIDTH = 7.2  # an estimate of a character's advance at FONT_SIZE, for fitting labels
EDGE = 6  # the ends of the line, inside the box
TAIL = 48  # the run-off at each end, for the values beyond the outer limits
LINE_Y = 30
ZONE_LABEL_Y = 16
FIRST_LABEL_Y = 56
ROW_HEIGHT = 15
MIN_GAP = 72  # the least distance between two limits, when the box allows
MINUS = "\u2212"

COLOURS = {
    Outcome.PASS: "#198754",
    Outcome.TOLERANCE: "#f0ad00",
    Outcome.ACTION: "#dc3545",
}
ZONE_LABELS = {
    Outcome.PASS: "Pass",
    Outcome.TOLERANCE: "Tolerance",
    Outcome.ACTION: "Action",
}


def number_text(value: Decimal, *, signed: bool = False) -> str:
    """A limit as a person reads it: no trailing zeros, a true minus sign, "+" when `signed`."""
    normal = value.normalize()
    if normal.as_tuple().exponent > 0:
        normal = normal.quantize(Decimal(1))
    text = format(normal, "f")
    if text.startswith("-"):
        return MINUS + text[1:]
    if signed and normal != 0:
        return "+" + text
    return text


def limit_text(value: Decimal, *, mode: str, unit: str = "") -> str:
    """How a limit is labelled: "185 Bq", "+10 %" in a percent band, a true minus sign before
    a negative value."""
    if mode == BandMode.PERCENT:
        return f"{number_text(value, signed=True)} %"
    number = number_text(value)
    return f"{number} {unit}" if unit else number


def text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


@dataclass(frozen=True)
class Mark:
    """A limit on the line: which one, its value, its label, whether it is inclusive, the
    outcome of a value exactly at it, and where it and its label stand."""

    name: str
    value: Decimal
    text: str
    inclusive: bool
    at: str  # the Outcome of a value exactly at the limit
    x: float
    label_x: float
    label_y: float

    @property
    def label(self) -> str:
        return LimitName(self.name).label

    @property
    def at_label(self) -> str:
        return ZONE_LABELS[self.at].lower()


@dataclass(frozen=True)
class Zone:
    """A stretch of the line with one outcome, between two marks (None: off the end)."""

    outcome: str
    x1: float
    x2: float
    low: Mark | None
    high: Mark | None
    show_label: bool

    @property
    def width(self) -> float:
        return round(self.x2 - self.x1, 1)

    @property
    def colour(self) -> str:
        return COLOURS[self.outcome]

    @property
    def label(self) -> str:
        return ZONE_LABELS[self.outcome]

    @property
    def centre(self) -> float:
        return round((self.x1 + self.x2) / 2, 1)


@dataclass(frozen=True)
class BandLine:
    marks: tuple[Mark, ...]
    zones: tuple[Zone, ...]
    mode: str
    unit: str
    height: int
    sentences: tuple[str, ...]

    width: int = WIDTH
    line_y: int = LINE_Y
    zone_label_y: int = ZONE_LABEL_Y
    font_size: int = FONT_SIZE

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def description(self) -> str:
        """The whole picture in words, each stretch from left to right."""
        return " ".join(self.sentences)

    @property
    def arrow_left(self) -> str:
        return _arrow(0, self.line_y, -1)

    @property
    def arrow_right(self) -> str:
        return _arrow(self.width, self.line_y, 1)

    @property
    def left_colour(self) -> str:
        return self.zones[0].colour

    @property
    def right_colour(self) -> str:
        return self.zones[-1].colour


def _arrow(tip: float, y: float, direction: int) -> str:
    """A small triangle pointing off an end of the line: the values run on."""
    base = tip - direction * (EDGE + 2)
    return f"{tip:g},{y:g} {base:g},{y - 7:g} {base:g},{y + 7:g}"


def positions(values: list[Decimal], *, start: float, end: float, gap: float) -> list[float]:
    """Where each of the ascending `values` stands between `start` and `end`: in proportion,
    then pushed apart to at least `gap` (less when the span cannot hold it), order kept."""
    count = len(values)
    if count == 1:
        return [(start + end) / 2]
    span = end - start
    gap = min(gap, span / (count - 1))
    low, high = values[0], values[-1]
    if high == low:
        xs = [start + span * i / (count - 1) for i in range(count)]
    else:
        xs = [start + span * float((v - low) / (high - low)) for v in values]
    for i in range(1, count):
        xs[i] = max(xs[i], xs[i - 1] + gap)
    xs[-1] = min(xs[-1], end)
    for i in range(count - 2, -1, -1):
        xs[i] = min(xs[i], xs[i + 1] - gap)
    xs[0] = max(xs[0], start)
    return [round(x, 1) for x in xs]


def _label_rows(texts: list[str], xs: list[float]) -> list[tuple[float, int]]:
    """Each label's centre, kept inside the box, and its row: the first of two rows where it
    does not run into the label before it."""
    placed: list[tuple[float, int]] = []
    row_ends: dict[int, float] = {}
    for text, x in zip(texts, xs, strict=True):
        half = text_width(text) / 2
        centre = min(max(x, half + 2), WIDTH - half - 2)
        row = next((r for r in (0, 1) if row_ends.get(r, -1e9) + 6 <= centre - half), 0)
        row_ends[row] = centre + half
        placed.append((round(centre, 1), row))
    return placed


def _inside(low: Decimal | None, high: Decimal | None) -> Decimal:
    """A value strictly inside the stretch between two limits (or beyond the outer one)."""
    if low is None:
        return high - 1
    if high is None:
        return low + 1
    return (low + high) / 2


def _sentence(zone: Zone) -> str:
    outcome = zone.label.lower()
    low, high = zone.low, zone.high
    if low is None and high is None:
        return f"Any value: {outcome}."
    if low is None:
        lead = "At or below" if high.at == zone.outcome else "Below"
        return f"{lead} {high.text}: {outcome}."
    if high is None:
        lead = "At or above" if low.at == zone.outcome else "Above"
        return f"{lead} {low.text}: {outcome}."
    if low.value == high.value:
        return f"Exactly {low.text}: {outcome}."
    low_in = "included" if low.at == zone.outcome else "not included"
    high_in = "included" if high.at == zone.outcome else "not included"
    return f"From {low.text} ({low_in}) to {high.text} ({high_in}): {outcome}."


def band_line(band: Band, *, unit: str = "") -> BandLine | None:
    """The number line of `band`, or None for a band without limits (any value passes) or
    one that `band_errors` refuses (nothing sound to draw)."""
    # A percent band is drawn before any reference: only its own limits must be sound.
    if band.is_empty or set(band_errors(band)) - {"reference"}:
        return None
    # Percentages of the reference's magnitude keep their order, so a percent band is drawn on
    # its own numbers: read as absolute values they give the same outcome on every stretch.
    plain = Band(**band.limits(), mode=BandMode.ABSOLUTE)
    limits = list(plain.limits().items())
    values = [limit.value for _, limit in limits]
    texts = [limit_text(value, mode=band.mode, unit=unit) for value in values]
    xs = positions(values, start=EDGE + TAIL, end=WIDTH - EDGE - TAIL, gap=MIN_GAP)
    labels = _label_rows(texts, xs)
    marks = tuple(
        Mark(
            name=name,
            value=limit.value,
            text=text,
            inclusive=limit.inclusive,
            at=evaluate(limit.value, plain).outcome,
            x=x,
            label_x=label_x,
            label_y=FIRST_LABEL_Y + row * ROW_HEIGHT,
        )
        for (name, limit), text, x, (label_x, row) in zip(limits, texts, xs, labels, strict=True)
    )
    bounds = [None, *marks, None]
    zones = []
    for low, high in pairwise(bounds):
        x1 = low.x if low else EDGE
        x2 = high.x if high else WIDTH - EDGE
        if low is not None and high is not None and low.value == high.value:
            outcome = low.at
        else:
            inside = _inside(low.value if low else None, high.value if high else None)
            outcome = evaluate(inside, plain).outcome
        label_fits = x2 - x1 >= text_width(ZONE_LABELS[outcome]) + 4
        zones.append(Zone(outcome, x1, x2, low, high, label_fits))
    rows = 1 + max(row for _, row in labels)
    return BandLine(
        marks=marks,
        zones=tuple(zones),
        mode=band.mode,
        unit=unit,
        height=FIRST_LABEL_Y + (rows - 1) * ROW_HEIGHT + 8,
        sentences=_sentences(zones, band.mode),
    )


def _sentences(zones: list[Zone], mode: str) -> tuple[str, ...]:
    lead = ("Limits in percent of the reference.",) if mode == BandMode.PERCENT else ()
    return lead + tuple(_sentence(zone) for zone in _merged(zones))


def _merged(zones: list[Zone]) -> list[Zone]:
    """Neighbouring stretches with the same outcome, said as one: a limit between two equal
    outcomes changes nothing a reader needs to hear."""
    merged: list[Zone] = []
    for zone in zones:
        if merged and merged[-1].outcome == zone.outcome:
            last = merged[-1]
            merged[-1] = Zone(zone.outcome, last.x1, zone.x2, last.low, zone.high, False)
        else:
            merged.append(zone)
    return merged
