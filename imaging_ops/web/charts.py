"""A trend chart drawn on the server as SVG: values over time, shaded zones (a check's tolerance
and action bands), vertical markers (a reference changed) and highlighted points (a failure).

Pure: it takes plain values and answers the markup, so any page, a dashboard or a PDF can use
it. The picture scales to its container (viewBox, width 100%) and reads on a 390 px phone; it
is labelled by its title and a summary in words, and a page shows its values as a table too.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 46, 10, 14, 30
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK, GRID, LINE = "#212529", "#dee2e6", "#0d6efd"
MINUS = "\u2212"


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float
    failed: bool = False  # drawn larger, in `failed_colour`
    note: str = ""  # said in the table and the point's tooltip, e.g. "tolerance"


@dataclass(frozen=True)
class Zone:
    """A horizontal band from `low` to `high` (None: beyond the chart's edge), over the time
    from `start` to `end` (None: the chart's edge)."""

    low: float | None
    high: float | None
    colour: str
    label: str = ""
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Marker:
    at: datetime
    label: str


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str = ""
    points: Sequence[Point] = ()
    zones: Sequence[Zone] = ()
    markers: Sequence[Marker] = ()
    failed_colour: str = "#dc3545"
    time_text: Callable[[datetime], str] = field(default=lambda moment: f"{moment:%Y-%m-%d}")
    # A fixed value axis (a share drawn from 0 to 100 %), instead of one fitted to the points.
    bounds: tuple[float, float] | None = None


@dataclass(frozen=True)
class Scale:
    """A linear map from a data interval onto a pixel interval (flipped for y)."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return (self.start + self.end) / 2
        share = (value - self.low) / (self.high - self.low)
        return self.start + share * (self.end - self.start)


def _plain(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", MINUS)


def number_text(value: float) -> str:
    """A value as read: six significant digits, never an exponent (a frequency of 63.86 MHz
    in Hz reads 63861420, not 6.38614e+07), no trailing zeros, a true minus sign."""
    text = f"{value:.6g}"
    if "e" in text:
        magnitude = abs(value)
        decimals = 0 if magnitude >= 1 else 5 - math.floor(math.log10(magnitude))
        text = f"{value:.{decimals}f}"
    return _plain(text)


def tick_texts(values: list[float]) -> list[str]:
    """The labels of evenly spaced ticks, with as many decimals as their step needs and no
    exponent, so that neighbouring ticks never read the same."""
    if len(values) < 2:
        return [number_text(v) for v in values]
    step = abs(values[1] - values[0])
    decimals = next((d for d in range(12) if abs(round(step, d) - step) <= step * 1e-6), 12)
    return [_plain(f"{v:.{decimals}f}") for v in values]


def value_range(chart: Chart) -> tuple[float, float]:
    """The values shown: every point and the zone limits near them (within three times their
    spread), with a margin; a flat or single value gets a range around it. A chart with
    `bounds` shows exactly those."""
    if chart.bounds is not None:
        return chart.bounds
    values = [p.value for p in chart.points]
    limits = [v for z in chart.zones for v in (z.low, z.high) if v is not None]
    if values:
        low, high = min(values), max(values)
        reach = 3 * max(high - low, abs(high + low) / 2 * 0.05, 1e-9)
        values += [v for v in limits if low - reach <= v <= high + reach]
    else:
        values = limits
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if high == low:
        spread = abs(low) * 0.1 or 1.0
        return low - spread, high + spread
    margin = (high - low) * 0.08
    return low - margin, high + margin


def ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values between low and high, about `count` of them."""
    step = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step)
    first = math.ceil(low / step) * step
    values, value = [], first
    while value <= high + step * 1e-9:
        values.append(round(value, 10))
        value += step
    return values


def summary(chart: Chart) -> str:
    """The chart in words, for screen readers and as its description."""
    points = list(chart.points)
    if not points:
        return f"{chart.title}: no values in this period."
    unit = f" {chart.unit}" if chart.unit else ""
    low = min(p.value for p in points)
    high = max(p.value for p in points)
    first, last = points[0], points[-1]
    text = (
        f"{chart.title}: {len(points)} value{'s' if len(points) != 1 else ''} from "
        f"{chart.time_text(first.at)} to {chart.time_text(last.at)}, between "
        f"{number_text(low)} and {number_text(high)}{unit}; latest {number_text(last.value)}{unit}."
    )
    failed = sum(1 for p in points if p.failed)
    if failed:
        text += f" {failed} outside the pass band."
    if chart.markers:
        text += (
            f" Reference changed {len(chart.markers)} time{'s' if len(chart.markers) > 1 else ''}."
        )
    return text


def _attrs(**attrs) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for name, value in attrs.items()
    )


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def trend_svg(chart: Chart, *, dom_id: str) -> SafeString:
    """The chart as an inline SVG element; every text in it is escaped."""
    points = sorted(chart.points, key=lambda p: p.at)
    moments = [p.at for p in points] + [m.at for m in chart.markers]
    low, high = value_range(chart)
    y = Scale(low, high, HEIGHT - BOTTOM, TOP)
    if moments:
        t0, t1 = min(moments).timestamp(), max(moments).timestamp()
    else:
        t0 = t1 = 0.0
    x_scale = Scale(t0, t1, LEFT + 6, WIDTH - RIGHT - 6)

    def x(moment: datetime | None, default: float) -> float:
        return default if moment is None else x_scale(moment.timestamp())

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'class="trend-chart d-block" style="max-width: {WIDTH * 2}px" role="img" '
        f'aria-labelledby="{escape(dom_id)}-title {escape(dom_id)}-desc" '
        f'font-family="{FONT}" font-size="11">',
        f'<title id="{escape(dom_id)}-title">{escape(chart.title)}</title>',
        f'<desc id="{escape(dom_id)}-desc">{escape(summary(chart))}</desc>',
    ]
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    for zone in chart.zones:
        top = y(high) if zone.high is None else y(min(zone.high, high))
        bottom = y(low) if zone.low is None else y(max(zone.low, low))
        left = max(plot_left, x(zone.start, plot_left)) if zone.start else plot_left
        right = min(plot_right, x(zone.end, plot_right)) if zone.end else plot_right
        if bottom - top <= 0 or right - left <= 0:
            continue
        parts.append(
            "<rect "
            + _attrs(
                x=_fmt(left),
                y=_fmt(top),
                width=_fmt(right - left),
                height=_fmt(bottom - top),
                fill=zone.colour,
            )
            + ">"
            + (f"<title>{escape(zone.label)}</title>" if zone.label else "")
            + "</rect>"
        )
    values = ticks(low, high)
    for tick, label in zip(values, tick_texts(values), strict=True):
        ty = y(tick)
        parts.append(
            f'<line x1="{plot_left}" y1="{_fmt(ty)}" x2="{plot_right}" y2="{_fmt(ty)}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{plot_left - 4}" y="{_fmt(ty + 4)}" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>"
        )
    parts.append(
        f'<line x1="{plot_left}" y1="{TOP}" x2="{plot_left}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="{INK}"/>'
        f'<line x1="{plot_left}" y1="{HEIGHT - BOTTOM}" x2="{plot_right}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="{INK}"/>'
    )
    if chart.unit:
        parts.append(f'<text x="4" y="{TOP - 3}" fill="{INK}">{escape(chart.unit)}</text>')
    for marker in chart.markers:
        mx = _fmt(x(marker.at, plot_left))
        parts.append(
            f'<line x1="{mx}" y1="{TOP}" x2="{mx}" y2="{HEIGHT - BOTTOM}" stroke="#6f42c1" '
            f'stroke-width="1.5" stroke-dasharray="4 3">'
            f"<title>{escape(marker.label)}</title></line>"
        )
    if points:
        first, last = points[0], points[-1]
        parts.append(
            f'<text x="{LEFT}" y="{HEIGHT - 10}" fill="{INK}">'
            f"{escape(chart.time_text(first.at))}</text>"
        )
        if last.at != first.at:
            parts.append(
                f'<text x="{plot_right}" y="{HEIGHT - 10}" text-anchor="end" fill="{INK}">'
                f"{escape(chart.time_text(last.at))}</text>"
            )
        if len(points) > 1:
            path = " ".join(f"{_fmt(x(p.at, 0))},{_fmt(y(p.value))}" for p in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="1.5"/>'
            )
        for point in points:
            colour = chart.failed_colour if point.failed else LINE
            radius = 4.5 if point.failed else 3
            label = f"{chart.time_text(point.at)}: {number_text(point.value)} {chart.unit}".strip()
            if point.note:
                label += f" ({point.note})"
            flag = ' data-failed="true"' if point.failed else ""
            parts.append(
                f'<circle cx="{_fmt(x(point.at, 0))}" cy="{_fmt(y(point.value))}" r="{radius}" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="1"{flag}>'
                f"<title>{escape(label)}</title></circle>"
            )
    else:
        parts.append(
            f'<text x="{(plot_left + plot_right) / 2:.1f}" y="{(TOP + HEIGHT - BOTTOM) / 2:.1f}" '
            f'text-anchor="middle" fill="#6c757d">No values in this period</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
