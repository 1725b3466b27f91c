"""A trend chart drawn for a PDF with ReportLab's graphics: the same chart the pages draw as
SVG (`imaging_ops.web.charts`), with the same scales, zones, ticks and highlighted failures,
as a Drawing a ReportLab story can hold.

Pure: it takes a `Chart` and answers the drawing, so the equipment log (or any PDF) prints the
trend its pages show.
"""

from datetime import datetime

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from imaging_ops.web.charts import (
    GRID,
    INK,
    LINE,
    Chart,
    Scale,
    tick_texts,
    ticks,
    value_range,
)

LEFT, RIGHT, TOP, BOTTOM = 34, 6, 14, 16
TICK_SIZE = 6
MARKER = "#6f42c1"


def _colour(hex_code: str):
    return colors.HexColor(hex_code)


def trend_drawing(chart: Chart, *, width: float, height: float, font: str) -> Drawing:
    """The chart as a `width` x `height` drawing (points), its text in `font`."""
    drawing = Drawing(width, height)
    points = sorted(chart.points, key=lambda p: p.at)
    moments = [p.at for p in points] + [m.at for m in chart.markers]
    low, high = value_range(chart)
    values = ticks(low, high)
    labels = tick_texts(values)
    # The plot starts right of its widest tick label: a large value is never cut at the edge.
    widest = max((stringWidth(label, font, TICK_SIZE) for label in labels), default=0)
    plot_left = max(LEFT, widest + 5)
    # ReportLab's y grows upwards: the value scale maps low to the bottom of the plot.
    y = Scale(low, high, BOTTOM, height - TOP)
    t0, t1 = (min(moments).timestamp(), max(moments).timestamp()) if moments else (0.0, 0.0)
    x_scale = Scale(t0, t1, plot_left + 4, width - RIGHT - 4)
    plot_right = width - RIGHT

    def x(moment: datetime | None, default: float) -> float:
        return default if moment is None else x_scale(moment.timestamp())

    for zone in chart.zones:
        top = y(high) if zone.high is None else y(min(zone.high, high))
        bottom = y(low) if zone.low is None else y(max(zone.low, low))
        left = max(plot_left, x(zone.start, plot_left)) if zone.start else plot_left
        right = min(plot_right, x(zone.end, plot_right)) if zone.end else plot_right
        if top - bottom <= 0 or right - left <= 0:
            continue
        drawing.add(
            Rect(left, bottom, right - left, top - bottom, fillColor=_colour(zone.colour),
                 strokeColor=None)
        )  # fmt: skip
    for tick, label in zip(values, labels, strict=True):
        ty = y(tick)
        drawing.add(Line(plot_left, ty, plot_right, ty, strokeColor=_colour(GRID), strokeWidth=0.4))
        drawing.add(
            String(plot_left - 3, ty - 2.5, label, fontName=font, fontSize=TICK_SIZE,
                   textAnchor="end", fillColor=_colour(INK))
        )  # fmt: skip
    ink = _colour(INK)
    drawing.add(Line(plot_left, BOTTOM, plot_left, height - TOP, strokeColor=ink, strokeWidth=0.6))
    drawing.add(Line(plot_left, BOTTOM, plot_right, BOTTOM, strokeColor=ink, strokeWidth=0.6))
    title = f"{chart.title} ({chart.unit})" if chart.unit else chart.title
    drawing.add(String(2, height - TOP + 4, title, fontName=font, fontSize=7, fillColor=ink))
    for marker in chart.markers:
        mx = x(marker.at, plot_left)
        drawing.add(
            Line(mx, BOTTOM, mx, height - TOP, strokeColor=_colour(MARKER), strokeWidth=0.8,
                 strokeDashArray=[3, 2])
        )  # fmt: skip
    if not points:
        drawing.add(
            String((plot_left + plot_right) / 2, (BOTTOM + height - TOP) / 2,
                   "No values in this period", fontName=font, fontSize=6.5,
                   textAnchor="middle", fillColor=colors.grey)
        )  # fmt: skip
        return drawing
    first, last = points[0], points[-1]
    drawing.add(
        String(plot_left, 4, chart.time_text(first.at), fontName=font, fontSize=6, fillColor=ink)
    )
    if last.at != first.at:
        drawing.add(
            String(plot_right, 4, chart.time_text(last.at), fontName=font, fontSize=6,
                   textAnchor="end", fillColor=ink)
        )  # fmt: skip
    line = _colour(LINE)
    if len(points) > 1:
        path = [c for p in points for c in (x(p.at, 0), y(p.value))]
        drawing.add(PolyLine(path, strokeColor=line, strokeWidth=0.8))
    failed = _colour(chart.failed_colour)
    for point in points:
        drawing.add(
            Circle(x(point.at, 0), y(point.value), 2.2 if point.failed else 1.2,
                   fillColor=failed if point.failed else line, strokeColor=None)
        )  # fmt: skip
    return drawing
