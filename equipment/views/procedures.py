"""Procedure pages: the list of your sites' procedures and the organisation library, and one
procedure with its current version, its checks (each numeric band drawn as a number line) and
its versions. Creating and editing procedures goes through equipment.services.procedures."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch, Q
from django.views.generic import DetailView, ListView

from equipment.band_line import band_line
from equipment.models import Check, CheckKind, Procedure, ProcedureKind, ProcedureVersion
from equipment.models.procedures import LIMIT_FIELDS
from imaging_ops.access.scoping import scope
from imaging_ops.web.paginator import KeysFirstPaginator

PAGE_SIZE = 50


def visible_procedures(user):
    """Your sites' procedures and the library's, with their current version loaded."""
    mine = scope(Procedure.objects.all(), user).values("pk")
    return Procedure.objects.filter(Q(pk__in=mine) | Q(site__isnull=True)).select_related(
        "site", "current_version", "copied_from"
    )


def check_line(check: Check):
    """A numeric check's band as a number line; None for other kinds."""
    if check.kind != CheckKind.NUMERIC:
        return None
    limits = {
        name: (getattr(check, name), getattr(check, f"{name}_inclusive"))
        for name in LIMIT_FIELDS
        if getattr(check, name) is not None
    }
    unit = "% of reference" if check.band_mode == "percent" else check.unit
    return band_line(limits, unit=unit)


class ProcedureListView(LoginRequiredMixin, ListView):
    template_name = "equipment/procedure_list.html"
    context_object_name = "procedures"
    paginate_by = PAGE_SIZE
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        queryset = visible_procedures(self.request.user)
        self.kind = self.request.GET.get("kind", "")
        if self.kind in ProcedureKind.values:
            queryset = queryset.filter(kind=self.kind)
        else:
            self.kind = ""
        self.library = self.request.GET.get("library", "")
        if self.library == "yes":
            queryset = queryset.filter(site__isnull=True)
        elif self.library == "no":
            queryset = queryset.filter(site__isnull=False)
        return queryset.order_by("site__code", "code", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = ProcedureKind.choices
        context["kind"], context["library"] = self.kind, self.library
        return context


class ProcedureDetailView(LoginRequiredMixin, DetailView):
    template_name = "equipment/procedure_detail.html"
    context_object_name = "procedure"

    def get_queryset(self):
        return visible_procedures(self.request.user).prefetch_related(
            Prefetch(
                "versions",
                queryset=ProcedureVersion.objects.select_related("created_by").order_by("-number"),
            ),
            Prefetch("current_version__checks", queryset=Check.objects.order_by("position")),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = self.object.current_version
        context["version"] = version
        context["checks"] = [(c, check_line(c)) for c in version.checks.all()]
        context["versions"] = list(self.object.versions.all())
        return context
