"""People pages of the core: for now, the locked accounts a manager can unlock."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from .models import SiteMembership, User
from .permissions import Action, sites_where
from .scoping import scope
from .security import locked_people, unlock_account


def _require_manages_people_somewhere(user) -> None:
    if not user.is_superuser and not sites_where(user, Action.MANAGE_PEOPLE):
        raise PermissionDenied("Only managers can see locked accounts.")


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
            local = timezone.localtime(person.locked_until, zone)
            # Formatted here: the template's date filter would turn it back into UTC.
            person.locked_until_text = f"{local:%Y-%m-%d %H:%M %Z}"
        return context


class UnlockAccountView(LoginRequiredMixin, View):
    def post(self, request, pk):
        viewer = request.user
        people = User.objects.all()
        if not viewer.is_superuser:
            people = people.filter(
                memberships__in=scope(SiteMembership.objects.filter(is_active=True), viewer)
            ).distinct()
        person = get_object_or_404(people, pk=pk)
        if unlock_account(user=person, actor=viewer, now=timezone.now()):
            messages.success(request, f"{person.display_name} can sign in again.")
        else:
            messages.info(request, f"{person.display_name} was not locked.")
        return redirect("locked_accounts")
