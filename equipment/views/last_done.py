"""The page that imports "last done" dates from CSV (equipment/documents/last_done_import.py):
the upload form with its template file, and the report of every row afterwards.

Like the equipment import: the person needs the right to edit schedules somewhere (403
otherwise), each row is then judged at its own site, and by default nothing is saved unless
every row is valid.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from equipment.documents import csv_io
from equipment.documents import last_done_import as importer
from imaging_ops.access.permissions import Action, sites_where


def may_import_last_done(user) -> bool:
    """Setting a schedule's last done is editing schedules: refused to people who may do that
    nowhere."""
    return bool(sites_where(user, Action.EDIT_PROCEDURES))


class LastDoneImportView(LoginRequiredMixin, View):
    """GET: the upload form. POST: check (and unless asked not to, save) the file, and show
    the report, line by line, with what each valid row does to its schedule."""

    template_name = "equipment/last_done_import.html"
    report_template_name = "equipment/last_done_report.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_import_last_done(request.user):
            raise PermissionDenied("You are not allowed to edit schedules at any of your sites.")
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form, status=200):
        context = {
            "form": form,
            "columns": importer.COLUMNS,
            "required": importer.REQUIRED_COLUMNS,
            "max_rows": csv_io.MAX_ROWS,
            "max_megabytes": csv_io.MAX_BYTES // 1024 // 1024,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(importer.LastDoneImportForm(initial={"dry_run": True}))

    def post(self, request):
        form = importer.LastDoneImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            report = importer.import_last_done(
                actor=request.user, now=timezone.now(), **form.options()
            )
        except csv_io.FileError as exc:
            for message in exc.messages:
                form.add_error("file", message)
            return self._render(form, status=400)
        context = {
            "report": report,
            "errors": report.as_dict()["errors"],
            "more_changes": report.updated + report.unchanged - len(report.changes),
        }
        return render(request, self.report_template_name, context)


@login_required
def last_done_template(request):
    """The template file: the columns and two example rows."""
    response = HttpResponse(importer.template_csv(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="last-done-template.csv"'
    return response
