"""A value entered for a check, read and judged: the one place the record form, the
as-you-type evaluation and the API turn what a person typed into a result.

The rules are equipment.limits'; this module reads a check's kind, parses the entry as that
kind wants it, and says what went wrong as a sentence a technician understands.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from equipment.limits import (
    BandMode,
    Evaluation,
    LimitName,
    evaluate,
    evaluate_boolean,
    evaluate_choice,
    reference_error,
    to_decimal,
)
from equipment.models import Check, CheckKind
from equipment.models.procedures import LIMIT_FIELDS
from equipment.services.procedures import check_band

YES = frozenset({"yes", "y", "true", "1", "pass", "ok"})
NO = frozenset({"no", "n", "false", "0", "fail"})
MAX_TEXT = 200


class EntryError(ValueError):
    """An entry that cannot be judged: the message says why, for the field."""


@dataclass(frozen=True)
class Judged:
    """What an entry scored, with everything the measurement keeps of it."""

    value_text: str
    evaluation: Evaluation
    value_number: Decimal | None = None
    reference: Decimal | None = None
    band: dict = field(default_factory=dict)

    @property
    def result(self) -> str:
        return self.evaluation.outcome


def band_snapshot(check: Check) -> dict:
    """The check's limits, flags and mode as plain values: kept with each measurement."""
    snapshot = {"mode": check.band_mode, "unit": check.unit}
    for name in LIMIT_FIELDS:
        value = getattr(check, name)
        snapshot[name] = None if value is None else format(Decimal(value).normalize(), "f")
        snapshot[f"{name}_inclusive"] = getattr(check, f"{name}_inclusive")
    if check.kind == CheckKind.CHOICE:
        snapshot["choices"], snapshot["passing"] = check.choices, check.passing_choices
    return snapshot


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, float):
        # JSON numbers arrive as floats: keep the digits as written (repr is the shortest).
        return repr(raw)
    return str(raw).strip()


def judge(check: Check, raw, *, reference: Decimal | None = None) -> Judged:
    """Read `raw` (text as typed, or a JSON value) for `check`, judged against its band on
    `reference` (the schedule's baseline for a percent band). Raises EntryError."""
    text = _text(raw)
    if not text:
        raise EntryError("Enter a value for this check.")
    if len(text) > MAX_TEXT:
        raise EntryError(f"Keep the value under {MAX_TEXT} characters.")
    if check.kind == CheckKind.NUMERIC:
        return _numeric(check, text, reference)
    if check.kind == CheckKind.BOOLEAN:
        answer = text.casefold()
        if answer not in YES | NO:
            raise EntryError("Answer yes or no.")
        return Judged("yes" if answer in YES else "no", evaluate_boolean(answer in YES))
    if check.kind == CheckKind.CHOICE:
        try:
            evaluation = evaluate_choice(text, choices=check.choices, passing=check.passing_choices)
        except ValueError:
            raise EntryError(
                "Choose one of: " + ", ".join(f"“{c}”" for c in check.choices) + "."
            ) from None
        return Judged(text, evaluation, band=band_snapshot(check))
    return Judged(text, Evaluation("pass"))


def _numeric(check: Check, text: str, reference) -> Judged:
    try:
        number = to_decimal(text)
    except (TypeError, ValueError):
        raise EntryError(f"“{text}” is not a number. Use digits and a decimal point.") from None
    band = check_band(check)
    if band.mode == BandMode.PERCENT and (problem := reference_error(band, reference)):
        raise EntryError(
            f"{problem} Set this check's reference on the schedule before recording it."
        )
    evaluation = evaluate(number, band, reference if band.mode == BandMode.PERCENT else None)
    return Judged(
        text,
        evaluation,
        value_number=number,
        reference=reference if band.mode == BandMode.PERCENT else None,
        band=band_snapshot(check),
    )


def describe(judged: Judged, *, unit: str = "") -> str:
    """The result as a sentence: "Pass", or "Tolerance: above tolerance high (10.5 mA)"."""
    evaluation = judged.evaluation
    label = evaluation.outcome.capitalize()
    if evaluation.crossed is None:
        return label
    side = "below" if evaluation.crossed.endswith("low") else "above"
    limit = f" ({evaluation.limit.normalize():f}{' ' + unit if unit else ''})"
    return f"{label}: {side} {LimitName(evaluation.crossed).label.lower()}{limit}"
