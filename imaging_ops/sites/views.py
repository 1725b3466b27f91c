"""Site settings pages: hours, time zone, clinical days, closures, licences and accreditations.

Each page belongs to one site (its code in the URL): 404 outside the viewer's sites, 403 where
they are not a manager. Writes go through imaging_ops.sites.services.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from imaging_ops.audit.selectors import history_for
from imaging_ops.models import SiteClosure, SiteIdentifier
from imaging_ops.people.services import managed_sites
from imaging_ops.sites import services as site_services
from imaging_ops.sites.forms import ClosureForm, IdentifierForm, SiteSettingsForm
from imaging_ops.sites.services import SETTINGS_ACTION
from imaging_ops.web.base import ManagedSiteMixin, add_service_errors

# The closure form shares the page with the settings form; the prefix keeps their ids apart.
CLOSURE_PREFIX = "closure"


class SiteSettingsIndexView(LoginRequiredMixin, View):
    """The sites whose settings the viewer manages; straight to the one when there is one."""

    def get(self, request):
        sites = list(managed_sites(request.user))
        if not sites:
            raise PermissionDenied("Only managers can change site settings.")
        if len(sites) == 1:
            return redirect("site_settings", site_code=sites[0].code)
        return render(request, "sites/site_index.html", {"sites": sites})


class SiteSettingsView(ManagedSiteMixin, View):
    """The settings form, the closure dates with a form to add one, and the identifiers."""

    site_action = SETTINGS_ACTION
    template_name = "sites/settings.html"

    def page(self, *, form=None, closure_form=None, status=200):
        now = timezone.now()
        upcoming, past = site_services.closures_of(self.site, now)
        identifiers = site_services.identifiers_of(self.site, now)
        context = {
            "site": self.site,
            "form": form or SiteSettingsForm(site=self.site),
            "closure_form": closure_form or ClosureForm(prefix=CLOSURE_PREFIX),
            "upcoming_closures": upcoming,
            "past_closures": past,
            "past_closures_limit": site_services.PAST_CLOSURES_SHOWN,
            "identifiers": identifiers,
            "warning_days": site_services.EXPIRY_WARNING_DAYS,
            # The site's own history with that of the closures and licences listed here.
            "audit_history": history_for(
                self.site, *upcoming, *past, *(row.identifier for row in identifiers)
            ),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, site_code):
        return self.page()

    def post(self, request, site_code):
        form = SiteSettingsForm(request.POST, site=self.site)
        if form.is_valid():
            try:
                site_services.update_site_settings(
                    actor=request.user, site=self.site, now=timezone.now(), **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                self.site.refresh_from_db()
            else:
                messages.success(request, f"Saved the settings of {self.site.code}.")
                return redirect("site_settings", site_code=self.site.code)
        return self.page(form=form, status=400)


class AddClosureView(SiteSettingsView):
    def get(self, request, site_code):
        return redirect("site_settings", site_code=self.site.code)

    def post(self, request, site_code):
        form = ClosureForm(request.POST, prefix=CLOSURE_PREFIX)
        if form.is_valid():
            try:
                closure = site_services.add_site_closure(
                    actor=request.user, site=self.site, now=timezone.now(), **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{self.site.code} is closed on {closure.date:%Y-%m-%d}.")
                return redirect("site_settings", site_code=self.site.code)
        return self.page(closure_form=form, status=400)


class CancelClosureView(SiteSettingsView):
    """POST: cancel an upcoming closure with a reason; errors come back on the settings page."""

    def get(self, request, site_code, pk):
        return redirect("site_settings", site_code=self.site.code)

    def post(self, request, site_code, pk):
        closure = get_object_or_404(
            SiteClosure.objects.select_related("site"), site=self.site, pk=pk
        )
        try:
            site_services.cancel_site_closure(
                actor=request.user,
                closure=closure,
                reason=request.POST.get("cancel_reason", ""),
                now=timezone.now(),
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("cancel_reason", exc.messages):
                messages.error(request, f"{closure.date:%Y-%m-%d}: {message}")
            return self.page(status=400)
        messages.success(request, f"The closure on {closure.date:%Y-%m-%d} is cancelled.")
        return redirect("site_settings", site_code=self.site.code)


class IdentifierFormView(ManagedSiteMixin, View):
    """Add (no pk) or correct and renew (pk) a licence, registration or accreditation."""

    site_action = SETTINGS_ACTION
    template_name = "sites/identifier_form.html"

    def _identifier(self, pk):
        if pk is None:
            return None
        return get_object_or_404(
            SiteIdentifier.objects.select_related("site"), site=self.site, pk=pk
        )

    def _render(self, form, identifier, status=200):
        context = {
            "site": self.site,
            "form": form,
            "identifier": identifier,
            "audit_history": history_for(identifier) if identifier else None,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, site_code, pk=None):
        identifier = self._identifier(pk)
        return self._render(IdentifierForm(identifier=identifier), identifier)

    def post(self, request, site_code, pk=None):
        identifier = self._identifier(pk)
        form = IdentifierForm(request.POST, identifier=identifier)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if identifier is None:
                    identifier = site_services.add_site_identifier(
                        actor=request.user, site=self.site, now=timezone.now(), **data
                    )
                else:
                    site_services.update_site_identifier(
                        actor=request.user, identifier=identifier, now=timezone.now(), **data
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
                if identifier is not None:
                    identifier.refresh_from_db()
            else:
                messages.success(request, f"Saved {identifier}.")
                return redirect("site_settings", site_code=self.site.code)
        return self._render(form, identifier, status=400)
