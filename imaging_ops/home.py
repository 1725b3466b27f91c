"""The home page for each role (composition root: it may read every app)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from compliance.forms.dashboard import dashboard_form
from compliance.views.dashboard import dashboard_response
from compliance.views.inspector import inspector_home
from equipment.models import EquipmentStatus
from equipment.selectors.registry import status_by_site
from equipment.selectors.status import recent_status_changes
from equipment.selectors.work import (
    acceptance_work,
    my_work,
    out_of_service_work,
    unsigned_drafts,
)
from imaging_ops.access.authority import memberships_in_force
from imaging_ops.vocabulary import Role

# The first role a person holds, in this order, picks their home page.
HOME_ORDER = (Role.MANAGER, Role.PHYSICIST, Role.RSO, Role.TECHNICIAN, Role.INSPECTOR)


def home_role(user) -> str | None:
    if user.is_superuser:
        return Role.MANAGER
    held = {grant.role for grant in memberships_in_force(user)}
    return next((role for role in HOME_ORDER if role in held), None)


@login_required
def home(request):
    user = request.user
    role = home_role(user)
    context = {"role": role}
    if role == Role.MANAGER:
        sites = status_by_site(user)
        context["sites"] = sites
        context["waiting_anywhere"] = any(
            row[EquipmentStatus.AWAITING_ACCEPTANCE] or row[EquipmentStatus.OUT_OF_SERVICE]
            for row in sites
        )
        template = "home/manager.html"
        # The compliance dashboard of the sites they manage, under their equipment by status.
        form = dashboard_form(request.GET, user)
        if form.managed:
            return dashboard_response(request, form, template=template, extra=context)
    elif role == Role.INSPECTOR:
        # Find a machine, their sites and when access ends, the latest logs (compliance).
        return inspector_home(request)
    elif role is not None:
        # Technicians, physicists and RSOs: their scheduled work and missed days first, then
        # what else waits for them, each item linked to its page.
        # Their scheduled work and missed days first; what else waits for them follows the
        # page (home_waiting), so the morning's list is not held up by the rest.
        context["my_work"] = work = my_work(user, now=timezone.now())
        context["missed"] = work.missed
        template = "home/technician.html"
    else:
        template = "home/no_role.html"
    return render(request, template, context)


def also_waiting(user) -> dict:
    """What else waits for a technician, physicist or RSO, each item linked to its page."""
    return {
        "out_of_service": out_of_service_work(user),
        "to_accept": acceptance_work(user),
        "drafts": unsigned_drafts(user),
        "recent_changes": recent_status_changes(user),
    }


@login_required
def home_waiting(request):
    """The home page's second part, which it loads after itself (htmx), or a page of its own
    without JavaScript; managers and inspectors have their own homes, and it sends them there."""
    role = home_role(request.user)
    if role in (Role.MANAGER, Role.INSPECTOR, None):
        return redirect("home")
    context = also_waiting(request.user)
    fragment = request.headers.get("HX-Request") == "true"
    return render(
        request, "home/also_waiting.html" if fragment else "home/waiting_page.html", context
    )
