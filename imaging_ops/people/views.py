"""People pages of the core: a site's people, invitations, roles, and locked accounts.

Every page of a site answers 404 outside the viewer's sites and 403 where they do not manage
people; the writes go through imaging_ops.people.services (and imaging_ops.security.lockout
for unlocking).
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView

from imaging_ops.access.permissions import Action, sites_where
from imaging_ops.access.scoping import scope
from imaging_ops.models import SiteMembership, User
from imaging_ops.people import details as person_details
from imaging_ops.people import roles
from imaging_ops.people import services as people
from imaging_ops.people.forms import (
    AddRoleForm,
    DeactivateForm,
    InviteForm,
    MembershipForm,
    PersonDetailsForm,
)
from imaging_ops.people.selectors import managed_sites, person_history
from imaging_ops.security.lockout import locked_people, unlock_account
from imaging_ops.sites.local_time import local_time_text
from imaging_ops.web.base import ManagedSiteMixin, ServiceFormView

PAGE_SIZE = 50


def _require_manages_people_somewhere(user) -> None:
    if not sites_where(user, Action.MANAGE_PEOPLE):
        raise PermissionDenied("Only managers can manage people.")


def _person_at(site, pk) -> User:
    """A person who holds or held a role at the site, or 404."""
    return get_object_or_404(User.objects.filter(memberships__site=site).distinct(), pk=pk)


def _describe(memberships, site, now) -> None:
    today = site.today(now)
    for membership in memberships:
        membership.expired = membership.has_expired(today)


# --- the people of a site -------------------------------------------------------------------


class PeopleIndexView(LoginRequiredMixin, View):
    """The sites where the viewer manages people; straight to the list when there is one."""

    def get(self, request):
        _require_manages_people_somewhere(request.user)
        sites = list(managed_sites(request.user))
        if len(sites) == 1:
            return redirect("site_people", site_code=sites[0].code)
        return render(request, "people/site_index.html", {"sites": sites})


class SitePeopleView(ManagedSiteMixin, ListView):
    """The site's people with their roles here; deactivated roles are listed apart."""

    template_name = "people/site_people.html"
    context_object_name = "people"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        site = self.site
        active_here = SiteMembership.objects.filter(site=site, is_active=True)
        queryset = User.objects.filter(pk__in=active_here.values("user_id"))
        self.query = self.request.GET.get("q", "").strip()
        if self.query:
            queryset = queryset.filter(
                Q(username__icontains=self.query)
                | Q(full_name__icontains=self.query)
                | Q(email__icontains=self.query)
            )
        return queryset.order_by("full_name", "username").prefetch_related(
            Prefetch("memberships", queryset=active_here.order_by("role"), to_attr="roles_here")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        for person in context["people"]:
            _describe(person.roles_here, self.site, now)
            # A bool for the template, which cannot pass `now`: it stands in for the method.
            person.is_locked = person.is_locked(now)
            person.has_password = person.has_usable_password()
        deactivated = (
            SiteMembership.objects.filter(site=self.site, is_active=False)
            .select_related("user")
            .order_by("user__full_name", "user__username", "role")
        )
        context["deactivated"] = Paginator(deactivated, PAGE_SIZE).get_page(
            self.request.GET.get("deactivated_page")
        )
        context["site"] = self.site
        context["query"] = self.query
        return context


class InvitePersonView(ManagedSiteMixin, ServiceFormView):
    form_class = InviteForm
    template_name = "people/invite.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(site=self.site, **kwargs)

    def check_parsed(self, form):
        people.validate_invitation(
            actor=self.request.user, site=self.site, now=timezone.now(), **form.cleaned_data
        )

    def call_service(self, form):
        return people.invite_person(
            actor=self.request.user, site=self.site, now=timezone.now(), **form.cleaned_data
        )

    def get_success_message(self, invitation):
        return _invited_message(invitation, self.site)

    def get_success_url(self, invitation):
        return _person_url(self.site, invitation.user)


def _invited_message(invitation, site) -> str:
    person = invitation.user
    role = invitation.membership.get_role_display().lower()
    text = f"{person.display_name} is now {role} at {site.code}."
    if invitation.link_sent:
        text += f" A one-time link to choose a password was sent to {person.email}."
    return text


# --- one person at a site -------------------------------------------------------------------


class PersonPageMixin(ManagedSiteMixin):
    """The page of a person's roles at the site, with the forms to change them."""

    template_name = "people/person.html"

    def page(self, person, *, add_form=None, bound=None, errors=(), status=200):
        """The page, with a bound form in place of the blank one that failed, if any.

        `errors` are shown above the roles: a refusal that belongs to no one field.
        """
        now = timezone.now()
        memberships = list(
            SiteMembership.objects.filter(site=self.site, user=person).order_by("role")
        )
        _describe(memberships, self.site, now)
        viewer = self.request.user
        for membership in memberships:
            membership.may_change = roles.may_change(viewer, membership)
            failed = bound if bound and bound[0] == membership.pk else None
            membership.edit_form = (
                failed[1]
                if failed and isinstance(failed[1], MembershipForm)
                else MembershipForm(
                    prefix=f"m{membership.pk}",
                    initial={
                        "is_trainee": membership.is_trainee,
                        "expires_on": membership.expires_on,
                    },
                )
            )
            membership.deactivate_form = (
                failed[1]
                if failed and isinstance(failed[1], DeactivateForm)
                else DeactivateForm(prefix=f"d{membership.pk}")
            )
        context = {
            "site": self.site,
            "person": person,
            "active": [m for m in memberships if m.is_active],
            "deactivated": [m for m in memberships if not m.is_active],
            "add_form": add_form or AddRoleForm(),
            "is_locked": person.is_locked(now),
            "has_password": person.has_usable_password(),
            "may_edit_details": person_details.may_edit_details(viewer, person),
            "audit_history": person_history(person, memberships),
            "errors": errors,
        }
        return render(self.request, self.template_name, context, status=status)


class PersonAtSiteView(PersonPageMixin, View):
    def get(self, request, site_code, pk):
        return self.page(_person_at(self.site, pk))


def _person_url(site, person) -> str:
    return reverse("person_at_site", kwargs={"site_code": site.code, "pk": person.pk})


class PersonDetailsView(ManagedSiteMixin, ServiceFormView):
    """GET: the person's details in a form; POST: save them with a reason, back to their page."""

    form_class = PersonDetailsForm
    template_name = "people/details.html"

    def get_object(self):
        return _person_at(self.site, self.kwargs["pk"])

    def check_permission(self):
        super().check_permission()
        if not person_details.may_edit_details(self.request.user, self.object):
            raise PermissionDenied(
                "A system administrator's details are changed by a system administrator."
            )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "person": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(site=self.site, person=self.object, **kwargs)

    def check_parsed(self, form):
        person_details.validate_person_details(
            actor=self.request.user, person=self.object, **form.cleaned_data
        )

    def call_service(self, form):
        return person_details.update_person_details(
            actor=self.request.user,
            site=self.site,
            person=self.object,
            now=timezone.now(),
            **form.cleaned_data,
        )

    def succeeded(self, change):
        if change.changed:
            messages.success(self.request, f"Saved the details of {change.user.display_name}.")
        else:
            messages.info(self.request, "Nothing changed: the details were already these.")
        return redirect(_person_url(self.site, self.object))


class PersonFormView(PersonPageMixin, ServiceFormView):
    """A form of the person's page, posted on its own: errors come back on the person's page,
    and the address opened directly leads to that page."""

    def person(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return redirect(_person_url(self.site, self.person()))

    def get_success_url(self, result):
        return _person_url(self.site, self.person())


class AddRoleView(PersonFormView):
    form_class = AddRoleForm

    def get_object(self):
        return _person_at(self.site, self.kwargs["pk"])

    def person(self):
        return self.object

    def render_form(self, form, status=200):
        return self.page(self.object, add_form=form, status=status)

    def check_parsed(self, form):
        data = form.cleaned_data
        roles.validate_role_grant(
            actor=self.request.user,
            site=self.site,
            user=self.object,
            now=timezone.now(),
            role=data.get("role", ""),
            is_trainee=data.get("is_trainee", False),
            expires_on=data.get("expires_on"),
        )

    def call_service(self, form):
        return roles.add_role(
            actor=self.request.user,
            site=self.site,
            user=self.object,
            now=timezone.now(),
            **form.cleaned_data,
        )

    def get_success_message(self, membership):
        return (
            f"{self.object.display_name} is now {membership.get_role_display().lower()} "
            f"at {self.site.code}."
        )


class MembershipView(PersonFormView):
    """POST: change one role's trainee mark and last day (`UpdateMembership`) or remove it."""

    form_class = MembershipForm
    prefix = "m"

    def get_object(self) -> SiteMembership:
        return get_object_or_404(
            SiteMembership.objects.select_related("user", "site"),
            site=self.site,
            pk=self.kwargs["pk"],
        )

    def person(self):
        return self.object.user

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "prefix": f"{self.prefix}{self.object.pk}"}

    def render_form(self, form, status=200):
        return self.page(
            self.object.user,
            bound=(self.object.pk, form),
            errors=form.non_field_errors(),
            status=status,
        )

    def check_parsed(self, form):
        data = form.cleaned_data
        roles.validate_membership_change(
            actor=self.request.user,
            membership=self.object,
            now=timezone.now(),
            is_trainee=data.get("is_trainee", False),
            expires_on=data.get("expires_on"),
        )

    def call_service(self, form):
        return roles.update_membership(
            actor=self.request.user, membership=self.object, now=timezone.now(), **form.cleaned_data
        )

    def get_success_message(self, result):
        return f"Saved the {self.object.get_role_display().lower()} role."


class DeactivateMembershipView(MembershipView):
    form_class = DeactivateForm
    prefix = "d"

    def check_parsed(self, form):
        """Its one field is the reason: nothing else to ask the service about."""

    def call_service(self, form):
        return roles.deactivate_membership(
            actor=self.request.user, membership=self.object, now=timezone.now(), **form.cleaned_data
        )

    def get_success_message(self, result):
        membership = self.object
        return (
            f"Removed the {membership.get_role_display().lower()} role of "
            f"{membership.user.display_name} at {self.site.code}."
        )


class ResendInvitationView(ManagedSiteMixin, View):
    def post(self, request, site_code, pk):
        person = _person_at(self.site, pk)
        try:
            people.resend_invitation(
                actor=request.user, site=self.site, user=person, now=timezone.now()
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"A new one-time link was sent to {person.email}.")
        return redirect(_person_url(self.site, person))


# --- locked accounts ------------------------------------------------------------------------


class LockedAccountsView(LoginRequiredMixin, ListView):
    """People locked now at the sites where the viewer manages people, with an Unlock button."""

    template_name = "people/locked_accounts.html"
    context_object_name = "people"
    paginate_by = 50

    def get_queryset(self):
        viewer = self.request.user
        _require_manages_people_somewhere(viewer)
        visible = scope(SiteMembership.objects.filter(is_active=True), viewer)
        return locked_people(viewer, timezone.now()).prefetch_related(
            Prefetch(
                "memberships",
                queryset=visible.select_related("site").order_by("site__code", "role"),
                to_attr="visible_memberships",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for person in context["people"]:
            sites = {m.site.code: m.site for m in person.visible_memberships}
            person.site_codes = sorted(sites)
            zone = sites[person.site_codes[0]].zone if sites else timezone.get_default_timezone()
            # Formatted here: the template's date filter would turn it back into UTC.
            person.locked_until_text = local_time_text(person.locked_until, zone)
        return context


class UnlockAccountView(LoginRequiredMixin, View):
    """POST: unlock; back to `next` (a page of this app) or to the locked accounts."""

    def post(self, request, pk):
        viewer = request.user
        people_in_reach = User.objects.all()
        if not viewer.is_superuser:
            people_in_reach = people_in_reach.filter(
                memberships__in=scope(SiteMembership.objects.filter(is_active=True), viewer)
            ).distinct()
        person = get_object_or_404(people_in_reach, pk=pk)
        if unlock_account(user=person, actor=viewer, now=timezone.now()):
            messages.success(request, f"{person.display_name} can sign in again.")
        else:
            messages.info(request, f"{person.display_name} was not locked.")
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(back)
        return redirect(reverse("locked_accounts"))
