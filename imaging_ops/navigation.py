"""Template context for the navigation bar: which sections this person may open."""

from .permissions import Action, sites_where


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "may_search_audit": user.is_superuser or bool(sites_where(user, Action.SEARCH_AUDIT)),
    }
