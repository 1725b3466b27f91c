"""Half-lives of the sealed sources used for calibration and QC, from the NNDC (NuDat 3)
evaluated nuclear data. Decay uses them; each value carries its unit as published."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models

DAYS_PER_YEAR = Decimal("365.2422")


@dataclass(frozen=True)
class Nuclide:
    code: str
    name: str
    half_life: Decimal
    unit: str  # "d" or "y", as published

    @property
    def half_life_days(self) -> Decimal:
        return self.half_life * DAYS_PER_YEAR if self.unit == "y" else self.half_life


NUCLIDES = {
    n.code: n
    for n in (
        Nuclide("Cs-137", "Caesium-137", Decimal("30.08"), "y"),
        Nuclide("Co-57", "Cobalt-57", Decimal("271.74"), "d"),
        Nuclide("Ba-133", "Barium-133", Decimal("10.551"), "y"),
        Nuclide("Ge-68", "Germanium-68", Decimal("270.93"), "d"),
        Nuclide("Na-22", "Sodium-22", Decimal("2.6018"), "y"),
        Nuclide("Am-241", "Americium-241", Decimal("432.6"), "y"),
        Nuclide("Sr-90", "Strontium-90", Decimal("28.79"), "y"),
        Nuclide("Co-60", "Cobalt-60", Decimal("5.2714"), "y"),
        Nuclide("Cd-109", "Cadmium-109", Decimal("461.9"), "d"),
        Nuclide("Eu-152", "Europium-152", Decimal("13.517"), "y"),
    )
}


class Radionuclide(models.TextChoices):
    CS137 = "Cs-137", "Cs-137"
    CO57 = "Co-57", "Co-57"
    BA133 = "Ba-133", "Ba-133"
    GE68 = "Ge-68", "Ge-68"
    NA22 = "Na-22", "Na-22"
    AM241 = "Am-241", "Am-241"
    SR90 = "Sr-90", "Sr-90"
    CO60 = "Co-60", "Co-60"
    CD109 = "Cd-109", "Cd-109"
    EU152 = "Eu-152", "Eu-152"


class ActivityUnit(models.TextChoices):
    BQ = "Bq", "Bq"
    KBQ = "kBq", "kBq"
    MBQ = "MBq", "MBq"
    GBQ = "GBq", "GBq"
    CI = "Ci", "Ci"
    MCI = "mCi", "mCi"
    UCI = "uCi", "µCi"
