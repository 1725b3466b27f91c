"""What an inspector reads is an audit event: every page they open and every file they take.

A person whose roles in force are all inspector roles (`inspector_only`) leaves one event for
each request that reads something:

- a **page**: a successful GET answered with HTML, as a VIEW event. Static files, the API,
  htmx fragments (parts of a page already recorded: the bell's notifications, an equipment
  page's history and trends) and anything but a 200 are not pages read;
- a **download**: a successful GET answered with a file (a Content-Disposition, a PDF, a CSV),
  as an EXPORT event, unless its view wrote its own event already (a log's download is an
  EXPORT of the log, compliance.services.logs.record_log_download; the equipment CSV records
  its export).

The event names the object the page shows when its view says so (`viewed(request, obj)`, or a
detail view's `object`), its site (the object's, else the site the address names, else the
inspector's one site), and the address with its query (what they searched for).

One place writes it: `InspectorViewAuditMiddleware` (imaging_ops.web.middleware) calls
`record_inspector_read` once per request, one event chained like any other.
"""

from django.conf import settings
from django.db import models

from imaging_ops.access.authority import inspector_only, sites_in_force
from imaging_ops.audit.context import current_context
from imaging_ops.audit.trail import EVENTS_WRITTEN, AuditAction, describe, record_event

# The object type of an event whose page shows no one object (a list, a search, home), and of
# a file downloaded that names none.
PAGE = "page"
DOWNLOAD = "download"
# Addresses that are never a page read or a download here.
NOT_READS = ("/api/", "/favicon.ico")
FILE_TYPES = ("application/pdf", "text/csv", "text/calendar", "application/octet-stream")
LONGEST_PATH = 1000


def viewed(request, obj) -> None:
    """Say which object a page shows, for the audit event of an inspector's view of it."""
    request.audit_target = obj


def _read_ok(request, response) -> bool:
    if request.method != "GET" or response.status_code != 200:
        return False
    if request.headers.get("HX-Request") == "true":
        return False
    skipped = (settings.STATIC_URL or "/static/", settings.MEDIA_URL or "/media/", *NOT_READS)
    return not request.path.startswith(tuple(prefix for prefix in skipped if prefix != "/"))


def is_page_read(request, response) -> bool:
    """A successful GET of an HTML page, not a fragment, file or API answer."""
    if response.streaming or not _read_ok(request, response):
        return False
    return response.get("Content-Type", "").startswith("text/html")


def is_download(request, response) -> bool:
    """A successful GET answered with a file."""
    if not _read_ok(request, response):
        return False
    kind = response.get("Content-Type", "")
    return bool(response.get("Content-Disposition")) or kind.startswith(FILE_TYPES)


def record_inspector_read(request, response) -> str | None:
    """Record the inspector's view of this page, or download of this file, if it is one; the
    action written, or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if is_page_read(request, response):
        action = AuditAction.VIEW
    elif is_download(request, response) and not current_context().extra.get(EVENTS_WRITTEN):
        action = AuditAction.EXPORT
    else:
        return None
    if not inspector_only(user):
        return None
    target = _target(request, response)
    object_type = PAGE if action == AuditAction.VIEW else DOWNLOAD
    object_id, site_id = "", None
    if target is not None:
        object_type, object_id, site_id = _described(target)
    if site_id is None:
        site_id = _site_of_address(request, user)
    match = request.resolver_match
    changes = {
        "path": request.get_full_path()[:LONGEST_PATH],
        "page": match.view_name if match is not None else "",
    }
    if action == AuditAction.EXPORT:
        changes["file"] = response.get("Content-Disposition", "")[:LONGEST_PATH]
    record_event(
        action,
        object_type=object_type,
        object_id=object_id,
        site_id=site_id,
        changes=changes,
        actor=user,
    )
    return action


def _target(request, response) -> models.Model | None:
    target = getattr(request, "audit_target", None)
    if target is None:
        context = getattr(response, "context_data", None) or {}
        target = context.get("object")
    if isinstance(target, models.Model) and target.pk is not None:
        return target
    return None


def _described(target) -> tuple[str, str, int | None]:
    try:
        return describe(target)
    except AttributeError:  # a path to the site through an empty foreign key
        return target._meta.label_lower, str(target.pk), None


def _site_of_address(request, user) -> int | None:
    """The site the address names (`site_code` in the URL, `?site=<id>`) among the
    inspector's, else their only site; None when it says none of several."""
    sites = sites_in_force(user)
    match = request.resolver_match
    code = (match.kwargs.get("site_code") if match is not None else None) or ""
    for site_id, site in sites.items():
        if code and site.code.lower() == code.lower():
            return site_id
    asked = request.GET.get("site", "")
    if asked.isascii() and asked.isdigit() and int(asked) in sites:
        return int(asked)
    if len(sites) == 1:
        return next(iter(sites))
    return None
