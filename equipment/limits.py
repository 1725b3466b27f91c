"""Limit bands of a check, and whether a measured value passes them.

A numeric band has up to four limits, each optional and each with its own inclusive flag:
action low < tolerance low < tolerance high < action high. Inside the tolerance limits is a
pass, between a tolerance and an action limit is tolerance, beyond an action limit is action.
An inclusive limit keeps the value exactly at it on the inner side: with an inclusive tolerance
high of 10, 10 passes and 10.0001 is tolerance; an exclusive one makes 10 itself tolerance.

Limits are absolute values, or percentages of the reference (the baseline in force): in
percent mode a limit of +5 on a reference of 200 is 210, and -5 is 190. The percentage is taken
of the reference's magnitude, so on a reference of -200 the +5 limit is -190 and the order of
the limits never flips. Percent is refused on a missing or zero reference.

Everything is `Decimal` on the value as entered: "1.50" keeps its two places. Floats are refused
(a float has already lost the value as entered), and so are NaN and infinities.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

from django.db import models

# Enough digits that a percentage of any stored reference is exact, never rounded.
PRECISION = 60


class Outcome(models.TextChoices):
    PASS = "pass", "Pass"
    TOLERANCE = "tolerance", "Tolerance"
    ACTION = "action", "Action"


class BandMode(models.TextChoices):
    ABSOLUTE = "absolute", "Absolute values"
    PERCENT = "percent", "Percent of the reference"


class LimitName(models.TextChoices):
    ACTION_LOW = "action_low", "Action low"
    TOLERANCE_LOW = "tolerance_low", "Tolerance low"
    TOLERANCE_HIGH = "tolerance_high", "Tolerance high"
    ACTION_HIGH = "action_high", "Action high"


LOW_LIMITS = (LimitName.ACTION_LOW, LimitName.TOLERANCE_LOW)
HIGH_LIMITS = (LimitName.TOLERANCE_HIGH, LimitName.ACTION_HIGH)


def to_decimal(value, *, name: str = "value") -> Decimal:
    """`value` (a Decimal, an int or the text as entered) as a finite Decimal, exponent kept.

    A float raises TypeError; text that is not a number, NaN and infinities raise ValueError.
    """
    if isinstance(value, (bool, float)):
        # bool is an int subclass; a float has already rounded what the person typed.
        raise TypeError(
            f"The {name} must be a Decimal, an int or text as entered, not {type(value).__name__}."
        )
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"The {name} “{value}” is not a number.") from None
    elif isinstance(value, int):
        value = Decimal(value)
    elif not isinstance(value, Decimal):
        raise TypeError(f"The {name} must be a Decimal, not {type(value).__name__}.")
    if not value.is_finite():
        raise ValueError(f"The {name} must be a finite number, not {value}.")
    return value


@dataclass(frozen=True)
class Limit:
    """One limit of a band: its value and whether a value exactly at it is still inside."""

    value: Decimal
    inclusive: bool = True

    def __post_init__(self):
        object.__setattr__(self, "value", to_decimal(self.value, name="limit"))


@dataclass(frozen=True)
class Band:
    """The limits of a numeric check; any of them may be absent."""

    action_low: Limit | None = None
    tolerance_low: Limit | None = None
    tolerance_high: Limit | None = None
    action_high: Limit | None = None
    mode: str = BandMode.ABSOLUTE

    def limits(self) -> dict[str, Limit]:
        """The limits present, by name, lowest first."""
        named = {name: getattr(self, name) for name in LimitName.values}
        return {name: limit for name, limit in named.items() if limit is not None}

    @property
    def is_empty(self) -> bool:
        """A band without limits records the value and always passes."""
        return not self.limits()


@dataclass(frozen=True)
class Evaluation:
    """What a value scored: the outcome, and the limit it crossed (name and absolute value),
    or None for both when it passed."""

    outcome: str
    crossed: str | None = None
    limit: Decimal | None = None


PASSED = Evaluation(Outcome.PASS)


def _label(name: str) -> str:
    return LimitName(name).label.lower()


def reference_error(band: Band, reference) -> str | None:
    """Why the band cannot be resolved against `reference`, or None when it can."""
    if band.mode != BandMode.PERCENT or band.is_empty:
        return None
    if reference is None:
        return "Percent limits need a reference value; set the reference first."
    if to_decimal(reference, name="reference") == 0:
        return "Percent limits cannot apply to a reference of zero; use absolute limits."
    return None


def band_errors(band: Band, reference=None) -> dict[str, str]:
    """What is wrong with the band, as messages keyed by the field to correct; empty when the
    band is usable. `reference` is needed only to check a percent band."""
    errors: dict[str, str] = {}
    if band.mode not in BandMode.values:
        return {"mode": f"“{band.mode}” is not a band mode; choose absolute or percent."}
    if problem := reference_error(band, reference):
        errors["reference"] = problem
    limits = band.limits()
    unit = "%" if band.mode == BandMode.PERCENT else ""
    # Percentages of |reference| keep their order, so the raw values can be compared.
    pairs = [
        (LimitName.ACTION_LOW, LimitName.TOLERANCE_LOW),
        (LimitName.TOLERANCE_LOW, LimitName.TOLERANCE_HIGH),
        (LimitName.TOLERANCE_HIGH, LimitName.ACTION_HIGH),
        (LimitName.TOLERANCE_LOW, LimitName.ACTION_HIGH),
        (LimitName.ACTION_LOW, LimitName.TOLERANCE_HIGH),
        (LimitName.ACTION_LOW, LimitName.ACTION_HIGH),
    ]
    for lower, upper in pairs:
        if lower not in limits or upper not in limits:
            continue
        low, high = limits[lower], limits[upper]
        # The tolerance limit is the one a person moves to fix an inversion with an action one.
        field = upper if upper.startswith("tolerance") else lower
        if field in errors:
            continue
        if low.value > high.value:
            errors[field] = (
                f"The {_label(lower)} limit ({low.value}{unit}) is above the "
                f"{_label(upper)} limit ({high.value}{unit})."
            )
        elif (lower, upper) == _innermost(limits) and _nothing_between(low, high):
            errors[field] = (
                f"The {_label(lower)} and {_label(upper)} limits are both {low.value}{unit} and "
                "not both inclusive, so no value could be inside them."
            )
    return errors


def _innermost(limits: dict[str, Limit]) -> tuple[str, str]:
    # The pair that bounds the passing values: the tolerance limits when the band has them.
    low = next((n for n in reversed(LOW_LIMITS) if n in limits), None)
    high = next((n for n in HIGH_LIMITS if n in limits), None)
    return low, high


def _nothing_between(low: Limit, high: Limit) -> bool:
    return low.value == high.value and not (low.inclusive and high.inclusive)


def resolve(band: Band, reference=None) -> Band:
    """The band as absolute limits: a percent band is worked out on `reference`.

    Raises ValueError when a percent band has no usable reference.
    """
    if band.mode == BandMode.ABSOLUTE:
        return band
    if problem := reference_error(band, reference):
        raise ValueError(problem)
    if band.is_empty:
        return Band()
    base = to_decimal(reference, name="reference")
    with localcontext() as context:
        context.prec = PRECISION
        resolved = {
            name: Limit(base + abs(base) * limit.value / 100, limit.inclusive)
            for name, limit in band.limits().items()
        }
    return Band(**resolved, mode=BandMode.ABSOLUTE)


def _below(value: Decimal, limit: Limit) -> bool:
    return value < limit.value if limit.inclusive else value <= limit.value


def _above(value: Decimal, limit: Limit) -> bool:
    return value > limit.value if limit.inclusive else value >= limit.value


def evaluate(value, band: Band, reference=None) -> Evaluation:
    """Score `value` (a Decimal, an int or the text as entered) against `band`, resolved on
    `reference` when the band is in percent: pass, or tolerance or action with the limit crossed.

    Raises TypeError for a float, ValueError for a value that is not a finite number and for a
    band that `band_errors` refuses.
    """
    measured = to_decimal(value)
    if errors := band_errors(band, reference):
        raise ValueError(" ".join(errors.values()))
    limits = resolve(band, reference)
    # Action first: a value past both an action and a tolerance limit crossed the action one.
    for name, outcome, crossed in (
        (LimitName.ACTION_LOW, Outcome.ACTION, _below),
        (LimitName.ACTION_HIGH, Outcome.ACTION, _above),
        (LimitName.TOLERANCE_LOW, Outcome.TOLERANCE, _below),
        (LimitName.TOLERANCE_HIGH, Outcome.TOLERANCE, _above),
    ):
        limit = getattr(limits, name)
        if limit is not None and crossed(measured, limit):
            return Evaluation(outcome, name, limit.value)
    return PASSED


# --- boolean and choice checks ------------------------------------------------------------


def _failing(fails_as) -> str:
    if fails_as not in (Outcome.TOLERANCE, Outcome.ACTION):
        raise ValueError(f"A failed check scores tolerance or action, not {fails_as!r}.")
    return fails_as


def evaluate_boolean(
    value: bool, *, passes_when: bool = True, fails_as: str = Outcome.ACTION
) -> Evaluation:
    """A yes/no check: pass when `value` is `passes_when`, else `fails_as`."""
    _failing(fails_as)
    if not isinstance(value, bool):
        raise TypeError(f"A yes/no check takes True or False, not {value!r}.")
    return PASSED if value is passes_when else Evaluation(fails_as)


def choice_errors(*, choices, passing) -> dict[str, str]:
    """What is wrong with a choice check's set-up, keyed by field; empty when usable."""
    errors: dict[str, str] = {}
    choices = list(choices)
    if not choices:
        errors["choices"] = "A choice check needs at least one choice."
    elif len(set(choices)) != len(choices):
        errors["choices"] = "Each choice may appear only once."
    unknown = [c for c in passing if c not in choices]
    if unknown:
        errors["passing"] = "Passing choices must be among the choices: " + ", ".join(
            f"“{c}”" for c in unknown
        )
    elif not passing:
        errors["passing"] = "Name at least one choice that passes."
    return errors


def evaluate_choice(value: str, *, choices, passing, fails_as: str = Outcome.ACTION) -> Evaluation:
    """A choice check: pass when `value` is one of `passing`, else `fails_as`. A value that is
    not one of `choices` raises ValueError."""
    _failing(fails_as)
    if value not in choices:
        raise ValueError(f"“{value}” is not one of the choices.")
    return PASSED if value in passing else Evaluation(fails_as)
