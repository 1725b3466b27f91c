"""The managers' compliance dashboard (their home page): every figure from
compliance.selectors.dashboard, each number linked to the list behind it with the same filters,
the on-time chart as server-drawn SVG, each table as CSV, and the due-date overview of every
active schedule, paginated and sortable. A bad filter answers 400 with the field's error."""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from compliance.forms.dashboard import dashboard_form
from compliance.selectors.dashboard import (
    AGE_BANDS,
    DUE_SOON_DAYS,
    NO_MODALITY,
    OVERDUE,
    DashboardScope,
    action_failures,
    availability_by_modality,
    compliance_by_modality,
    compliance_by_site,
    dashboard_figures,
    due_date_overview,
    due_soon,
    expiring_identifiers,
    on_time_by_month,
    open_work_orders_by_priority,
    overdue_work,
    training_by_site,
)
from equipment.models import EquipmentStatus
from equipment.scheduling import ScheduleStatus
from equipment.selectors.work_orders import duration_text
from imaging_ops.csv_export import csv_lines
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.charts import Chart, Point, trend_svg
from imaging_ops.web.paginator import KeysFirstPaginator

PAGE_SIZE = 25
SORTS = {
    "next_due": ("next_due", "pk"),
    "-next_due": ("-next_due", "-pk"),
    "equipment": ("equipment__asset_tag", "next_due", "pk"),
    "procedure": ("procedure__code", "next_due", "pk"),
    "overdue_at": ("overdue_at", "pk"),
}


def refuse_non_managers(form) -> None:
    if not form.managed:
        raise PermissionDenied("The compliance dashboard is for the managers of a site.")


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)


@dataclass(frozen=True)
class Links:
    """The lists behind the numbers, filtered as the dashboard is."""

    scope: DashboardScope
    site: object

    def _path(self, name: str) -> str:
        """The list's path, reversed once per page (a hundred links name the same few)."""
        paths = self.__dict__.setdefault("_paths", {})
        if name not in paths:
            paths[name] = reverse(name)
        return paths[name]

    def _base(self, site=None, modality=None):
        site = site if site is not None else (self.site.pk if self.site else None)
        return {"site": site, "modality": modality or self.scope.modality}

    def schedules(self, statuses=(), *, site=None, modality=None, **extra) -> str:
        params = {**self._base(site, modality), "status": list(statuses), **extra}
        return f"{self._path('equipment:schedules')}?{_query(**params)}"

    def equipment(self, status="", *, modality=None) -> str:
        params = {**self._base(None, modality), "status": status}
        return f"{self._path('equipment:list')}?{_query(**params)}"

    def work_orders(self, priority="", age=None) -> str:
        params = {"site": self._base()["site"], "open": "true", "priority": priority, "age": age}
        return f"{self._path('equipment:work_orders')}?{_query(**params)}"

    def failures(self) -> str:
        params = {
            "site": self._base()["site"],
            "outcome": "action",
            "performed_after": self.scope.start.isoformat(),
            "performed_before": self.scope.end.isoformat(),
        }
        return f"{self._path('equipment:records')}?{_query(**params)}"


def _filterable(modality: str) -> str | None:
    """A row's modality as a list filter (none for the equipment without one)."""
    return None if modality == NO_MODALITY else modality


def _share(value) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def on_time_chart(months):
    points = [Point(m.month, m.share * 100) for m in months if m.share is not None]
    chart = Chart(
        title="On-time completion per month",
        unit="%",
        points=points,
        time_text=lambda moment: f"{moment:%b %Y}",
        bounds=(0.0, 100.0),
    )
    return trend_svg(chart, dom_id="on-time-chart")


def _when(schedule, moment) -> str:
    return local_time_text(moment, schedule.site.zone) if moment else "—"


class DashboardView(LoginRequiredMixin, View):
    def get(self, request):
        form = dashboard_form(request.GET, request.user)
        refuse_non_managers(form)
        return dashboard_response(request, form)


def dashboard_response(request, form, *, template="compliance/dashboard.html", extra=None):
    """The dashboard for the filters in `form` (of a person who manages a site), in `template`
    (the manager's home page extends the dashboard), with `extra` context."""
    extra = extra or {}
    if not form.is_valid():
        return render(request, template, {"form": form, **extra}, status=400)
    scope_ = form.scope()
    figures = dashboard_figures(scope_)
    links = Links(scope_, form.cleaned_data.get("site"))
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "next_due"
    paginator = KeysFirstPaginator(due_date_overview(scope_).order_by(*SORTS[sort]), PAGE_SIZE)
    # Every active schedule stands in exactly one status: the compliance counts are its total.
    paginator.count = sum(row.total for row in figures.compliance_by_site)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404("No such page of the due-date overview.") from error
    overdue = [s.value for s in OVERDUE]
    context = {
        "form": form,
        "figures": figures,
        "chart": on_time_chart(figures.on_time_by_month),
        "by_site": [
            (
                row,
                _share(row.share),
                links.schedules(site=row.key),
                links.schedules(overdue, site=row.key),
            )
            for row in figures.compliance_by_site
        ],
        "by_modality": [
            (
                row,
                _share(row.share),
                links.schedules(modality=row.key),
                links.schedules(overdue, modality=row.key),
            )
            for row in figures.compliance_by_modality
        ],
        "months": [(m, _share(m.share)) for m in figures.on_time_by_month],
        "overdue_url": links.schedules(overdue),
        "due_soon_url": links.schedules(due_within_days=DUE_SOON_DAYS),
        "overdue_rows": [(s, _when(s, s.overdue_at)) for s in figures.overdue],
        "due_rows": [(s, _when(s, s.next_due)) for s in figures.due_soon],
        "availability": [
            (
                row,
                _share(row.availability),
                duration_text(row.downtime),
                links.equipment(EquipmentStatus.OUT_OF_SERVICE, modality=_filterable(row.modality)),
                links.equipment(modality=_filterable(row.modality)),
            )
            for row in figures.availability
        ],
        "age_bands": [_band_label(low, high) for low, high in AGE_BANDS],
        "work_orders": [
            (
                row,
                # The list filters by a minimum age only: the oldest band links there exactly.
                [
                    (n, links.work_orders(row.priority, age=low) if high is None else "")
                    for n, (low, high) in zip(row.by_age, AGE_BANDS, strict=True)
                ],
                links.work_orders(row.priority),
            )
            for row in figures.work_orders
        ],
        "work_orders_url": links.work_orders(),
        "mttr": duration_text(figures.repair_time.mean) if figures.repair_time.mean else "—",
        "failures": figures.failures,
        "failures_total": sum(row.failures for row in figures.failures),
        "failures_url": links.failures(),
        "training": [(row, _share(row.share)) for row in figures.training],
        "identifiers": figures.identifiers,
        "page_obj": page,
        "paginator": paginator,
        "is_paginated": paginator.num_pages > 1,
        "overview": [
            (s, ScheduleStatus(s.state).label, _when(s, s.next_due)) for s in page.object_list
        ],
        "sort": sort,
        "sorts": SORTS,
        "filters": _query(
            site=request.GET.get("site"),
            modality=request.GET.get("modality"),
            period_from=request.GET.get("period_from"),
            period_to=request.GET.get("period_to"),
        ),
        "schedules_csv": f"{reverse('equipment:schedule_export')}?"
        f"{_query(site=links._base()['site'], modality=scope_.modality)}",
        "period_end": (scope_.end - timedelta(days=1)).date(),
        **extra,
    }
    return render(request, template, context)


def _band_label(low, high) -> str:
    return f"{low} to {high - 1} days" if high else f"{low}+ days"


# --- CSV ---------------------------------------------------------------------------------------


def _schedule_rows(queryset):
    for s in queryset.iterator(2000):
        yield [
            s.site.code,
            s.equipment.asset_tag,
            s.equipment.modality,
            s.procedure.code,
            ScheduleStatus(s.state).label,
            str(s.assignee or s.get_assignee_role_display() or ""),
            s.next_due.isoformat(),
            s.overdue_at.isoformat(),
        ]


SCHEDULE_HEADER = [
    "site",
    "asset_tag",
    "modality",
    "procedure",
    "status",
    "assignee",
    "next_due",
    "overdue_at",
]


def _percent(value) -> str:
    return "" if value is None else f"{value * 100:.1f}"


TABLES = {
    "compliance-by-site": (
        ["site", "active_schedules", "overdue", "compliant_percent"],
        lambda s: ([r.label, r.total, r.overdue, _percent(r.share)] for r in compliance_by_site(s)),
    ),
    "compliance-by-modality": (
        ["modality", "active_schedules", "overdue", "compliant_percent"],
        lambda s: (
            [r.label, r.total, r.overdue, _percent(r.share)] for r in compliance_by_modality(s)
        ),
    ),
    "on-time": (
        ["month", "completions", "on_time", "on_time_percent"],
        lambda s: (
            [f"{r.month:%Y-%m}", r.total, r.on_time, _percent(r.share)] for r in on_time_by_month(s)
        ),
    ),
    "overdue": (SCHEDULE_HEADER, lambda s: _schedule_rows(overdue_work(s))),
    "due-soon": (SCHEDULE_HEADER, lambda s: _schedule_rows(due_soon(s))),
    "availability": (
        ["modality", "units", "out_of_service", "downtime_hours", "availability_percent"],
        lambda s: (
            [
                r.modality,
                r.units,
                r.out_of_service,
                f"{r.downtime.total_seconds() / 3600:.1f}",
                _percent(r.availability),
            ]
            for r in availability_by_modality(s)
        ),
    ),
    "work-orders": (
        ["priority", *[_band_label(lo, hi) for lo, hi in AGE_BANDS], "open"],
        lambda s: ([r.label, *r.by_age, r.total] for r in open_work_orders_by_priority(s)),
    ),
    "failures": (
        ["modality", "action_level_records"],
        lambda s: ([r.modality, r.failures] for r in action_failures(s)),
    ),
    "training": (
        ["site", "required", "current", "current_percent"],
        lambda s: (
            [r.label, r.required, r.current, _percent(r.share)] for r in training_by_site(s)
        ),
    ),
    "identifiers": (
        ["site", "kind", "number", "issuer", "expires_on"],
        lambda s: (
            [i.site.code, i.get_kind_display(), i.number, i.issuer, i.expires_on.isoformat()]
            for i in expiring_identifiers(s)
        ),
    ),
}


class DashboardExportView(LoginRequiredMixin, View):
    """One of the dashboard's tables as CSV, with the page's filters."""

    def get(self, request, table):
        if table not in TABLES:
            raise Http404("No such table on the dashboard.")
        form = dashboard_form(request.GET, request.user)
        refuse_non_managers(form)
        if not form.is_valid():
            return render(request, "compliance/dashboard.html", {"form": form}, status=400)
        header, rows = TABLES[table]
        response = StreamingHttpResponse(
            csv_lines(header, rows(form.scope())), content_type="text/csv; charset=utf-8"
        )
        stamp = form.now.date().isoformat()
        response["Content-Disposition"] = f'attachment; filename="dashboard-{table}-{stamp}.csv"'
        return response
