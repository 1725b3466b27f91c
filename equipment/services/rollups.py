"""Keeping the monthly completion figures (`CompletionMonth`) true.

A month's figure is computed again from the records whenever a record that counts, or counted,
changes (`refresh_for_record`, called by the record service as it settles a record), and for
every month of a machine whose primary modality changes (`refresh_for_equipment`). Each
refresh locks its rows first, so two signatures in the same month wait for each other and
the second counts the first. `rebuild_completion_months` makes the whole table again.
"""

from datetime import UTC, date, datetime

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from equipment.models import CompletionMonth, Equipment, ServiceRecord
from equipment.scheduling import ON_TIME


def month_of(moment: datetime) -> date:
    """The first day of the UTC calendar month holding `moment`."""
    moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def counted_completions():
    """The records the figures count: scheduled, signed as they must be, not voided."""
    return ServiceRecord.objects.filter(counts=True, schedule__isnull=False)


def _figures(records) -> list[dict]:
    return list(
        records.annotate(month=TruncMonth("performed_at", tzinfo=UTC))
        .order_by()
        .values("equipment__site_id", "equipment__modality", "month")
        .annotate(
            total=Count("pk"),
            on_time=Count("pk", filter=Q(current_version__timeliness__in=ON_TIME)),
        )
    )


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def refresh_months(site_id: int, modality: str, months) -> None:
    """Compute the figures of `months` (first days) at the site for the modality again."""
    months = sorted(set(months))
    if not months:
        return
    with transaction.atomic():
        CompletionMonth.objects.bulk_create(
            [CompletionMonth(site_id=site_id, modality=modality, month=m) for m in months],
            ignore_conflicts=True,
        )
        rows = list(
            CompletionMonth.objects.select_for_update()
            .filter(site_id=site_id, modality=modality, month__in=months)
            .order_by("month")
        )
        start = datetime.combine(months[0], datetime.min.time(), tzinfo=UTC)
        end = datetime.combine(_next_month(months[-1]), datetime.min.time(), tzinfo=UTC)
        found = {
            _as_date(f["month"]): f
            for f in _figures(
                counted_completions().filter(
                    equipment__site_id=site_id,
                    equipment__modality=modality,
                    performed_at__gte=start,
                    performed_at__lt=end,
                )
            )
        }
        for row in rows:
            figure = found.get(row.month, {})
            total, on_time = figure.get("total", 0), figure.get("on_time", 0)
            if (row.total, row.on_time) != (total, on_time):
                row.total, row.on_time = total, on_time
                row.save(update_fields=["total", "on_time"])


def refresh_for_record(record: ServiceRecord, *, was_counted: bool, was_performed_at) -> None:
    """After `record` settled: the months it counted in before and counts in now."""
    if record.schedule_id is None or not (was_counted or record.counts):
        return
    months = set()
    if was_counted and was_performed_at is not None:
        months.add(month_of(was_performed_at))
    if record.counts:
        months.add(month_of(record.performed_at))
    equipment = Equipment.objects.only("site_id", "modality").get(pk=record.equipment_id)
    refresh_months(equipment.site_id, equipment.modality, months)


def refresh_for_equipment(equipment: Equipment, *, old_modality: str) -> None:
    """A machine's primary modality changed: its months under the old and the new modality."""
    if old_modality == equipment.modality:
        return
    months = {
        _as_date(m)
        for m in counted_completions()
        .filter(equipment=equipment)
        .annotate(month=TruncMonth("performed_at", tzinfo=UTC))
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    }
    for modality in sorted({old_modality, equipment.modality}):
        refresh_months(equipment.site_id, modality, months)


def rebuild_completion_months() -> int:
    """The whole table again from the records, in one transaction; the number of rows."""
    with transaction.atomic():
        CompletionMonth.objects.all().delete()
        rows = [
            CompletionMonth(
                site_id=f["equipment__site_id"],
                modality=f["equipment__modality"],
                month=_as_date(f["month"]),
                total=f["total"],
                on_time=f["on_time"],
            )
            for f in _figures(counted_completions())
        ]
        CompletionMonth.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
