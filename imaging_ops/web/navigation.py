"""Template context for the navigation bar: which sections this person may open."""

from imaging_ops.access.permissions import Action, sites_where

# URL names under each entry of the bar, to mark the entry of the current page.
PEOPLE_PAGES = (
    "people_index",
    "site_people",
    "invite_person",
    "person_at_site",
    "add_role",
    "update_membership",
    "deactivate_membership",
    "locked_accounts",
)
SITE_PAGES = (
    "site_settings_index",
    "site_settings",
    "add_closure",
    "identifier_create",
    "identifier_edit",
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    manages = bool(sites_where(user, Action.MANAGE_PEOPLE))
    return {
        "may_search_audit": bool(sites_where(user, Action.SEARCH_AUDIT)),
        # Managers: their sites' people and settings (imaging_ops.sites.services.SETTINGS_ACTION).
        "may_manage_people": manages,
        "may_manage_sites": manages,
        "may_edit_schedules": bool(sites_where(user, Action.EDIT_PROCEDURES)),
        "may_review_records": bool(sites_where(user, Action.REVIEW_RECORDS)),
        "people_pages": PEOPLE_PAGES,
        "site_pages": SITE_PAGES,
    }
