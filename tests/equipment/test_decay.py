"""A sealed source's activity today, by decay from its certificate, against published numbers.

The half-lives are written out again here from the NNDC's NuDat 3 (the source the shipped table
cites), so a wrong entry in equipment/radionuclides.py fails these tests.
"""

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from equipment import decay
from equipment.models import Category
from equipment.radionuclides import NUCLIDES, Radionuclide
from tests import factories

DAYS_PER_YEAR = 365.2422
# Published half-lives (NNDC NuDat 3), in days.
PUBLISHED_HALF_LIFE_DAYS = {
    "Cs-137": 30.08 * DAYS_PER_YEAR,
    "Co-57": 271.74,
    "Ba-133": 10.551 * DAYS_PER_YEAR,
    "Ge-68": 270.93,
    "Na-22": 2.6018 * DAYS_PER_YEAR,
    "Am-241": 432.6 * DAYS_PER_YEAR,
    "Sr-90": 28.79 * DAYS_PER_YEAR,
    "Co-60": 5.2714 * DAYS_PER_YEAR,
    "Cd-109": 461.9,
    "Eu-152": 13.517 * DAYS_PER_YEAR,
}


def expected_fraction(nuclide: str, days: float) -> float:
    return math.exp(-math.log(2) * days / PUBLISHED_HALF_LIFE_DAYS[nuclide])


def activity(nuclide, value, unit, reference_date, on) -> Decimal:
    return decay.activity_on(
        radionuclide=nuclide,
        reference_activity=Decimal(value),
        activity_unit=unit,
        reference_date=reference_date,
        on=on,
    )


# --- the shipped table ----------------------------------------------------------------------


def test_the_table_holds_the_sources_the_issue_names():
    assert {"Cs-137", "Co-57", "Ba-133", "Ge-68", "Na-22", "Am-241", "Sr-90"} <= set(NUCLIDES)
    assert set(NUCLIDES) == set(Radionuclide.values)


@pytest.mark.parametrize("nuclide", sorted(PUBLISHED_HALF_LIFE_DAYS))
def test_each_half_life_is_the_published_one(nuclide):
    assert float(NUCLIDES[nuclide].half_life_days) == pytest.approx(
        PUBLISHED_HALF_LIFE_DAYS[nuclide], rel=1e-12
    )


# --- decay ----------------------------------------------------------------------------------


@pytest.mark.parametrize("nuclide", sorted(NUCLIDES))
def test_after_exactly_one_half_life_the_activity_halves(nuclide):
    one_half_life = NUCLIDES[nuclide].half_life_days

    assert decay.decay_factor(nuclide, one_half_life) == Decimal("0.5")
    assert decay.decay_factor(nuclide, 2 * one_half_life) == Decimal("0.25")


def test_nothing_has_decayed_on_the_reference_date():
    on = date(2025, 6, 1)

    assert activity("Cs-137", "200", "uCi", on, on) == Decimal("7400000")


def test_a_cs_137_source_keeps_79_percent_after_10_years():
    """10 years of Cs-137 (T½ 30.08 y): 2^(-10/30.08) = 0.79419 of the activity is left."""
    ten_years = Decimal("3652.422")  # days, at 365.2422 days a year

    left = decay.decay_factor("Cs-137", ten_years)

    assert float(left) == pytest.approx(2 ** (-10 / 30.08), rel=1e-12)
    assert round(left, 5) == Decimal("0.79419")


def test_a_200_uci_cs_137_vial_certified_ten_years_ago_reads_5_88_mbq():
    reference, today = date(2016, 3, 1), date(2026, 3, 1)  # 3,652 days

    now = activity("Cs-137", "200", "uCi", reference, today)

    assert float(now) == pytest.approx(200 * 37_000 * expected_fraction("Cs-137", 3652), rel=1e-12)
    assert decay.format_activity(now) == "5.88 MBq (158.8 µCi)"


def test_a_co_57_flood_source_halves_after_271_74_days():
    assert decay.decay_factor("Co-57", Decimal("271.74")) == Decimal("0.5")


def test_a_10_mci_co_57_flood_source_after_271_days_reads_5_01_mci():
    now = activity("Co-57", "10", "mCi", date(2025, 6, 1), date(2026, 2, 27))  # 271 days

    assert float(now) == pytest.approx(10 * 3.7e7 * expected_fraction("Co-57", 271), rel=1e-12)
    assert decay.format_activity(now) == "185.3 MBq (5.01 mCi)"


def test_a_ge_68_phantom_after_a_year_keeps_39_percent():
    """A 50 MBq Ge-68 PET phantom (T½ 270.93 d), one year (365 days) after its certificate."""
    now = activity("Ge-68", "50", "MBq", date(2025, 1, 15), date(2026, 1, 15))

    assert float(now) == pytest.approx(50e6 * expected_fraction("Ge-68", 365), rel=1e-12)
    assert decay.format_activity(now) == "19.7 MBq (531.2 µCi)"
    assert decay.decay_factor("Ge-68", Decimal("541.86")) == Decimal("0.25")


# --- units ----------------------------------------------------------------------------------


def test_one_curie_is_exactly_3_7e10_becquerel():
    assert decay.to_becquerel(Decimal(1), "Ci") == Decimal("37000000000")
    assert decay.to_becquerel(Decimal(1), "mCi") == Decimal("37000000")
    assert decay.to_becquerel(Decimal(1), "uCi") == Decimal("37000")
    assert decay.to_curie(Decimal("37000000000")) == Decimal(1)


@pytest.mark.parametrize(
    ("value", "unit", "becquerel"),
    [("1", "Bq", "1"), ("1", "kBq", "1000"), ("1", "MBq", "1000000"), ("1", "GBq", "1E9")],
)
def test_the_becquerel_family_scales_by_a_thousand(value, unit, becquerel):
    assert decay.to_becquerel(Decimal(value), unit) == Decimal(becquerel)


@pytest.mark.parametrize(
    ("becquerel", "shown"),
    [
        ("7.21E6", "7.21 MBq (194.9 µCi)"),
        ("3.7E10", "37.0 GBq (1.00 Ci)"),
        ("37000", "37.0 kBq (1.00 µCi)"),
        ("185", "185.0 Bq (5.00 nCi)"),
        ("999960", "1.00 MBq (27.0 µCi)"),  # rounds up into the next prefix
        ("7.4E11", "740.0 GBq (20.0 Ci)"),
        ("0", "0 Bq (0 Ci)"),
    ],
)
def test_an_activity_is_shown_in_both_unit_systems(becquerel, shown):
    assert decay.format_activity(Decimal(becquerel)) == shown


# --- one source, as of the site's today -----------------------------------------------------


@pytest.mark.django_db
def test_today_is_the_sites_today_in_its_time_zone(site_a):
    """03:00 UTC on 1 March is still 28 February in New York: the source decays to that day."""
    tokyo = factories.SiteFactory(code="TOKYO", time_zone="Asia/Tokyo")
    source = factories.EquipmentFactory.build(
        site=site_a,
        category=Category.SEALED_SOURCE,
        radionuclide="Ge-68",
        reference_activity=Decimal("50.000000"),
        activity_unit="MBq",
        reference_date=date(2025, 3, 1),
    )

    with time_machine.travel(datetime(2026, 3, 1, 3, 0, tzinfo=UTC), tick=False):
        assert site_a.today(timezone.now()) == date(2026, 2, 28)
        assert tokyo.today(timezone.now()) == date(2026, 3, 1)
        shown = decay.source_activity(source)

    assert shown.on == date(2026, 2, 28)
    assert shown.reference == "50 MBq (1.35 mCi)"
    assert shown.half_life == "270.93 days"
    assert shown.becquerel == activity("Ge-68", "50", "MBq", date(2025, 3, 1), date(2026, 2, 28))


@pytest.mark.django_db
def test_equipment_without_a_complete_reference_has_no_current_activity(site_a):
    ct = factories.EquipmentFactory.build(site=site_a)
    unfinished = factories.EquipmentFactory.build(
        site=site_a, category=Category.SEALED_SOURCE, radionuclide="Cs-137"
    )

    assert decay.source_activity(ct) is None
    assert decay.source_activity(unfinished) is None
