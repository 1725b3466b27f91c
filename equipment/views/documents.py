"""Pages for the documents and files equipment is read from and written to: the CSV export and
import, QR labels, and the stable address a label opens.

Printing writes nothing, so anyone who may view the equipment may print its label; scoping
keeps every label and every exported row to the person's own sites.
"""

import re
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views import View

from equipment.documents import csv_import, csv_io
from equipment.documents.labels import DEFAULT_STOCK, STOCKS, build_label_pdf, label_content
from equipment.filters import EquipmentFilter, filter_params
from equipment.models import Equipment
from imaging_ops.access.permissions import Action, sites_where
from imaging_ops.access.scoping import scope

# One print run; a larger selection is narrowed with the list's filters.
MAX_LABELS = 300
# An id as the list sends it: a positive whole number the database can hold.
EQUIPMENT_ID = re.compile(r"[1-9][0-9]{0,17}")
TEMPLATE = "equipment/labels.html"


def equipment_by_tag(request, site_code: str, asset_tag: str):
    """The address on a QR label: to the equipment page, through the login page if need be.

    Site code and tag match whatever their case. A tag unknown, or at a site the person holds
    no role at, answers the same 404, so a label tells a stranger nothing.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    equipment = (
        scope(Equipment.objects.only("pk"), request.user)
        .filter(site__code__iexact=site_code, asset_tag__iexact=asset_tag)
        .first()
    )
    if equipment is None:
        raise Http404("No equipment with this tag at your sites.")
    return redirect("equipment:detail", pk=equipment.pk)


class LabelForm(forms.Form):
    sheet = forms.ChoiceField(
        label="Label stock",
        choices=[(stock.code, stock.title) for stock in STOCKS.values()],
        initial=DEFAULT_STOCK,
    )
    start = forms.IntegerField(
        label="Start at label",
        min_value=1,
        initial=1,
        help_text="On a partly used sheet, the first free label: 1 is the top left, counting "
        "left to right, then down.",
    )

    def clean(self):
        cleaned = super().clean()
        stock = STOCKS.get(cleaned.get("sheet"))
        start = cleaned.get("start")
        if stock is None or start is None or start <= stock.per_page:
            return cleaned
        if stock.is_sheet:
            self.add_error(
                "start",
                f"A sheet of {stock.name} holds {stock.per_page} labels: "
                f"choose a position from 1 to {stock.per_page}.",
            )
        else:
            self.add_error("start", "Single labels print one to a page: start at 1.")
        return cleaned


class ChosenEquipmentForm(forms.Form):
    """The ids of the equipment ticked in the list, each an `id` in the query."""

    id = forms.Field(label="Chosen equipment", required=False)

    def __init__(self, query):
        super().__init__({"id": query.getlist("id")})

    def clean_id(self) -> list[int]:
        values = self.cleaned_data["id"] or []
        if len(values) > MAX_LABELS:
            raise forms.ValidationError(
                f"{len(values)} pieces of equipment were chosen; at most {MAX_LABELS} labels "
                "print at once."
            )
        bad = [value for value in values if not EQUIPMENT_ID.fullmatch(value)]
        if bad:
            raise forms.ValidationError(f"“{bad[0][:20]}” is not an equipment id.")
        return sorted({int(value) for value in values})


def _labels_response(request, queryset, context):
    """The form for a selection; once the form is sent (`sheet` in the query), the PDF."""
    form = LabelForm(request.GET if "sheet" in request.GET else None)
    context["form"] = form
    if not form.is_bound:
        # Filters or ids that cannot be read are bad input, with or without the label form.
        bad_input = context.get("problem") in ("filters", "chosen")
        return render(request, TEMPLATE, context, status=400 if bad_input else 200)
    if context.get("problem") or not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    pdf = build_label_pdf(
        [label_content(item) for item in queryset],
        stock=STOCKS[form.cleaned_data["sheet"]],
        start=form.cleaned_data["start"],
        title=context["title"],
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{context["filename"]}"'
    return response


class ListLabelsView(LoginRequiredMixin, View):
    """Labels for the equipment the list shows with its current filters, or for the equipment
    chosen in it (`chosen=1` and an `id` for each, within those filters), up to MAX_LABELS.

    Ids outside the person's sites are left out, as rows they cannot see; an id that is not a
    number is a field error.
    """

    def get(self, request):
        queryset = scope(Equipment.objects.select_related("site"), request.user)
        filterset = EquipmentFilter(request.GET, queryset=queryset, request=request)
        kept = filter_params(request.GET, filterset)
        context = {
            "title": "Equipment labels",
            "filename": "equipment-labels.pdf",
            "filter_params": kept,
            "back_url": _with_query(reverse("equipment:list"), kept),
        }
        if filterset.errors:
            context["filter_errors"] = filterset.errors
            context["problem"] = "filters"
            return _labels_response(request, queryset.none(), context)
        selected = filterset.qs.order_by("site__code", "asset_tag")
        # The list's "Print labels for the chosen" sends `chosen`, so ticking nothing is said,
        # not taken to mean the whole list.
        if "chosen" in request.GET or "id" in request.GET:
            selected = _only_the_chosen(request.GET, selected, context)
            if selected is None:
                return _labels_response(request, queryset.none(), context)
            count = len(context["chosen_ids"])
        else:
            count = selected.count()
        context["count"] = count
        context["max_labels"] = MAX_LABELS
        if count == 0:
            context["problem"] = "empty"
        elif count > MAX_LABELS:
            context["problem"] = "too_many"
        return _labels_response(request, selected, context)


def _only_the_chosen(query, selected, context: dict):
    """`selected` narrowed to the ids chosen in the list that it holds (so never another
    site's), their ids in `context["chosen_ids"]` in the list's order; None, with the problem in
    `context`, when the ids cannot be read or none was chosen."""
    context["chosen"] = True
    form = ChosenEquipmentForm(query)
    if not form.is_valid():
        context.update(chosen_errors=form.errors["id"], problem="chosen")
        return None
    if not form.cleaned_data["id"]:
        context["problem"] = "none_chosen"
        return None
    ids = list(selected.filter(pk__in=form.cleaned_data["id"]).values_list("pk", flat=True))
    context["chosen_ids"] = ids
    return selected.filter(pk__in=ids)


class EquipmentLabelView(LoginRequiredMixin, View):
    """The label of one piece of equipment, from its page."""

    def get(self, request, pk):
        queryset = scope(Equipment.objects.select_related("site"), request.user)
        equipment = get_object_or_404(queryset, pk=pk)
        context = {
            "equipment": equipment,
            "title": f"Label {equipment.asset_tag}",
            "filename": f"label-{slugify(f'{equipment.site.code} {equipment.asset_tag}')}.pdf",
            "count": 1,
            "back_url": reverse("equipment:detail", args=[equipment.pk]),
        }
        return _labels_response(request, [equipment], context)


def _with_query(url: str, params: list[tuple[str, str]]) -> str:
    return f"{url}?{urlencode(params)}" if params else url


@login_required
def equipment_export(request):
    """The equipment list as CSV, with the list page's filters."""
    queryset = scope(Equipment.objects.order_by("site__code", "asset_tag"), request.user)
    equipment_filter = EquipmentFilter(request.GET, queryset=queryset, request=request)
    if not equipment_filter.is_valid():
        messages.error(request, "Correct the filters before exporting.")
        return redirect(f"{reverse('equipment:list')}?{urlencode(request.GET)}")
    return csv_io.export_response(equipment_filter.qs, filters=request.GET)


class EquipmentImportView(LoginRequiredMixin, View):
    """GET: the upload form. POST: import the file and show the report, line by line."""

    template_name = "equipment/import.html"
    report_template_name = "equipment/import_report.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not csv_io.may_import(request.user):
            raise PermissionDenied("You are not allowed to add or edit equipment at any site.")
        return super().dispatch(request, *args, **kwargs)

    def _form(self, *args, **kwargs):
        form = csv_io.ImportForm(*args, **kwargs)
        user = self.request.user
        if not sites_where(user, Action.ADOPT_IN_SERVICE):
            del form.fields["adopt_in_service"]
            del form.fields["adoption_reason"]
        return form

    def _render(self, form, status=200):
        context = {"form": form, "columns": csv_io.COLUMNS, "max_rows": csv_io.MAX_ROWS}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(self._form(initial={"dry_run": True}))

    def post(self, request):
        form = self._form(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            report = csv_import.import_equipment(actor=request.user, **form.options())
        except csv_io.FileError as exc:
            for message in exc.messages:
                form.add_error("file", message)
            return self._render(form, status=400)
        context = {"report": report, "errors": report.as_dict()["errors"]}
        return render(request, self.report_template_name, context)
