"""The home page for each role (composition root: it may read every app)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from equipment.models import Equipment, EquipmentStatus, EquipmentStatusChange
from imaging_ops.access.authority import memberships_in_force
from imaging_ops.access.scoping import scope
from imaging_ops.models import Site, SiteMembership
from imaging_ops.vocabulary import Role

# The first role a person holds, in this order, picks their home page.
HOME_ORDER = (Role.MANAGER, Role.PHYSICIST, Role.RSO, Role.TECHNICIAN, Role.INSPECTOR)


def home_role(user) -> str | None:
    if user.is_superuser:
        return Role.MANAGER
    held = {grant.role for grant in memberships_in_force(user)}
    return next((role for role in HOME_ORDER if role in held), None)


def _status_by_site(user) -> list[dict]:
    counts = (
        scope(Equipment.objects.all(), user)
        .values("site_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sites = {site.pk: site for site in scope(Site.objects.all(), user)}
    table = {
        pk: {"site": site, "total": 0, **dict.fromkeys(EquipmentStatus.values, 0)}
        for pk, site in sites.items()
    }
    for row in counts:
        table[row["site_id"]][row["status"]] = row["n"]
        table[row["site_id"]]["total"] += row["n"]
    return [table[pk] for pk in sorted(table, key=lambda pk: sites[pk].code)]


@login_required
def home(request):
    user = request.user
    role = home_role(user)
    context = {"role": role}
    if role == Role.MANAGER:
        context["sites"] = _status_by_site(user)
        template = "home/manager.html"
    elif role == Role.INSPECTOR:
        context["access"] = (
            SiteMembership.objects.filter(user=user, role=Role.INSPECTOR, is_active=True)
            .select_related("site")
            .order_by("site__code")
        )
        template = "home/inspector.html"
    elif role is not None:
        context["out_of_service"] = (
            scope(Equipment.objects.all(), user)
            .filter(status=EquipmentStatus.OUT_OF_SERVICE)
            .select_related("site", "location")
            .order_by("-updated_at")[:20]
        )
        context["recent_changes"] = (
            scope(EquipmentStatusChange.objects.all(), user)
            .select_related("equipment", "equipment__site", "actor")
            .order_by("-changed_at", "-pk")[:10]
        )
        template = "home/technician.html"
    else:
        template = "home/no_role.html"
    return render(request, template, context)
