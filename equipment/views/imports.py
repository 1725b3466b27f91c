"""Pages for the equipment CSV: export the filtered list, and upload a file to import."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from equipment.documents import csv_import, csv_io
from equipment.filters import EquipmentFilter
from equipment.models import Equipment
from imaging_ops.access.permissions import Action, can
from imaging_ops.access.scoping import scope
from imaging_ops.models import Site


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
        if not user.is_superuser and not any(
            can(user, Action.ADOPT_IN_SERVICE, site) for site in scope(Site.objects.all(), user)
        ):
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
