"""How the core's own models read in the audit trail: people, roles, sites, signatures.

Registered from ImagingOpsConfig.ready. A link is given only where the viewer may open the page:
people and site settings are managers' pages.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.text import capfirst

from imaging_ops.access.permissions import Action, can
from imaging_ops.audit.names import register
from imaging_ops.models import (
    WEEKDAYS,
    PolicyAcknowledgement,
    Signature,
    Site,
    SiteClosure,
    SiteIdentifier,
    SiteMembership,
    User,
)
from imaging_ops.people.forms import InviteForm, MembershipForm, PersonDetailsForm
from imaging_ops.records.versioning import RecordVersion
from imaging_ops.sites.forms import ClosureForm, IdentifierForm, SiteSettingsForm


def _person_link(person, event, viewer) -> str | None:
    """The person's page at a site where the viewer manages people (the event's site first)."""
    sites = sorted((m.site for m in person.memberships.all()), key=lambda s: s.pk != event.site_id)
    for site in sites:
        if can(viewer, Action.MANAGE_PEOPLE, site.pk):
            return reverse("person_at_site", kwargs={"site_code": site.code, "pk": person.pk})
    return None


def _membership_link(membership, event, viewer) -> str | None:
    if not can(viewer, Action.MANAGE_PEOPLE, membership.site_id):
        return None
    return reverse(
        "person_at_site", kwargs={"site_code": membership.site.code, "pk": membership.user_id}
    )


def _settings_link(site) -> str:
    return reverse("site_settings", kwargs={"site_code": site.code})


def _site_link(site, event, viewer) -> str | None:
    return _settings_link(site) if can(viewer, Action.MANAGE_PEOPLE, site.pk) else None


def _closure_link(closure, event, viewer) -> str | None:
    return _site_link(closure.site, event, viewer)


def _identifier_link(identifier, event, viewer) -> str | None:
    if not can(viewer, Action.MANAGE_PEOPLE, identifier.site_id):
        return None
    return reverse(
        "identifier_edit", kwargs={"site_code": identifier.site.code, "pk": identifier.pk}
    )


def _no_link(obj, event, viewer) -> None:
    return None


def _weekdays(days) -> str:
    if not isinstance(days, list):
        return str(days)
    return ", ".join(WEEKDAYS[d] if isinstance(d, int) and 0 <= d < 7 else str(d) for d in days)


def register_core_names() -> None:
    register(
        User,
        prefetch=(Prefetch("memberships", queryset=SiteMembership.objects.select_related("site")),),
        name=lambda person: person.display_name,
        link=_person_link,
        forms=(PersonDetailsForm, InviteForm),
    )
    register(
        SiteMembership,
        related=("user", "site"),
        name=lambda m: f"{m.user.display_name}: {m.get_role_display()} at {m.site.code}",
        link=_membership_link,
        forms=(MembershipForm, InviteForm),
    )
    register(
        Site,
        name=str,
        as_value=lambda site: site.code,
        link=_site_link,
        forms=(SiteSettingsForm,),
        values={"clinical_days": _weekdays},
    )
    register(
        SiteClosure,
        related=("site",),
        name=lambda c: f"Closure of {c.site.code} on {c.date:%Y-%m-%d}",
        link=_closure_link,
        forms=(ClosureForm,),
    )
    register(
        SiteIdentifier,
        related=("site",),
        name=lambda i: f"{i.get_kind_display()} {i.number} of {i.site.code}",
        link=_identifier_link,
        forms=(IdentifierForm,),
    )
    register(
        Signature,
        name=lambda s: f"Signature of {s.printed_name}: {s.get_meaning_display()}",
        link=_no_link,
    )
    register(
        PolicyAcknowledgement,
        related=("user",),
        name=lambda a: (
            f"E-signature policy {a.policy_version} acknowledged by {a.user.display_name}"
        ),
        link=_no_link,
    )
    register(ContentType, name=lambda ct: capfirst(ct.name), link=_no_link)
    # Every versioned record type: a pointer at a version reads as its number, never its pk.
    register(RecordVersion, as_value=lambda version: f"version {version.number}")
