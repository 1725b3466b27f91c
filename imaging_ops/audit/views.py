"""The audit trail in the browser: search, history, CSV export and the chain head."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.audit.readable import readable_batches, readable_events
from imaging_ops.audit.selectors import audit_events_for, chain_head
from imaging_ops.audit.trail import AuditAction, record_event, regulated_transaction
from imaging_ops.csv_export import csv_lines
from imaging_ops.filters import AuditEventFilter

PAGE_SIZE = 50
CSV_HEADER = [
    "seq",
    "at (UTC)",
    "site",
    "actor",
    "action",
    "object type",
    "object id",
    "changes",
    "reason",
    "address",
    "request id",
    "hash",
    # Readable columns beside the stored ones, as the pages show them.
    "time (site time zone)",
    "time zone",
    "person",
    "action (readable)",
    "record type",
    "record",
    "changes (readable)",
]


def _require_audit_search(user) -> None:
    if not sites_where(user, Action.SEARCH_AUDIT):
        raise PermissionDenied("You are not allowed to search the audit trail.")


def _filtered(request) -> AuditEventFilter:
    _require_audit_search(request.user)
    return AuditEventFilter(request.GET, queryset=audit_events_for(request.user), request=request)


def _page_context(request, events_filter, page) -> dict:
    return {
        "filter": events_filter,
        "events": page,
        "entries": readable_events(page, viewer=request.user),
        "day_basis": events_filter.day_basis,
        "head": chain_head(),
        # The command line is for system administrators; everyone sees the head itself.
        "show_verify_hint": request.user.is_superuser,
    }


@login_required
def audit_search(request):
    """Newest events first, 50 a page, paged by sequence number (`?before=<seq>`)."""
    events_filter = _filtered(request)
    events = events_filter.qs if events_filter.is_valid() else events_filter.queryset.none()
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit():  # "²" is a digit to str.isdigit, not to int()
        events = events.filter(seq__lt=int(before))
    page = list(events[: PAGE_SIZE + 1])
    has_more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("before", None)
    if has_more:
        query["before"] = page[-1].seq
    context = _page_context(request, events_filter, page)
    context["next_query"] = query.urlencode() if has_more else None
    return render(request, "audit/search.html", context)


@login_required
def audit_export(request):
    """The filtered events as CSV; the export itself is an audit event."""
    events_filter = _filtered(request)
    if not events_filter.is_valid():
        return render(
            request, "audit/search.html", _page_context(request, events_filter, []), status=400
        )
    filters = {k: v for k, v in request.GET.items() if v}
    chosen = events_filter.form.cleaned_data.get("site")
    searched = sites_where(request.user, Action.SEARCH_AUDIT)
    if chosen is not None:
        site_ids = [chosen.pk]
    elif searched is ALL_SITES:
        site_ids = [None]
    else:
        site_ids = sorted(searched)
    # One event per site searched, so each site's auditors see that its trail was exported.
    with regulated_transaction():
        for site_id in site_ids:
            record_event(
                AuditAction.EXPORT,
                object_type="audit trail",
                site_id=site_id,
                changes={"filters": filters},
            )
    events = events_filter.qs.iterator(chunk_size=2000)
    rows = (_csv_row(entry) for entry in readable_batches(events, viewer=request.user))
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(csv_lines(CSV_HEADER, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response


def _csv_row(entry) -> tuple:
    """The stored columns as before, then the same event as the pages show it."""
    e = entry.event
    return (
        e.seq,
        e.at.isoformat(),
        entry.site_code,
        e.actor_name,
        e.action,
        e.object_type,
        e.object_id,
        json.dumps(e.changes, sort_keys=True, ensure_ascii=False),
        e.reason,
        e.address or "",
        e.request_id,
        e.hash,
        entry.when,
        entry.time_zone,
        entry.actor,
        entry.action,
        entry.record_type,
        entry.record,
        entry.changes_text(),
    )
