"""What the inspector portal reads: the inspector's sites with the day their access ends, the
equipment they look for (by asset tag, serial number or a scanned QR address), the latest logs
issued at their sites; and, for managers, what their sites' inspectors looked at and downloaded.

Each is a constant number of queries, whatever the number of machines, logs or events.
"""

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from compliance.models import PACK_KINDS, RegulatoryLog
from compliance.models.logs import DOWNLOADABLE
from compliance.selectors.issued_logs import issued_logs
from equipment.models import Equipment
from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.access.scoping import scope
from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent, Site, SiteMembership, User
from imaging_ops.vocabulary import Role

FOUND_AT_MOST = 20
LATEST_LOGS = 10
# Access ending within this many days is said on the inspector's home.
ENDING_SOON_DAYS = 7
# The address a QR label holds: .../e/<site code>/<asset tag>/
QR_ADDRESS = re.compile(r"/e/(?P<site>[^/]+)/(?P<tag>.+?)/?$")


@dataclass(frozen=True)
class InspectorSite:
    site: Site
    expires_on: dt.date
    days_left: int  # 0 on the last day

    @property
    def ending_text(self) -> str:
        """ "ends today", "ends tomorrow", "ends in 3 days"; empty when it ends later."""
        if self.days_left == 0:
            return "ends today"
        if self.days_left == 1:
            return "ends tomorrow"
        if self.days_left <= ENDING_SOON_DAYS:
            return f"ends in {self.days_left} days"
        return ""


def inspector_sites(user, *, now: dt.datetime) -> list[InspectorSite]:
    """The person's inspector roles in force, by site code, with the last day of each (counted
    in the site's own calendar): one query."""
    rows = (
        SiteMembership.objects.filter(user=user, role=Role.INSPECTOR, is_active=True)
        .select_related("site")
        .order_by("site__code", "expires_on")
    )
    found: dict[int, InspectorSite] = {}
    for row in rows:
        if not row.in_force_at(now) or row.expires_on is None:
            continue
        days_left = (row.expires_on - row.site.today(now)).days
        kept = found.get(row.site_id)
        if kept is None or kept.expires_on < row.expires_on:
            found[row.site_id] = InspectorSite(row.site, row.expires_on, days_left)
    return list(found.values())


def _qr_target(text: str) -> tuple[str, str] | None:
    """(site code, asset tag) of a QR label's address pasted or scanned into the search."""
    if "/e/" not in text:
        return None
    match = QR_ADDRESS.search(urlparse(text).path or text)
    if match is None:
        return None
    return unquote(match["site"]), unquote(match["tag"])


def find_equipment(user, text: str) -> tuple[list[Equipment], bool]:
    """The machines at the person's sites whose asset tag or serial number holds `text`
    (ignoring case), exact matches first; a QR label's address finds its one machine.
    Returns at most FOUND_AT_MOST machines and whether there were more: one query."""
    text = text.strip()
    machines = scope(Equipment.objects.select_related("site", "location"), user)
    qr = _qr_target(text)
    if qr is not None:
        site_code, tag = qr
        machines = machines.filter(site__code__iexact=site_code, asset_tag__iexact=tag)
    else:
        machines = machines.filter(
            Q(asset_tag__icontains=text) | Q(serial_number__icontains=text)
        ).annotate(
            exact=Case(
                When(Q(asset_tag__iexact=text) | Q(serial_number__iexact=text), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        machines = machines.order_by("exact", "site__code", "asset_tag", "pk")
    found = list(machines[: FOUND_AT_MOST + 1])
    return found[:FOUND_AT_MOST], len(found) > FOUND_AT_MOST


def latest_packs(user, limit: int = LATEST_LOGS) -> list[RegulatoryLog]:
    """The newest inspection packs issued at the person's sites that can be downloaded: one
    query."""
    ready = scope(issued_logs(), user).filter(kind__in=PACK_KINDS, state__in=DOWNLOADABLE)
    return list(ready[:limit])


def latest_logs(user, limit: int = LATEST_LOGS) -> list[RegulatoryLog]:
    """The newest logs issued at the person's sites that can be downloaded: one query."""
    ready = scope(issued_logs(), user).filter(state__in=DOWNLOADABLE)
    return list(ready[:limit])


# --- what inspectors did, for the managers of their sites -----------------------------------

ACTIVITY_ACTIONS = (AuditAction.VIEW, AuditAction.EXPORT)


def managed_site_ids(user):
    """The sites whose inspectors' activity the person may read: those they manage."""
    return sites_where(user, Action.MANAGE_PEOPLE)


def inspectors_of(site_ids) -> QuerySet[User]:
    """Everyone who holds or held an inspector role at these sites, by name: their activity
    stays readable after their access ended."""
    held = SiteMembership.objects.filter(role=Role.INSPECTOR)
    if site_ids is not ALL_SITES:
        held = held.filter(site_id__in=site_ids)
    return User.objects.filter(pk__in=held.values("user_id")).order_by(
        "full_name", "last_name", "first_name", "username"
    )


def inspector_activity(
    site_ids,
    *,
    inspector: User | None = None,
    site: Site | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """The pages the inspectors of these sites read and the files they downloaded, newest
    first: events at these sites, and the pages of no one site (their home, a search across
    their sites) of those inspectors. `start` and `end` bound the moments, half-open."""
    people = inspectors_of(site_ids).values("pk")
    if inspector is not None:
        people = people.filter(pk=inspector.pk)
    events = AuditEvent.objects.filter(action__in=ACTIVITY_ACTIONS, actor_id__in=people)
    if site is not None:
        events = events.filter(site=site)
    elif site_ids is not ALL_SITES:
        events = events.filter(Q(site_id__in=site_ids) | Q(site__isnull=True))
    if start is not None:
        events = events.filter(at__gte=start)
    if end is not None:
        events = events.filter(at__lt=end)
    return events.select_related("site").order_by("-seq")
