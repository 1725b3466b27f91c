"""The site schedule list: every schedule at your sites with where it stands now, filtered
(status, site, modality, kind, assignee, due within N days), sorted, paginated, and exported
as CSV with the same filters. Status is read from the stored timeline in SQL, so the page runs
the same queries for ten schedules or for thousands."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import ListView

from equipment.filters import ScheduleFilter, filter_params
from equipment.models import Schedule
from equipment.scheduling import ScheduleStatus
from equipment.selectors.schedules import scheduled
from imaging_ops.csv_export import csv_lines
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.vocabulary import Role
from imaging_ops.web.paginator import KeysFirstPaginator

PAGE_SIZE = 50
SORTS = {
    "next_due": ("next_due", "pk"),
    "overdue_at": ("overdue_at", "pk"),
    "equipment": ("equipment__asset_tag", "next_due", "pk"),
    "-next_due": ("-next_due", "-pk"),
}
CSV_HEADER = [
    "site",
    "asset_tag",
    "equipment",
    "procedure_code",
    "procedure",
    "kind",
    "assignee",
    "status",
    "last_done",
    "next_due",
    "overdue_at",
    "hard_limit_at",
]


@dataclass(frozen=True)
class Row:
    schedule: Schedule
    status: str
    status_label: str
    assignee: str
    last_done: str
    next_due: str
    overdue_at: str
    hard_limit_at: str


def _local(moment, site) -> str:
    return "" if moment is None else local_time_text(moment, site.zone)


def row_of(schedule: Schedule) -> Row:
    """A schedule as the list and the CSV show it: times in its site's own zone."""
    site = schedule.equipment.site
    if schedule.assignee_id:
        assignee = schedule.assignee.display_name
    elif schedule.assignee_role:
        assignee = f"Any {Role(schedule.assignee_role).label.lower()}"
    else:
        assignee = ""
    return Row(
        schedule=schedule,
        status=schedule.state,
        status_label=ScheduleStatus(schedule.state).label,
        assignee=assignee,
        last_done=_local(schedule.last_done, site),
        next_due=_local(schedule.next_due, site),
        overdue_at=_local(schedule.overdue_at, site),
        hard_limit_at=_local(schedule.hard_limit_at, site),
    )


def _filtered(request, now):
    schedule_filter = ScheduleFilter(
        request.GET, queryset=scheduled(request.user, now=now), request=request, now=now
    )
    return schedule_filter


class ScheduleListView(LoginRequiredMixin, ListView):
    template_name = "equipment/schedule_list.html"
    context_object_name = "schedules"
    paginate_by = PAGE_SIZE
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        self.now = timezone.now()
        self.filterset = _filtered(self.request, self.now)
        self.sort = self.request.GET.get("sort") if self.request.GET.get("sort") in SORTS else ""
        queryset = self.filterset.qs if self.filterset.is_valid() else Schedule.objects.none()
        return queryset.order_by(*SORTS[self.sort or "next_due"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [row_of(s) for s in context["page_obj"].object_list]
        context["filter"] = self.filterset
        context["filter_params"] = filter_params(self.request.GET, self.filterset)
        context["sort"] = self.sort
        context["status_counts"] = self.status_counts
        return context

    def get_paginator(self, queryset, per_page, **kwargs):
        """Every schedule stands in exactly one status, so the grouped counts the bar shows
        also give the paginator its total: one query over the filtered schedules, not two."""
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        self.status_counts = self._counts()
        paginator.count = sum(n for _, _, n in self.status_counts)
        return paginator

    def _counts(self) -> list[tuple[str, str, int]]:
        """How many of the filtered schedules stand in each status (one grouped query)."""
        if not self.filterset.is_valid():
            return []
        found = dict(self.filterset.qs.order_by().values_list("state").annotate(n=Count("pk")))
        return [(s.value, s.label, found.get(s.value, 0)) for s in ScheduleStatus]


@login_required
def schedule_export(request):
    """The schedule list as CSV, with the list page's filters and order."""
    now = timezone.now()
    schedule_filter = _filtered(request, now)
    if not schedule_filter.is_valid():
        messages.error(request, "Correct the filters before exporting.")
        return redirect(f"{reverse('equipment:schedules')}?{urlencode(request.GET, doseq=True)}")
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "next_due"
    rows = (row_of(s) for s in schedule_filter.qs.order_by(*SORTS[sort]).iterator(2000))
    lines = csv_lines(
        CSV_HEADER,
        (
            [
                r.schedule.equipment.site.code,
                r.schedule.equipment.asset_tag,
                r.schedule.equipment.name,
                r.schedule.procedure.code,
                r.schedule.procedure.current_version.name,
                r.schedule.procedure.get_kind_display(),
                r.assignee,
                r.status_label,
                r.last_done,
                r.next_due,
                r.overdue_at,
                r.hard_limit_at,
            ]
            for r in rows
        ),
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate(now).isoformat()
    response["Content-Disposition"] = f'attachment; filename="schedules-{stamp}.csv"'
    return response
