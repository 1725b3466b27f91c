"""Site settings pages: hours, time zone, clinical days, closures, licences and accreditations.

Each page belongs to one site (its code in the URL): 404 outside the viewer's sites, 403 where
they are not a manager. Writes go through imaging_ops.sites.services.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from imaging_ops.audit.selectors import history_for
from imaging_ops.models import SiteClosure, SiteIdentifier
from imaging_ops.people.selectors import managed_sites
from imaging_ops.sites import services as site_services
from imaging_ops.sites.forms import ClosureForm, IdentifierForm, SiteSettingsForm
from imaging_ops.sites.services import SETTINGS_ACTION
from imaging_ops.web.base import ManagedSiteMixin, ServiceFormView

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


class SettingsPageMixin(ManagedSiteMixin):
    """The settings page: the settings form, the closure dates with a form to add one, and the
    identifiers; a form of it that fails comes back on it, bound."""

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

    def get_success_url(self, result):
        return reverse("site_settings", kwargs={"site_code": self.site.code})


class SiteSettingsView(SettingsPageMixin, ServiceFormView):
    form_class = SiteSettingsForm

    def get_object(self):
        return self.site

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "site": self.site}

    def render_form(self, form, status=200):
        return self.page(form=form, status=status)

    def check_parsed(self, form):
        site_services.validate_site_settings(site=self.site, **form.cleaned_data)

    def call_service(self, form):
        return site_services.update_site_settings(
            actor=self.request.user, site=self.site, now=timezone.now(), **form.cleaned_data
        )

    def refused(self):
        self.site.refresh_from_db()

    def get_success_message(self, result):
        return f"Saved the settings of {self.site.code}."


class AddClosureView(SettingsPageMixin, ServiceFormView):
    form_class = ClosureForm

    def get(self, request, site_code):
        return redirect("site_settings", site_code=self.site.code)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "prefix": CLOSURE_PREFIX}

    def render_form(self, form, status=200):
        return self.page(closure_form=form, status=status)

    def check_parsed(self, form):
        site_services.validate_closure(site=self.site, now=timezone.now(), **form.cleaned_data)

    def call_service(self, form):
        return site_services.add_site_closure(
            actor=self.request.user, site=self.site, now=timezone.now(), **form.cleaned_data
        )

    def get_success_message(self, closure):
        return f"{self.site.code} is closed on {closure.date:%Y-%m-%d}."


class CancelClosureView(SettingsPageMixin, View):
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


class IdentifierFormView(ManagedSiteMixin, ServiceFormView):
    """Add (no pk) or correct and renew (pk) a licence, registration or accreditation."""

    site_action = SETTINGS_ACTION
    form_class = IdentifierForm
    template_name = "sites/identifier_form.html"

    def get_object(self):
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        return get_object_or_404(
            SiteIdentifier.objects.select_related("site"), site=self.site, pk=pk
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "identifier": self.object}

    def get_context_data(self, **kwargs):
        identifier = self.object
        return super().get_context_data(
            site=self.site,
            identifier=identifier,
            audit_history=history_for(identifier) if identifier else None,
            **kwargs,
        )

    def check_parsed(self, form):
        site_services.validate_identifier(
            site=self.site, identifier=self.object, now=timezone.now(), **form.cleaned_data
        )

    def call_service(self, form):
        data = form.cleaned_data
        if self.object is None:
            return site_services.add_site_identifier(
                actor=self.request.user, site=self.site, now=timezone.now(), **data
            )
        return site_services.update_site_identifier(
            actor=self.request.user, identifier=self.object, now=timezone.now(), **data
        )

    def refused(self):
        if self.object is not None:
            self.object.refresh_from_db()

    def get_success_message(self, identifier):
        return f"Saved {identifier}."

    def get_success_url(self, identifier):
        return reverse("site_settings", kwargs={"site_code": self.site.code})
