"""A check's band drawn as a number line: the geometry, as plain numbers a template turns into
SVG. Pure: no models, no queries.

The zones are the ones `equipment.limits.evaluate` scores (action beyond an action limit,
tolerance beyond a tolerance limit, pass between), each limit a mark: filled when inclusive
(the value at the limit stays on the inner side), hollow when exclusive.
"""

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from equipment.limits import LimitName

ORDER = (
    LimitName.ACTION_LOW,
    LimitName.TOLERANCE_LOW,
    LimitName.TOLERANCE_HIGH,
    LimitName.ACTION_HIGH,
)


@dataclass(frozen=True)
class Mark:
    name: str
    label: str
    value: str
    x: float
    inclusive: bool


@dataclass(frozen=True)
class Zone:
    x0: float
    x1: float
    kind: str  # pass, tolerance or action

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass(frozen=True)
class BandLine:
    width: int
    zones: list[Zone]
    marks: list[Mark]
    text: str  # what the line says, for screen readers


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _zone(value: Decimal, limits: dict) -> str:
    def crossed(name, below):
        limit = limits.get(name)
        return limit is not None and (value < limit[0] if below else value > limit[0])

    if crossed(LimitName.ACTION_LOW, True) or crossed(LimitName.ACTION_HIGH, False):
        return "action"
    if crossed(LimitName.TOLERANCE_LOW, True) or crossed(LimitName.TOLERANCE_HIGH, False):
        return "tolerance"
    return "pass"


def band_line(limits: dict, *, unit: str = "", width: int = 320, margin: int = 16) -> BandLine:
    """`limits` maps limit names to (Decimal value, inclusive); absent limits are left out."""
    present = [(name, limits[name]) for name in ORDER if limits.get(name) is not None]
    if not present:
        return BandLine(width, [Zone(0, width, "pass")], [], "No limits: every value passes.")
    values = [Decimal(value) for _name, (value, _incl) in present]
    low, high = min(values), max(values)
    pad = (high - low) * Decimal("0.25") or (abs(low) * Decimal("0.25")) or Decimal(1)
    start, end = low - pad, high + pad
    span = float(end - start)
    inner = width - 2 * margin

    def x(value: Decimal) -> float:
        return round(margin + float(value - start) / span * inner, 2)

    edges = [start, *values, end]
    zones = []
    for left, right in pairwise(edges):
        if right == left:
            continue
        kind = _zone((left + right) / 2, limits)
        x0 = 0 if left == start else x(left)
        x1 = width if right == end else x(right)
        if zones and zones[-1].kind == kind:
            zones[-1] = Zone(zones[-1].x0, x1, kind)
        else:
            zones.append(Zone(x0, x1, kind))
    suffix = f" {unit}" if unit else ""
    marks = [
        Mark(name, LimitName(name).label, _text(Decimal(value)), x(Decimal(value)), inclusive)
        for name, (value, inclusive) in present
    ]
    text = "; ".join(
        f"{m.label} {m.value}{suffix} ({'inclusive' if m.inclusive else 'exclusive'})"
        for m in marks
    )
    return BandLine(width, zones, marks, text + ".")
