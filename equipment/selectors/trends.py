"""Trends of schedules' numeric checks: the values of a period, and each check's chart with its
tolerance and action bands shaded, reference changes marked and failed values highlighted.

The values of every numeric check of every schedule asked for come in one query (the latest
`limit` of each check within `days`), however many schedules and records there are; the chart
itself is drawn by imaging_ops.web.charts.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from django.db.models import F

from equipment.limits import LOW_LIMITS, Band, BandMode, Outcome, resolve
from equipment.models import Check, CheckKind, Measurement, Schedule
from equipment.models.records import worst
from equipment.selectors.records import ranked_per_check
from equipment.services.procedures import check_band
from imaging_ops.web.charts import Chart, Marker, Point, Zone, trend_svg

DEFAULT_DAYS = 90
DEFAULT_VALUES = 60
ZONE_COLOURS = {Outcome.PASS: "#e8f5ee", Outcome.TOLERANCE: "#fff3cd", Outcome.ACTION: "#f8d7da"}


@dataclass(frozen=True, slots=True)
class TrendValue:
    """One value of a trend, read as plain columns: a year of daily QC on the equipment page
    is hundreds of them, and loading each as regulated model rows cost more than the page."""

    performed_at: datetime
    value_number: Decimal
    value_text: str
    result: str
    reference: Decimal | None


@dataclass(frozen=True)
class Trend:
    """One numeric check of one schedule over the period: its values, oldest first."""

    schedule: Schedule
    check: Check
    measurements: list[TrendValue]
    chart: Chart

    @property
    def dom_id(self) -> str:
        return f"trend-{self.schedule.pk}-{self.check.key}"

    @property
    def svg(self):
        return trend_svg(self.chart, dom_id=self.dom_id)

    @property
    def table_rows(self) -> list[tuple[str, str, str]]:
        """The values as the table under the chart lists them, newest first: when (the site's
        local time), the value as entered, the result. Built here, not in the template: a
        year of daily QC is hundreds of rows on the equipment page."""
        zone = self.schedule.equipment.site.zone
        labels = dict(Outcome.choices)
        return [
            (
                m.performed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                m.value_text,
                labels.get(m.result, m.result),
            )
            for m in reversed(self.measurements)
        ]


def trend_measurements(
    schedules, *, since: datetime, limit: int = DEFAULT_VALUES, until: datetime | None = None
):
    """The numeric values since `since` (and before `until`, when given) on the current
    versions of the schedules' records not voided, the latest `limit` of each check, by
    (schedule id, check key), oldest first."""
    measurements = Measurement.objects.filter(
        version__record__schedule__in=schedules,
        version__record__current_version=F("version"),
        version__record__voided_at__isnull=True,
        version__performed_at__gte=since,
        value_number__isnull=False,
    )
    if until is not None:
        measurements = measurements.filter(version__performed_at__lt=until)
    rows = (
        ranked_per_check(
            measurements, partition=("version__record__schedule_id", "procedure_check__key")
        )
        .filter(rank__lte=limit)
        .order_by("version__performed_at", "pk")
        .values_list(
            "version__record__schedule_id",
            "procedure_check__key",
            "version__performed_at",
            "value_number",
            "value_text",
            "result",
            "reference",
        )
    )
    series: dict[tuple[int, str], list[TrendValue]] = {}
    for schedule_id, key, *value in rows:
        series.setdefault((schedule_id, key), []).append(TrendValue(*value))
    return series


def zone_outcomes(band: Band) -> list[tuple[float | None, float | None, str]]:
    """The band as (low, high, outcome) zones over the whole line, for absolute limits: below a
    low limit and above a high one a value scores that limit's outcome, the worst one wins."""
    limits = band.limits()
    values = sorted({float(limit.value) for limit in limits.values()})
    edges = [None, *values, None]
    zones = []
    for low, high in pairwise(edges):
        outcomes = []
        for name, limit in limits.items():
            kind = Outcome.ACTION if name.startswith("action") else Outcome.TOLERANCE
            below = name in LOW_LIMITS
            if below and high is not None and float(limit.value) >= high:
                outcomes.append(kind)
            if not below and low is not None and float(limit.value) <= low:
                outcomes.append(kind)
        zones.append((low, high, worst(outcomes)))
    return zones


def _segments(measurements: list[TrendValue]):
    """Runs of consecutive values judged on the same reference."""
    runs: list[list[TrendValue]] = []
    for measurement in measurements:
        if runs and runs[-1][-1].reference == measurement.reference:
            runs[-1].append(measurement)
        else:
            runs.append([measurement])
    return runs


def _number(value) -> str:
    return format(value.normalize(), "f")


def trend_chart(schedule: Schedule, check: Check, measurements: list[TrendValue]) -> Chart:
    """The check's chart: the band of the current procedure version shaded on the reference
    each value was judged on, a marker where that reference changed."""
    site = schedule.equipment.site
    band = check_band(check)
    zones, markers = [], []
    runs = _segments(measurements) if band.mode == BandMode.PERCENT else [measurements]
    for index, run in enumerate(runs):
        start = run[0].performed_at if index else None
        end = runs[index + 1][0].performed_at if index + 1 < len(runs) else None
        if index and run[0].reference is not None:
            before = runs[index - 1][-1].reference
            was = "none" if before is None else _number(before)
            markers.append(Marker(start, f"Reference {was} → {_number(run[0].reference)}"))
        try:
            absolute = resolve(band, run[0].reference if run else None)
        except ValueError:
            continue
        for low, high, outcome in zone_outcomes(absolute) if not absolute.is_empty else []:
            label = Outcome(outcome).label
            zones.append(Zone(low, high, ZONE_COLOURS[outcome], label, start, end))
    points = [
        Point(
            at=m.performed_at,
            value=float(m.value_number),
            failed=m.result != Outcome.PASS,
            note="" if m.result == Outcome.PASS else Outcome(m.result).label.lower(),
        )
        for m in measurements
    ]
    return Chart(
        title=check.name,
        unit=check.unit,
        points=points,
        zones=zones,
        markers=markers,
        time_text=lambda moment: f"{site.local(moment):%Y-%m-%d}",
    )


def trends(
    schedules,
    *,
    now: datetime,
    days: int = DEFAULT_DAYS,
    limit: int = DEFAULT_VALUES,
    period: tuple[datetime, datetime] | None = None,
) -> list[Trend]:
    """Each numeric check of each schedule (loaded with its equipment's site and procedure's
    current version) with its values of the last `days`, or of `period` (start included, end
    not) when given: three queries in all."""
    schedules = list(schedules)
    if not schedules:
        return []
    versions = {s.procedure.current_version_id for s in schedules}
    checks = list(
        Check.objects.filter(version__in=versions, kind=CheckKind.NUMERIC).order_by(
            "version", "position"
        )
    )
    since, until = period if period else (now - timedelta(days=days), None)
    series = trend_measurements(schedules, since=since, until=until, limit=limit)
    made = []
    for schedule in schedules:
        for check in checks:
            if check.version_id != schedule.procedure.current_version_id:
                continue
            values = series.get((schedule.pk, check.key), [])
            made.append(Trend(schedule, check, values, trend_chart(schedule, check, values)))
    return made
