"""The trend chart as SVG: points placed by time and value, zones shaded within the plot,
reference changes marked, failures highlighted, and empty, single and flat series drawn
without dividing by zero; every text escaped; described in words."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from imaging_ops.web.charts import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    Chart,
    Marker,
    Point,
    Zone,
    summary,
    ticks,
    trend_svg,
    value_range,
)

SVG = "{http://www.w3.org/2000/svg}"
DAY = datetime(2026, 3, 1, 12, tzinfo=UTC)


def parsed(chart: Chart):
    return ET.fromstring(str(trend_svg(chart, dom_id="t")))  # noqa: S314 - our own markup


def circles(root):
    return [
        (float(c.get("cx")), float(c.get("cy")), c.get("data-failed"))
        for c in root.iter(SVG + "circle")
    ]


def test_points_are_placed_by_time_and_value_inside_the_plot():
    points = [
        Point(DAY, 100),
        Point(DAY + timedelta(days=1), 110),
        Point(DAY + timedelta(days=2), 90),
    ]
    root = parsed(Chart(title="Tube current", unit="mA", points=points))
    placed = circles(root)
    xs = [x for x, _, _ in placed]
    assert xs == sorted(xs) and xs[1] - xs[0] == xs[2] - xs[1]  # equal days, equal steps
    assert xs[0] > LEFT and xs[-1] < WIDTH - RIGHT
    ys = {value: y for (_, y, _), value in zip(placed, (100, 110, 90), strict=True)}
    assert ys[110] < ys[100] < ys[90]  # higher values are higher up
    assert all(TOP <= y <= HEIGHT - BOTTOM for y in ys.values())
    assert root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}" and root.get("width") == "100%"
    assert root.get("role") == "img" and root.find(SVG + "title").text == "Tube current"


def test_zones_are_shaded_within_the_plot_and_clipped_to_its_range():
    zones = [
        Zone(None, 95, "#f00", "Tolerance"),
        Zone(95, 105, "#0f0", "Pass"),
        Zone(105, None, "#f00", "Tolerance"),
        Zone(1000, None, "#000", "Far above"),  # beyond the values: not drawn
    ]
    points = [Point(DAY, 98), Point(DAY + timedelta(hours=1), 102)]
    root = parsed(Chart(title="t", points=points, zones=zones))
    rects = list(root.iter(SVG + "rect"))
    assert [r.get("fill") for r in rects] == ["#f00", "#0f0", "#f00"]
    tops = [float(r.get("y")) for r in rects]
    bottoms = [float(r.get("y")) + float(r.get("height")) for r in rects]
    assert tops[2] == TOP and bottoms[0] == HEIGHT - BOTTOM  # open zones run to the edge
    assert abs(bottoms[1] - tops[0]) < 0.2 and abs(bottoms[2] - tops[1]) < 0.2  # they abut
    low, high = value_range(Chart(title="t", points=points, zones=zones[:3]))
    assert low < 95 and high > 105  # the limits are in view, not only the values


def test_a_zone_over_part_of_the_time_starts_and_ends_there():
    points = [Point(DAY, 1), Point(DAY + timedelta(days=10), 2)]
    zone = Zone(0, 3, "#ccc", start=DAY + timedelta(days=5))
    rect = next(parsed(Chart(title="t", points=points, zones=[zone])).iter(SVG + "rect"))
    x, width = float(rect.get("x")), float(rect.get("width"))
    assert abs(x + width - (WIDTH - RIGHT)) < 0.2
    assert abs(x - (LEFT + 6 + (WIDTH - RIGHT - 6 - LEFT - 6) / 2)) < 0.2


def test_failed_points_are_highlighted_and_reference_changes_marked():
    points = [
        Point(DAY, 5),
        Point(DAY + timedelta(days=1), 6.2, failed=True, note="action"),
        Point(DAY + timedelta(days=2), 5.1),
    ]
    marker = Marker(DAY + timedelta(days=1, hours=12), "Reference 5 → 5.4")
    root = parsed(Chart(title="Noise", unit="HU", points=points, markers=[marker]))
    assert [flag for _, _, flag in circles(root)] == [None, "true", None]
    dashed = [ln for ln in root.iter(SVG + "line") if ln.get("stroke-dasharray")]
    assert len(dashed) == 1 and dashed[0].find(SVG + "title").text == "Reference 5 → 5.4"
    xs = [x for x, _, _ in circles(root)]
    assert xs[1] < float(dashed[0].get("x1")) < xs[2]
    text = summary(Chart(title="Noise", unit="HU", points=points, markers=[marker]))
    assert "3 values" in text and "1 outside the pass band" in text and "Reference changed" in text


def test_an_empty_series_says_so():
    root = parsed(Chart(title="Slice thickness", unit="mm"))
    assert not circles(root)
    assert "No values in this period" in "".join(root.itertext())
    assert summary(Chart(title="Slice thickness")) == "Slice thickness: no values in this period."


def test_a_single_point_sits_in_the_middle():
    root = parsed(Chart(title="t", points=[Point(DAY, 42)]))
    [(x, y, _)] = circles(root)
    assert abs(x - (LEFT + 6 + WIDTH - RIGHT - 6) / 2) < 0.1
    assert abs(y - (TOP + HEIGHT - BOTTOM) / 2) < 0.1
    assert root.find(SVG + "polyline") is None


def test_equal_values_draw_a_flat_line_in_the_middle():
    points = [Point(DAY + timedelta(days=n), 0) for n in range(4)]
    root = parsed(Chart(title="t", points=points))
    assert len({y for _, y, _ in circles(root)}) == 1
    assert value_range(Chart(title="t", points=points)) == (-1.0, 1.0)
    assert ticks(-1.0, 1.0) == [-1.0, -0.5, 0.0, 0.5, 1.0]


def test_texts_are_escaped_and_the_unit_labels_the_axis():
    chart = Chart(title='<script>"x"</script>', unit="µGy & co", points=[Point(DAY, 1)])
    svg = str(trend_svg(chart, dom_id="t"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "µGy &amp; co" in svg
    assert re.search(r"<text[^>]*>µGy &amp; co</text>", svg)


def test_a_chart_with_bounds_draws_exactly_them():
    """A share is drawn from 0 to 100 %, however close to 100 the points are."""
    from imaging_ops.web.charts import Chart, Point, value_range

    points = [Point(datetime(2026, m, 1, tzinfo=UTC), 100.0) for m in (9, 10, 11)]
    assert value_range(Chart(title="On time", points=points, bounds=(0.0, 100.0))) == (0.0, 100.0)
    fitted = value_range(Chart(title="On time", points=points))
    assert fitted[1] > 100.0  # fitted around the points
