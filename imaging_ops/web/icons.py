"""The site icon at the address browsers ask for on their own, before any page names it."""

from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = "img/favicon.ico"


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request):
    """/favicon.ico: public, cached for a week. Pages also link it (and a touch icon) by their
    static address; this answers browsers and PDF viewers that ask the root."""
    path = finders.find(FAVICON)
    if path is None:  # a broken deployment, not a user's error
        raise Http404("The site icon is missing from the static files.")
    return FileResponse(open(path, "rb"), content_type="image/x-icon")
