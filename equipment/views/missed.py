"""The missed-days page: every clinical day a daily schedule at your sites got no record,
filtered (site, equipment, procedure, annotated or not, period, your own work), paginated,
exported as CSV with the same filters, and annotated, one day or several ticked, with one reason.

Annotating goes through equipment.services.missed, which says who may annotate a day; the page
offers the tick box only where the same rule allows it."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from equipment.filters import MissedOccurrenceFilter, filter_params
from equipment.forms.missed import MissedAnnotationForm
from equipment.models import MissedOccurrence
from equipment.selectors.missed import missed_list
from equipment.services.missed import annotate_missed, may_annotate
from imaging_ops.access.permissions import Action, sites_where
from imaging_ops.csv_export import csv_lines
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.base import ServiceFormView
from imaging_ops.web.paginator import KeysFirstPaginator

PAGE_SIZE = 50
CSV_HEADER = [
    "site",
    "asset_tag",
    "equipment",
    "procedure_code",
    "procedure",
    "day",
    "annotation",
    "annotated_by",
    "annotated_at",
]


@dataclass(frozen=True)
class Row:
    missed: MissedOccurrence
    annotated_at: str
    may_annotate: bool


def row_of(missed: MissedOccurrence, user) -> Row:
    """A missed day as the page and the CSV show it: times in its site's own zone."""
    site = missed.schedule.equipment.site
    return Row(
        missed=missed,
        annotated_at=(
            local_time_text(missed.annotated_at, site.zone) if missed.annotated_at else ""
        ),
        may_annotate=may_annotate(user, missed.schedule),
    )


def _filtered(request) -> MissedOccurrenceFilter:
    return MissedOccurrenceFilter(request.GET, queryset=missed_list(request.user), request=request)


class MissedListView(ServiceFormView):
    """The list, and the form that annotates the days ticked in it (POST to the same address,
    the filters kept in its query string)."""

    form_class = MissedAnnotationForm
    template_name = "equipment/missed_list.html"

    def check_permission(self):
        # Anyone at the sites may read the list; annotating is for those who record work.
        if self.request.method == "POST" and not sites_where(
            self.request.user, Action.PERFORM_RECORDS
        ):
            raise PermissionDenied("You are not allowed to annotate missed days at your sites.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def call_service(self, form):
        return annotate_missed(
            actor=self.request.user,
            occurrences=form.cleaned_data["occurrences"],
            annotation=form.cleaned_data["annotation"],
            now=timezone.now(),
        )

    def get_success_message(self, changed):
        if not changed:
            return "Those days already had that reason."
        return f"Annotated {changed} missed day{'s' if changed != 1 else ''}."

    def get_success_url(self, result):
        return self.request.get_full_path()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        missed_filter = _filtered(self.request)
        valid = missed_filter.is_valid()
        queryset = missed_filter.qs if valid else MissedOccurrence.objects.none()
        paginator = KeysFirstPaginator(queryset, PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        user = self.request.user
        rows = [row_of(missed, user) for missed in page.object_list]
        form = context["form"]
        context.update(
            filter=missed_filter,
            filter_params=filter_params(self.request.GET, missed_filter),
            paginator=paginator,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            rows=rows,
            may_annotate_any=any(row.may_annotate for row in rows),
            ticked=form.ticked(),
            csv_url=f"{reverse('equipment:missed_export')}?{self.request.GET.urlencode()}",
        )
        return context


@login_required
def missed_export(request):
    """The missed-days list as CSV, with the page's filters and order."""
    missed_filter = _filtered(request)
    if not missed_filter.is_valid():
        messages.error(request, "Correct the filters before exporting.")
        query = urlencode(request.GET, doseq=True)
        return redirect(f"{reverse('equipment:missed_list')}?{query}")

    def lines():
        for missed in missed_filter.qs.iterator(2000):
            schedule, site = missed.schedule, missed.schedule.equipment.site
            yield [
                site.code,
                schedule.equipment.asset_tag,
                schedule.equipment.name,
                schedule.procedure.code,
                schedule.procedure.current_version.name,
                missed.day.isoformat(),
                missed.annotation,
                missed.annotated_by.display_name if missed.annotated_by else "",
                local_time_text(missed.annotated_at, site.zone) if missed.annotated_at else "",
            ]

    response = StreamingHttpResponse(
        csv_lines(CSV_HEADER, lines()), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="missed-days-{stamp}.csv"'
    return response
