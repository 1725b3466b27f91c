"""The regulatory catalog for managers: what ships, grouped by source with citations and
"verify locally" flags, what their sites already use, and assigning a catalog procedure at a
site — the site's copy made here if it has none, then the procedure's own assign page
(equipment's ProcedureAssignView) to reach every matching unit at once."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View

from compliance.selectors.catalog import catalog_page, catalog_sites
from equipment.models import Procedure
from equipment.services.grants import may_edit_procedure
from equipment.services.procedures import copy_library_procedure
from imaging_ops.web.base import ServiceFormView


def _sites_or_refuse(user):
    sites = catalog_sites(user)
    if not sites:
        raise PermissionDenied("You are not allowed to edit procedures at any of your sites.")
    return sites


class CatalogView(LoginRequiredMixin, View):
    def get(self, request):
        sites = _sites_or_refuse(request.user)
        groups = catalog_page(request.user, sites)
        loaded = any(row.library for group in groups for row in group.rows)
        context = {"groups": groups, "sites": sites, "loaded": loaded}
        return render(request, "compliance/catalog.html", context)


def assign_url(procedure: Procedure) -> str:
    """The site's copy's assign page, with the modality chosen when it names only one."""
    url = reverse("equipment:procedure_assign", args=[procedure.pk])
    modalities = procedure.current_version.modalities
    if len(modalities) == 1:
        url += "?" + urlencode({"modality": modalities[0], "preview": "1"})
    return url


class SiteForm(forms.Form):
    site = forms.TypedChoiceField(label="Site", coerce=int)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, str(s)) for s in sites]


class CatalogAssignView(ServiceFormView):
    """Assign a loaded catalog procedure at one of the person's sites: its copy there is made
    (copy_library_procedure) when the site has none, then the copy's assign page takes over."""

    form_class = SiteForm
    template_name = "compliance/catalog_assign.html"

    def get_object(self):
        procedures = Procedure.objects.filter(
            site__isnull=True, current_version__catalog_code__gt=""
        ).select_related("current_version")
        return get_object_or_404(procedures, pk=self.kwargs["pk"])

    def check_permission(self):
        user, procedure = self.request.user, self.object
        self.sites = [
            site
            for site in _sites_or_refuse(user)
            if may_edit_procedure(user, procedure, at_site=site.pk)
        ]
        if not self.sites:
            raise PermissionDenied("You are not allowed to assign this procedure at your sites.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sites": self.sites}

    def get_initial(self):
        return {"site": self.sites[0].pk} if len(self.sites) == 1 else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(procedure=self.object, **kwargs)

    def call_service(self, form):
        site = next(s for s in self.sites if s.pk == form.cleaned_data["site"])
        copy = self.object.copies.filter(site=site).select_related("current_version").first()
        if copy is not None:
            return copy, False
        copy = copy_library_procedure(
            actor=self.request.user, procedure=self.object, site=site, now=timezone.now()
        )
        return copy, True

    def succeeded(self, result):
        copy, made = result
        if made:
            messages.success(
                self.request,
                f"Copied {copy.code} to {copy.site.code}: now choose whom the schedules go to "
                "and create them on every matching unit.",
            )
        return redirect(assign_url(copy))
