"""The current activity of a sealed source, by radioactive decay from its certified reference.

A(t) = A0 · 2^(-t / T½), computed in Decimal with the half-lives of equipment/radionuclides.py,
as of a date: "today" is the site's today, in its time zone. Activities are shown in both unit
systems, e.g. "7.21 MBq (194.9 µCi)". 1 Ci = 3.7e10 Bq exactly (by definition).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.utils import timezone

from equipment.radionuclides import NUCLIDES, ActivityUnit

BQ_PER_CI = Decimal("3.7E10")

BECQUEREL_PER_UNIT: dict[str, Decimal] = {
    ActivityUnit.BQ: Decimal(1),
    ActivityUnit.KBQ: Decimal("1E3"),
    ActivityUnit.MBQ: Decimal("1E6"),
    ActivityUnit.GBQ: Decimal("1E9"),
    ActivityUnit.CI: BQ_PER_CI,
    ActivityUnit.MCI: BQ_PER_CI / 1000,
    ActivityUnit.UCI: BQ_PER_CI / 1000_000,
}

SI_UNITS = frozenset({ActivityUnit.BQ, ActivityUnit.KBQ, ActivityUnit.MBQ, ActivityUnit.GBQ})

# Largest first: the first prefix the value reaches is the one shown.
BQ_PREFIXES = [
    (Decimal("1E15"), "PBq"),
    (Decimal("1E12"), "TBq"),
    (Decimal("1E9"), "GBq"),
    (Decimal("1E6"), "MBq"),
    (Decimal("1E3"), "kBq"),
    (Decimal(1), "Bq"),
]
CI_PREFIXES = [
    (Decimal("1E3"), "kCi"),
    (Decimal(1), "Ci"),
    (Decimal("1E-3"), "mCi"),
    (Decimal("1E-6"), "µCi"),
    (Decimal("1E-9"), "nCi"),
    (Decimal("1E-12"), "pCi"),
]

# Enough digits that one half-life gives exactly one half and ten years of Cs-137 agree with
# floating point to 15 places; far more than any activity is known to.
PRECISION = 34


def to_becquerel(value: Decimal, unit: str) -> Decimal:
    """An activity in `unit` (one of ActivityUnit) as becquerel, exactly."""
    return Decimal(value) * BECQUEREL_PER_UNIT[unit]


def to_curie(becquerel: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = PRECISION
        return Decimal(becquerel) / BQ_PER_CI


def decay_factor(radionuclide: str, elapsed_days: Decimal) -> Decimal:
    """The fraction of the activity left after `elapsed_days`: 2^(-t / T½)."""
    half_life = NUCLIDES[radionuclide].half_life_days
    with localcontext() as context:
        context.prec = PRECISION
        return Decimal(2) ** (-(Decimal(elapsed_days) / half_life))


def activity_on(
    *,
    radionuclide: str,
    reference_activity: Decimal,
    activity_unit: str,
    reference_date: date,
    on: date,
) -> Decimal:
    """The activity in becquerel on the date `on`, decayed from the reference activity."""
    elapsed = Decimal((on - reference_date).days)
    with localcontext() as context:
        context.prec = PRECISION
        return to_becquerel(reference_activity, activity_unit) * decay_factor(radionuclide, elapsed)


# --- showing activities ---------------------------------------------------------------------


def _rounded(mantissa: Decimal) -> Decimal:
    # Three significant figures, and never fewer than one decimal: 7.21, 72.1, 194.9.
    places = 2 if abs(mantissa) < 10 else 1
    return mantissa.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _with_prefix(value: Decimal, prefixes: list[tuple[Decimal, str]], base: str) -> str:
    if value == 0:
        return f"0 {base}"
    with localcontext() as context:
        context.prec = PRECISION
        index = next(
            (i for i, (factor, _unit) in enumerate(prefixes) if abs(value) >= factor),
            len(prefixes) - 1,
        )
        shown = _rounded(value / prefixes[index][0])
        if abs(shown) >= 1000 and index > 0:  # 999.96 kBq rounds up to 1.00 MBq
            index -= 1
            shown = _rounded(value / prefixes[index][0])
        return f"{shown} {prefixes[index][1]}"


def format_becquerel(becquerel: Decimal) -> str:
    """E.g. "7.21 MBq"."""
    return _with_prefix(Decimal(becquerel), BQ_PREFIXES, "Bq")


def format_curie(becquerel: Decimal) -> str:
    """The same activity in the curie family, e.g. "194.9 µCi"."""
    return _with_prefix(to_curie(becquerel), CI_PREFIXES, "Ci")


def format_activity(becquerel: Decimal) -> str:
    """Both unit systems, SI first: "7.21 MBq (194.9 µCi)"."""
    return f"{format_becquerel(becquerel)} ({format_curie(becquerel)})"


def plain_number(value: Decimal) -> str:
    """A stored decimal without its padding zeros or an exponent: 200.000000 -> "200"."""
    return format(Decimal(value).normalize(), "f")


def significant(value: Decimal, digits: int = 6) -> Decimal:
    """`value` rounded to `digits` significant figures, for machine-readable output."""
    if value == 0:
        return Decimal(0)
    exponent = value.adjusted() - digits + 1
    rounded = value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return Decimal(format(rounded, "f"))  # 5.88183E+6 -> 5881830


# --- one source ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceActivity:
    """A sealed source's reference and its activity on a date, ready to show."""

    radionuclide: str
    half_life: str
    reference: str
    reference_date: date
    on: date
    becquerel: Decimal

    @property
    def current(self) -> str:
        return format_activity(self.becquerel)


def source_activity(
    equipment, *, on: date | None = None, now: datetime | None = None
) -> SourceActivity | None:
    """The source's activity on `on` (by default the site's today, at `now`), or None when the
    equipment records no complete reference (radionuclide, activity with unit, date)."""
    if not (
        equipment.radionuclide in NUCLIDES
        and equipment.reference_activity is not None
        and equipment.activity_unit in BECQUEREL_PER_UNIT
        and equipment.reference_date is not None
    ):
        return None
    on = on or equipment.site.today(now or timezone.now())
    nuclide = NUCLIDES[equipment.radionuclide]
    reference_bq = to_becquerel(equipment.reference_activity, equipment.activity_unit)
    unit_label = ActivityUnit(equipment.activity_unit).label
    other = (
        format_curie(reference_bq)
        if equipment.activity_unit in SI_UNITS
        else format_becquerel(reference_bq)
    )
    return SourceActivity(
        radionuclide=nuclide.code,
        half_life=f"{plain_number(nuclide.half_life)} {'years' if nuclide.unit == 'y' else 'days'}",
        reference=f"{plain_number(equipment.reference_activity)} {unit_label} ({other})",
        reference_date=equipment.reference_date,
        on=on,
        becquerel=activity_on(
            radionuclide=equipment.radionuclide,
            reference_activity=equipment.reference_activity,
            activity_unit=equipment.activity_unit,
            reference_date=equipment.reference_date,
            on=on,
        ),
    )
