"""A check's band as a number line: zones in the order and with the outcomes the limit rule gives,
inclusive limits filled and exclusive ones open, labels that fit a phone, and the same picture in
words."""

import itertools
from decimal import Decimal

import pytest

from equipment.band_line import (
    EDGE,
    WIDTH,
    band_line,
    limit_text,
    number_text,
    positions,
    text_width,
)
from equipment.limits import Band, BandMode, Limit, Outcome, evaluate

D = Decimal
P, T, A = Outcome.PASS, Outcome.TOLERANCE, Outcome.ACTION


def lim(value: str, inclusive: bool = True) -> Limit:
    return Limit(D(value), inclusive)


CTDI = Band(
    action_low=lim("-20"),
    tolerance_low=lim("-10"),
    tolerance_high=lim("10", inclusive=False),
    action_high=lim("20"),
    mode=BandMode.PERCENT,
)
LEAK = Band(action_high=lim("185.00000000", inclusive=False))


def test_a_full_band_has_five_zones_in_order_with_the_rules_outcomes():
    line = band_line(CTDI)
    assert [zone.outcome for zone in line.zones] == [A, T, P, T, A]
    assert [mark.name for mark in line.marks] == [
        "action_low",
        "tolerance_low",
        "tolerance_high",
        "action_high",
    ]
    xs = [mark.x for mark in line.marks]
    assert xs == sorted(xs)
    # Zones tile the line from one end to the other.
    assert line.zones[0].x1 == EDGE and line.zones[-1].x2 == WIDTH - EDGE
    for left, right in zip(line.zones, line.zones[1:], strict=False):
        assert left.x2 == right.x1


def test_inclusive_limits_are_filled_and_keep_the_value_inside():
    marks = {mark.name: mark for mark in band_line(CTDI).marks}
    assert marks["tolerance_low"].inclusive and marks["tolerance_low"].at == P
    # Exclusive: a value exactly at +10 % is already tolerance.
    assert not marks["tolerance_high"].inclusive and marks["tolerance_high"].at == T
    assert marks["action_low"].at == T and marks["action_high"].at == T


@pytest.mark.parametrize("band", [CTDI, LEAK, Band(tolerance_low=lim("1"), action_low=lim("0"))])
def test_each_mark_says_what_the_limit_rule_says_at_the_limit(band):
    plain = Band(**band.limits())
    for mark in band_line(band).marks:
        assert mark.at == evaluate(mark.value, plain).outcome


def test_a_percent_band_is_labelled_in_signed_percent_of_the_reference():
    line = band_line(CTDI)
    assert [mark.text for mark in line.marks] == ["\u221220 %", "\u221210 %", "+10 %", "+20 %"]
    assert line.sentences[0] == "Limits in percent of the reference."
    assert "From \u221210 % (included) to +10 % (not included): pass." in line.description


def test_a_one_sided_leak_test_passes_below_and_acts_at_the_exclusive_limit():
    line = band_line(LEAK, unit="Bq")
    assert [zone.outcome for zone in line.zones] == [P, A]
    [mark] = line.marks
    assert mark.text == "185 Bq" and not mark.inclusive and mark.at == A
    assert line.description == "Below 185 Bq: pass. At or above 185 Bq: action."


def test_an_inclusive_upper_action_limit_reads_at_or_below():
    line = band_line(Band(action_high=lim("5")), unit="mSv")
    assert line.description == "At or below 5 mSv: pass. Above 5 mSv: action."


def test_a_tolerance_only_band_never_says_action_and_an_action_only_band_never_tolerance():
    tolerance_only = band_line(Band(tolerance_low=lim("-5"), tolerance_high=lim("5")), unit="HU")
    assert {zone.outcome for zone in tolerance_only.zones} == {P, T}
    action_only = band_line(Band(action_low=lim("-7"), action_high=lim("7")))
    assert [zone.outcome for zone in action_only.zones] == [A, P, A]


def test_a_band_without_limits_or_with_low_above_high_draws_nothing():
    assert band_line(Band()) is None
    assert band_line(Band(tolerance_low=lim("5"), tolerance_high=lim("-5"))) is None


def test_limits_stand_in_proportion_when_there_is_room():
    xs = positions([D(0), D(1), D(3)], start=0, end=300, gap=50)
    assert xs == [0, 100, 300]


def test_close_limits_are_pushed_apart_to_the_gap_and_stay_in_the_box():
    # -1000 … 0.99 … 1.01 … 1000: the middle pair would sit on top of each other.
    xs = positions([D(-1000), D("0.99"), D("1.01"), D(1000)], start=54, end=306, gap=72)
    assert xs[0] >= 54 and xs[-1] <= 306
    assert all(b - a >= 72 - 0.1 for a, b in itertools.pairwise(xs))


def test_equal_limits_still_get_their_own_places():
    line = band_line(Band(action_low=lim("0"), tolerance_low=lim("0", inclusive=False)))
    first, second = line.marks
    assert second.x > first.x
    assert "Exactly 0: tolerance." in line.description


def test_long_labels_fit_the_box_on_two_rows():
    band = Band(
        action_low=lim("-1000.125"),
        tolerance_low=lim("-999.125"),
        tolerance_high=lim("999.125"),
        action_high=lim("1000.125"),
    )
    line = band_line(band, unit="counts/min")
    for mark in line.marks:
        half = text_width(mark.text) / 2
        assert mark.label_x - half >= 0 and mark.label_x + half <= WIDTH
    rows = {mark.label_y for mark in line.marks}
    assert len(rows) == 2
    assert line.height > max(rows)
    # Labels on one row never overlap.
    for row in rows:
        spans = sorted(
            (m.label_x - text_width(m.text) / 2, m.label_x + text_width(m.text) / 2)
            for m in line.marks
            if m.label_y == row
        )
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_zone_names_are_written_only_where_they_fit():
    line = band_line(CTDI)
    assert all(zone.show_label for zone in line.zones)
    crowded = band_line(
        Band(tolerance_low=lim("0"), tolerance_high=lim("1"), action_high=lim("2")),
    )
    for zone in crowded.zones:
        assert zone.show_label == (zone.width >= text_width(zone.label) + 4)


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        ("-5", False, "\u22125"),
        ("10", True, "+10"),
        ("0.00000000", True, "0"),
        ("1.50000000", False, "1.5"),
        ("1E+2", False, "100"),
        ("185.00000000", False, "185"),
    ],
)
def test_numbers_read_as_people_write_them(value, signed, text):
    assert number_text(D(value), signed=signed) == text


def test_absolute_labels_carry_the_unit_and_percent_ones_the_sign():
    assert limit_text(D("-7"), mode=BandMode.ABSOLUTE, unit="HU") == "\u22127 HU"
    assert limit_text(D("5"), mode=BandMode.ABSOLUTE) == "5"
    assert limit_text(D("5"), mode=BandMode.PERCENT, unit="mGy") == "+5 %"
