"""The band's number line: zones in the order the limits score them, marks where the limits
are, filled when inclusive, and a text equivalent."""

from decimal import Decimal

from equipment.band_line import band_line


def test_four_limits_make_five_zones_in_order():
    line = band_line(
        {
            "action_low": (Decimal("90"), True),
            "tolerance_low": (Decimal("95"), True),
            "tolerance_high": (Decimal("105"), False),
            "action_high": (Decimal("110"), True),
        },
        unit="mA",
    )
    assert [z.kind for z in line.zones] == ["action", "tolerance", "pass", "tolerance", "action"]
    assert line.zones[0].x0 == 0 and line.zones[-1].x1 == line.width
    xs = [m.x for m in line.marks]
    assert xs == sorted(xs) and 0 < xs[0] < xs[-1] < line.width
    assert [m.inclusive for m in line.marks] == [True, True, False, True]
    assert "Tolerance high 105 mA (exclusive)" in line.text


def test_one_sided_and_empty_bands():
    line = band_line({"action_high": (Decimal("185"), False)})
    assert [z.kind for z in line.zones] == ["pass", "action"]
    assert band_line({}).zones[0].kind == "pass"
    assert [z.kind for z in band_line({"tolerance_low": (Decimal("0"), True)}).zones] == [
        "tolerance",
        "pass",
    ]
