"""The page that imports past training from CSV (training/documents/records_import.py): the
upload form with its template file and the importer's signature, and the report of every row.

Like the equipment import: the person needs the right to record training somewhere (403
otherwise: trainees and inspectors never import), each row is then judged at its own site, and
by default nothing is saved unless every row is valid.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from imaging_ops import csv_import
from imaging_ops.access.scoping import scope
from imaging_ops.models import Site
from imaging_ops.records.signatures import POLICY_TEXT, has_acknowledged_policy, needs_username
from training.documents import records_import as importer
from training.forms.imports import TrainingImportForm


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class TrainingImportView(LoginRequiredMixin, View):
    """GET: the upload form. POST: check (and unless asked not to, save and sign) the file,
    and show the report, line by line."""

    template_name = "training/import.html"
    report_template_name = "training/import_report.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not importer.may_import(request.user):
            raise PermissionDenied("You are not allowed to record training at any of your sites.")
        return super().dispatch(request, *args, **kwargs)

    def _site(self):
        """The site whose matrix the page was opened from (for the way back), if any."""
        code = self.request.GET.get("site", "")
        return scope(Site.objects.all(), self.request.user).filter(code=code).first()

    def _form(self, *args, **kwargs):
        user = self.request.user
        return TrainingImportForm(
            *args,
            ask_username=needs_username(signer=user, session=self.request.session, via_api=False),
            ask_policy=not has_acknowledged_policy(user),
            **kwargs,
        )

    def _render(self, form, status=200):
        context = {
            "form": form,
            "site": self._site(),
            "columns": importer.COLUMNS,
            "required": importer.REQUIRED_COLUMNS,
            "max_rows": f"{importer.MAX_ROWS:,}",
            "max_megabytes": csv_import.MAX_BYTES // 1024 // 1024,
            "policy_text": POLICY_TEXT,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(self._form(initial={"dry_run": True}))

    def post(self, request):
        form = self._form(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            report = importer.import_training_records(
                actor=request.user, now=timezone.now(), **form.options(session=request.session)
            )
        except csv_import.FileError as exc:
            for message in exc.messages:
                form.add_error("file", message)
            return self._render(form, status=400)
        except ValidationError as refused:
            for name, messages in refused.message_dict.items():
                for message in messages:
                    form.add_error(name if name in form.fields else None, message)
            return self._render(form, status=400)
        context = {"report": report, "errors": report.as_dict()["errors"], "site": self._site()}
        return render(request, self.report_template_name, context)


@login_required
def import_template(request):
    """The template file: the columns and two example rows."""
    response = HttpResponse(importer.template_csv(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="training-records-template.csv"'
    return response
