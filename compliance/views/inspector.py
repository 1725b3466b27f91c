"""The inspector portal: the inspector's home (find a machine by asset tag, serial number or
QR address; their sites and the day access ends; the latest logs to download), and the page
where a site's managers read what its inspectors looked at and downloaded, with its CSV.

The machine pages an inspector opens are the equipment app's own, read-only to them by the
permission matrix; every page they read is an audit event (imaging_ops.audit.viewing).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from compliance.forms.inspector import EquipmentSearchForm, InspectorActivityForm
from compliance.selectors.inspector import (
    find_equipment,
    inspector_activity,
    inspector_sites,
    latest_logs,
    latest_packs,
    managed_site_ids,
)
from imaging_ops.access.permissions import ALL_SITES
from imaging_ops.audit.readable import readable_batches, readable_events
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.csv_export import csv_lines
from imaging_ops.sites.local_time import local_time_text

ACTIVITY_PAGE_SIZE = 50


def inspector_home(request):
    """The inspector's home page (imaging_ops.home dispatches to it)."""
    user, now = request.user, timezone.now()
    form = EquipmentSearchForm(request.GET)
    context = {"form": form, "searched": False, "found": [], "more_found": False}
    status = 200
    if form.is_valid():
        text = form.cleaned_data["q"]
        if text:
            context["found"], context["more_found"] = find_equipment(user, text)
            context["searched"] = True
            context["search_text"] = text
    else:
        status = 400
    logs, packs = latest_logs(user), latest_packs(user)
    for log in [*logs, *packs]:
        log.generated_text = local_time_text(log.generated_at, log.site.zone)
    context["access"] = inspector_sites(user, now=now)
    context["logs"] = logs
    context["packs"] = packs
    return render(request, "home/inspector.html", context, status=status)


# --- what inspectors did, for the managers of their sites -----------------------------------


def _managed_or_refuse(user):
    site_ids = managed_site_ids(user)
    if not site_ids:
        raise PermissionDenied("The inspector activity page is for the managers of a site.")
    return site_ids


def _activity(request):
    """(form, events) of the page's filters; events are None when the filters are refused."""
    site_ids = _managed_or_refuse(request.user)
    form = InspectorActivityForm(request.GET or None, site_ids=site_ids)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    start, end = form.bounds() if form.is_bound else (None, None)
    events = inspector_activity(
        site_ids,
        inspector=data.get("inspector"),
        site=data.get("site"),
        start=start,
        end=end,
    )
    return form, events


def _rows(entries):
    """The page's and the CSV's rows: who, when (site time), what, and the address."""
    for entry in entries:
        event = entry.event
        changes = event.changes or {}
        yield {
            "entry": entry,
            "path": changes.get("path", ""),
            "what": entry.record,
            "what_url": entry.record_url,
        }


@login_required
def inspector_activity_view(request):
    """Newest first, 50 a page, paged by sequence number (`?before=<seq>`)."""
    form, events = _activity(request)
    context = {"form": form, "rows": [], "next_query": None}
    if events is None:
        return render(request, "compliance/inspector_activity.html", context, status=400)
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit():
        events = events.filter(seq__lt=int(before))
    page = list(events[: ACTIVITY_PAGE_SIZE + 1])
    has_more = len(page) > ACTIVITY_PAGE_SIZE
    page = page[:ACTIVITY_PAGE_SIZE]
    context["rows"] = list(_rows(readable_events(page, viewer=request.user)))
    if has_more:
        query = request.GET.copy()
        query["before"] = page[-1].seq
        context["next_query"] = query.urlencode()
    export = request.GET.copy()
    export.pop("before", None)
    context["export_query"] = export.urlencode()
    return render(request, "compliance/inspector_activity.html", context)


ACTIVITY_CSV_HEADER = [
    "seq",
    "at (UTC)",
    "time (site time zone)",
    "site",
    "inspector",
    "action",
    "record type",
    "record",
    "address",
    "page",
]


@login_required
def inspector_activity_export(request):
    """The filtered activity as CSV, every row, streamed; the export is an audit event."""
    form, events = _activity(request)
    if events is None:
        context = {"form": form, "rows": [], "next_query": None}
        return render(request, "compliance/inspector_activity.html", context, status=400)
    chosen = form.cleaned_data.get("site") if form.is_bound else None
    if chosen is not None:
        site_ids = [chosen.pk]
    elif form.site_ids is ALL_SITES:
        site_ids = [None]
    else:
        site_ids = sorted(form.site_ids)
    # One event per site exported, so each site's auditors see that its activity left.
    filters = {k: v for k, v in request.GET.items() if v}
    with regulated_transaction():
        for site_id in site_ids:
            record_event(
                AuditAction.EXPORT,
                object_type="inspector activity",
                site_id=site_id,
                changes={"filters": filters},
            )
    stream = readable_batches(events.iterator(chunk_size=2000), viewer=request.user)
    rows = (_csv_row(row) for row in _rows(stream))
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(csv_lines(ACTIVITY_CSV_HEADER, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="inspector-activity-{stamp}.csv"'
    return response


def _csv_row(row) -> tuple:
    entry = row["entry"]
    event = entry.event
    return (
        event.seq,
        event.at.isoformat(),
        entry.when,
        entry.site_code,
        entry.actor,
        entry.action,
        entry.record_type,
        row["what"],
        row["path"],
        (event.changes or {}).get("page", ""),
    )
