"""A measured value against its check's limits: pass, tolerance or action, at every edge."""

from decimal import Decimal

import pytest

from equipment.limits import (
    Band,
    BandMode,
    Evaluation,
    Limit,
    LimitName,
    Outcome,
    band_errors,
    choice_errors,
    evaluate,
    evaluate_boolean,
    evaluate_choice,
    resolve,
    to_decimal,
)

D = Decimal


def lim(value: str, inclusive: bool = True) -> Limit:
    return Limit(D(value), inclusive)


# CT water HU: tolerance -5..+5, action beyond -7..+7 (all inclusive).
WATER_HU = Band(
    action_low=lim("-7"), tolerance_low=lim("-5"), tolerance_high=lim("5"), action_high=lim("7")
)


# --- absolute bands, inclusive and exclusive edges ---------------------------------------


@pytest.mark.parametrize(
    ("value", "outcome", "crossed", "limit"),
    [
        ("0", Outcome.PASS, None, None),
        ("5", Outcome.PASS, None, None),
        ("5.0001", Outcome.TOLERANCE, LimitName.TOLERANCE_HIGH, D("5")),
        ("-5", Outcome.PASS, None, None),
        ("-5.0001", Outcome.TOLERANCE, LimitName.TOLERANCE_LOW, D("-5")),
        ("7", Outcome.TOLERANCE, LimitName.TOLERANCE_HIGH, D("5")),
        ("7.0001", Outcome.ACTION, LimitName.ACTION_HIGH, D("7")),
        ("-7", Outcome.TOLERANCE, LimitName.TOLERANCE_LOW, D("-5")),
        ("-7.0001", Outcome.ACTION, LimitName.ACTION_LOW, D("-7")),
        ("-1000", Outcome.ACTION, LimitName.ACTION_LOW, D("-7")),
    ],
)
def test_inclusive_limits_keep_the_value_at_the_limit_inside(value, outcome, crossed, limit):
    assert evaluate(value, WATER_HU) == Evaluation(outcome, crossed, limit)


EXCLUSIVE = Band(
    action_low=lim("-7", False),
    tolerance_low=lim("-5", False),
    tolerance_high=lim("5", False),
    action_high=lim("7", False),
)


@pytest.mark.parametrize(
    ("value", "outcome", "crossed"),
    [
        ("4.9999", Outcome.PASS, None),
        ("5", Outcome.TOLERANCE, LimitName.TOLERANCE_HIGH),
        ("-4.9999", Outcome.PASS, None),
        ("-5", Outcome.TOLERANCE, LimitName.TOLERANCE_LOW),
        ("6.9999", Outcome.TOLERANCE, LimitName.TOLERANCE_HIGH),
        ("7", Outcome.ACTION, LimitName.ACTION_HIGH),
        ("-6.9999", Outcome.TOLERANCE, LimitName.TOLERANCE_LOW),
        ("-7", Outcome.ACTION, LimitName.ACTION_LOW),
    ],
)
def test_exclusive_limits_put_the_value_at_the_limit_outside(value, outcome, crossed):
    result = evaluate(value, EXCLUSIVE)
    assert (result.outcome, result.crossed) == (outcome, crossed)


def test_tolerance_high_ten_inclusive_passes_ten_and_not_ten_point_0001():
    band = Band(tolerance_high=lim("10"))
    assert evaluate("10", band).outcome == Outcome.PASS
    assert evaluate("10.0001", band) == Evaluation(
        Outcome.TOLERANCE, LimitName.TOLERANCE_HIGH, D("10")
    )


def test_each_limit_has_its_own_flag():
    band = Band(tolerance_low=lim("1", inclusive=False), tolerance_high=lim("2", inclusive=True))
    assert evaluate("1", band).outcome == Outcome.TOLERANCE
    assert evaluate("2", band).outcome == Outcome.PASS


# --- one-sided and action-only bands -----------------------------------------------------


def test_a_one_sided_band_has_no_limit_on_the_other_side():
    # A leak test: 185 Bq or more withdraws the source.
    leak = Band(action_high=lim("185", inclusive=False))
    assert evaluate("184.99", leak).outcome == Outcome.PASS
    assert evaluate("185", leak) == Evaluation(Outcome.ACTION, LimitName.ACTION_HIGH, D("185"))
    assert evaluate("-1000000", leak).outcome == Outcome.PASS


def test_a_low_only_band():
    # Phantom optical density at least 1.20.
    density = Band(action_low=lim("1.20"))
    assert evaluate("1.20", density).outcome == Outcome.PASS
    assert evaluate("1.19", density) == Evaluation(Outcome.ACTION, LimitName.ACTION_LOW, D("1.20"))


def test_an_action_only_band_never_scores_tolerance():
    band = Band(action_low=lim("0.90"), action_high=lim("1.10"))
    assert [evaluate(v, band).outcome for v in ("0.89", "0.90", "1.00", "1.10", "1.11")] == [
        Outcome.ACTION,
        Outcome.PASS,
        Outcome.PASS,
        Outcome.PASS,
        Outcome.ACTION,
    ]


def test_a_tolerance_only_band_never_scores_action():
    band = Band(tolerance_low=lim("-1"), tolerance_high=lim("1"))
    assert evaluate("-1000", band).outcome == Outcome.TOLERANCE
    assert evaluate("1000", band).outcome == Outcome.TOLERANCE


def test_a_band_without_limits_records_the_value_and_passes():
    assert evaluate("123.4", Band()) == Evaluation(Outcome.PASS)
    assert evaluate("1", Band(mode=BandMode.PERCENT)).outcome == Outcome.PASS


# --- percent of the reference -------------------------------------------------------------

SD_20_PERCENT = Band(
    tolerance_low=lim("-5"),
    tolerance_high=lim("5"),
    action_low=lim("-20"),
    action_high=lim("20"),
    mode=BandMode.PERCENT,
)


def test_percent_limits_resolve_on_the_reference():
    resolved = resolve(SD_20_PERCENT, D("200"))
    assert resolved.mode == BandMode.ABSOLUTE
    assert [limit.value for limit in resolved.limits().values()] == [
        D("160"),
        D("190"),
        D("210"),
        D("240"),
    ]


@pytest.mark.parametrize(
    ("value", "outcome", "limit"),
    [
        ("210", Outcome.PASS, None),
        ("210.0001", Outcome.TOLERANCE, D("210")),
        ("190", Outcome.PASS, None),
        ("189.9999", Outcome.TOLERANCE, D("190")),
        ("240", Outcome.TOLERANCE, D("210")),
        ("240.0001", Outcome.ACTION, D("240")),
        ("159.9999", Outcome.ACTION, D("160")),
    ],
)
def test_percent_band_edges_on_a_reference_of_200(value, outcome, limit):
    result = evaluate(value, SD_20_PERCENT, reference="200")
    assert (result.outcome, result.limit) == (outcome, limit)


def test_percent_of_a_fractional_reference_is_exact():
    band = Band(tolerance_high=lim("5"), mode=BandMode.PERCENT)
    # 5 % of 0.3 is 0.015 exactly; a float would make 0.315 fail or pass by accident.
    assert resolve(band, "0.3").tolerance_high.value == D("0.315")
    assert evaluate("0.315", band, reference="0.3").outcome == Outcome.PASS
    assert evaluate("0.3150001", band, reference="0.3").outcome == Outcome.TOLERANCE


def test_percent_of_a_negative_reference_keeps_the_low_limit_below_the_high():
    resolved = resolve(SD_20_PERCENT, D("-200"))
    assert resolved.tolerance_low.value == D("-210")
    assert resolved.tolerance_high.value == D("-190")
    assert evaluate("-190", SD_20_PERCENT, reference="-200").outcome == Outcome.PASS
    result = evaluate("-189.99", SD_20_PERCENT, reference="-200")
    assert (result.outcome, result.crossed) == (Outcome.TOLERANCE, LimitName.TOLERANCE_HIGH)
    assert evaluate("-240.01", SD_20_PERCENT, reference="-200").crossed == LimitName.ACTION_LOW


def test_exclusive_percent_limits():
    band = Band(tolerance_high=lim("5", inclusive=False), mode=BandMode.PERCENT)
    assert evaluate("209.999", band, reference="200").outcome == Outcome.PASS
    assert evaluate("210", band, reference="200").outcome == Outcome.TOLERANCE


@pytest.mark.parametrize("reference", [None, "0", D("0.000")])
def test_percent_is_refused_on_a_missing_or_zero_reference(reference):
    errors = band_errors(SD_20_PERCENT, reference)
    assert set(errors) == {"reference"}
    with pytest.raises(ValueError, match="reference"):
        evaluate("1", SD_20_PERCENT, reference=reference)
    with pytest.raises(ValueError, match="reference"):
        resolve(SD_20_PERCENT, reference)


def test_an_absolute_band_needs_no_reference():
    assert band_errors(WATER_HU) == {}
    assert band_errors(WATER_HU, "0") == {}
    assert resolve(WATER_HU, None) is WATER_HU


# --- bands a person must correct ----------------------------------------------------------


def test_tolerance_low_above_tolerance_high_is_named_on_the_high_limit():
    errors = band_errors(Band(tolerance_low=lim("5"), tolerance_high=lim("-5")))
    assert errors == {
        "tolerance_high": "The tolerance low limit (5) is above the tolerance high limit (-5)."
    }


def test_tolerance_outside_action_is_named_on_the_tolerance_limit():
    errors = band_errors(
        Band(
            action_low=lim("-5"),
            tolerance_low=lim("-7"),
            tolerance_high=lim("9"),
            action_high=lim("8"),
        )
    )
    assert set(errors) == {"tolerance_low", "tolerance_high"}
    assert "action low limit (-5)" in errors["tolerance_low"]
    assert "action high limit (8)" in errors["tolerance_high"]


def test_action_low_above_action_high_without_tolerance():
    errors = band_errors(Band(action_low=lim("10"), action_high=lim("1")))
    assert set(errors) == {"action_low"}


def test_percent_inversions_say_percent():
    errors = band_errors(
        Band(tolerance_low=lim("5"), tolerance_high=lim("-5"), mode=BandMode.PERCENT), "200"
    )
    assert errors["tolerance_high"] == (
        "The tolerance low limit (5%) is above the tolerance high limit (-5%)."
    )


def test_equal_limits_that_nothing_could_pass_are_refused():
    assert band_errors(Band(tolerance_low=lim("3"), tolerance_high=lim("3"))) == {}
    errors = band_errors(Band(tolerance_low=lim("3"), tolerance_high=lim("3", inclusive=False)))
    assert "no value could be inside" in errors["tolerance_high"]


def test_touching_tolerance_and_action_limits_are_allowed():
    band = Band(tolerance_high=lim("5", inclusive=False), action_high=lim("5", inclusive=True))
    assert band_errors(band) == {}
    assert evaluate("5", band).outcome == Outcome.TOLERANCE
    assert evaluate("5.0001", band).outcome == Outcome.ACTION


def test_an_unknown_mode_is_refused():
    assert set(band_errors(Band(tolerance_high=lim("1"), mode="relative"))) == {"mode"}


def test_an_inverted_band_is_not_evaluated():
    with pytest.raises(ValueError, match="above"):
        evaluate("0", Band(tolerance_low=lim("5"), tolerance_high=lim("-5")))


# --- the value as entered -----------------------------------------------------------------


def test_text_as_entered_keeps_its_places():
    assert str(to_decimal("1.50")) == "1.50"
    assert to_decimal(" 1.50 ").as_tuple().exponent == -2
    assert to_decimal(3) == D(3)


@pytest.mark.parametrize("value", [1.5, 0.1, True])
def test_floats_and_booleans_are_refused(value):
    with pytest.raises(TypeError, match="not"):
        evaluate(value, WATER_HU)


def test_a_float_limit_is_refused():
    with pytest.raises(TypeError):
        Limit(5.0)


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-inf", D("NaN"), D("Infinity")])
def test_nan_and_infinity_are_refused(value):
    with pytest.raises(ValueError, match="finite"):
        evaluate(value, WATER_HU)


def test_text_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError, match="“abc” is not a number"):
        evaluate("abc", WATER_HU)


def test_the_limit_crossed_is_reported_exactly_as_configured():
    band = Band(tolerance_high=lim("1.500"))
    assert str(evaluate("1.6", band).limit) == "1.500"


# --- boolean and choice checks ------------------------------------------------------------


def test_a_yes_no_check():
    assert evaluate_boolean(True) == Evaluation(Outcome.PASS)
    assert evaluate_boolean(False) == Evaluation(Outcome.ACTION)
    assert evaluate_boolean(True, passes_when=False, fails_as=Outcome.TOLERANCE) == Evaluation(
        Outcome.TOLERANCE
    )
    with pytest.raises(TypeError):
        evaluate_boolean("yes")
    with pytest.raises(ValueError, match="tolerance or action"):
        evaluate_boolean(True, fails_as=Outcome.PASS)


ARTIFACTS = ["none", "minor", "major"]


def test_a_choice_check_passes_the_named_choices():
    assert evaluate_choice("none", choices=ARTIFACTS, passing={"none"}).outcome == Outcome.PASS
    assert evaluate_choice(
        "minor", choices=ARTIFACTS, passing={"none"}, fails_as=Outcome.TOLERANCE
    ) == Evaluation(Outcome.TOLERANCE)
    assert evaluate_choice("major", choices=ARTIFACTS, passing={"none"}).outcome == Outcome.ACTION
    with pytest.raises(ValueError, match="not one of the choices"):
        evaluate_choice("huge", choices=ARTIFACTS, passing={"none"})


def test_a_choice_check_set_up_a_person_must_correct():
    assert choice_errors(choices=ARTIFACTS, passing=["none"]) == {}
    assert set(choice_errors(choices=[], passing=[])) == {"choices", "passing"}
    assert set(choice_errors(choices=["a", "a"], passing=["a"])) == {"choices"}
    assert choice_errors(choices=ARTIFACTS, passing=["gone"]) == {
        "passing": "Passing choices must be among the choices: “gone”"
    }
    assert set(choice_errors(choices=ARTIFACTS, passing=[])) == {"passing"}


def test_outcomes_are_text_choices_models_can_store():
    assert Outcome.values == ["pass", "tolerance", "action"]
    assert LimitName.values == ["action_low", "tolerance_low", "tolerance_high", "action_high"]
