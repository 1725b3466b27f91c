"""The competency matrix of a site (people by required courses), its CSV, and the
authorization list of an area class (restricted areas, MRI zones)."""

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views import View

from imaging_ops.access.permissions import Action, can
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.csv_export import csv_lines
from imaging_ops.vocabulary import AreaClass
from imaging_ops.web.base import ManagedSiteMixin
from training.documents.authorization import build_authorization_pdf
from training.forms.matrix import MatrixFilterForm
from training.selectors.matrix import competency_matrix
from training.selectors.qualifications import authorization_list, requirements_in_force

AUTHORIZED_AREAS = (
    AreaClass.RESTRICTED,
    AreaClass.CONTROLLED,
    AreaClass.MRI_ZONE_III,
    AreaClass.MRI_ZONE_IV,
)


class SiteViewMixin(ManagedSiteMixin):
    site_action = Action.VIEW_RECORDS


def _matrix(site, request):
    on = site.today(timezone.now())
    courses = sorted({r.course for r in requirements_in_force(site)}, key=lambda c: c.code)
    form = MatrixFilterForm(request.GET or None, courses=courses)
    filters = form.cleaned_data if form.is_valid() else {}
    matrix = competency_matrix(
        site,
        on=on,
        course_id=filters.get("course"),
        role=filters.get("role", ""),
        status=filters.get("status", ""),
        q=filters.get("q", ""),
    )
    return form, matrix


# Each cell's badge by status: the matrix of a large site is thousands of cells, written here in
# one pass rather than through the template engine cell by cell.
BADGES = {
    "current": '<span class="badge text-bg-success">Current</span>',
    "expiring": '<span class="badge text-bg-warning">Expiring</span>',
    "expired": '<span class="badge text-bg-danger">Expired</span>',
    "missing": '<span class="badge text-bg-secondary">Missing</span>',
}
NOT_REQUIRED_BADGE = (
    '<span class="text-muted small">—<span class="visually-hidden"> not required</span></span>'
)


def matrix_body(matrix) -> str:
    """The table rows of the matrix as HTML: each person with their roles, then one cell per
    course with its status badge and expiry day."""
    person_url = reverse("training:person", args=[0])[: -len("0/")]
    lines = []
    for row in matrix.rows:
        cells = []
        for cell in row.cells:
            status = str(cell.status)
            expiry = (
                f'<br><span class="small">to {cell.expires_on:%Y-%m-%d}</span>'
                if (cell.expires_on)
                else ""
            )
            badge = BADGES.get(status, NOT_REQUIRED_BADGE)
            cells.append(f'<td data-status="{status}" class="matrix-{status}">{badge}{expiry}</td>')
        lines.append(
            f'<tr><th scope="row"><a href="{person_url}{row.person.pk}/">'
            f"{escape(str(row.person))}</a><br>"
            f'<span class="small text-muted">{escape(row.role_labels)}</span></th>'
            f"{''.join(cells)}</tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped or ours


class MatrixView(SiteViewMixin, View):
    def get(self, request, site_code):
        form, matrix = _matrix(self.site, request)
        status = 400 if form.is_bound and not form.is_valid() else 200
        return render(
            request,
            "training/matrix.html",
            {
                "site": self.site,
                "form": form,
                "matrix": matrix,
                "matrix_body": matrix_body(matrix),
                "counts": matrix.counts(),
                "may_record": can(request.user, Action.RECORD_TRAINING, self.site),
                "areas": [AreaClass(a) for a in AUTHORIZED_AREAS],
            },
            status=status,
        )


class MatrixExportView(SiteViewMixin, View):
    def get(self, request, site_code):
        form, matrix = _matrix(self.site, request)
        if form.is_bound and not form.is_valid():
            messages.error(request, "Correct the filters before exporting.")
            page = reverse("training:matrix", args=[self.site.code])
            return redirect(f"{page}?{request.GET.urlencode()}")
        used = {key: value for key, value in request.GET.items() if value}
        with regulated_transaction():
            record_event(
                AuditAction.EXPORT,
                object_type="competency matrix",
                site_id=self.site.pk,
                changes={"filters": used},
            )
        header = ["person", "username", "roles"]
        for course in matrix.courses:
            header += [course.code, f"{course.code} expires on"]
        rows = (
            [row.person.full_name, row.person.username, row.role_labels]
            + [
                value
                for cell in row.cells
                for value in (cell.label, cell.expires_on.isoformat() if cell.expires_on else "")
            ]
            for row in matrix.rows
        )
        response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        name = f"training-matrix-{self.site.code}-{stamp}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class AuthorizationPdfView(SiteViewMixin, View):
    def get(self, request, site_code, area_class):
        if area_class not in AreaClass.values:
            raise Http404("No such area class.")
        on = self.site.today(timezone.now())
        required, people = authorization_list(self.site, area_class=area_class, on=on)
        if not required:
            raise Http404("This site requires no course for this area: there is no list.")
        pdf = build_authorization_pdf(
            site=self.site,
            area_label=AreaClass(area_class).label,
            on=on,
            required=required,
            people=people,
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"authorized-{self.site.code}-{area_class}-{on:%Y%m%d}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response


class AuthorizationListView(SiteViewMixin, View):
    """Who may enter an area class at the site: the people holding every required course,
    current today. Print it to post at the door."""

    def get(self, request, site_code, area_class):
        if area_class not in AreaClass.values:
            return render(request, "404.html", status=404)
        on = self.site.today(timezone.now())
        required, people = authorization_list(self.site, area_class=area_class, on=on)
        return render(
            request,
            "training/authorization_list.html",
            {
                "site": self.site,
                "area": AreaClass(area_class),
                "required": required,
                "people": people,
                "on": on,
            },
        )
