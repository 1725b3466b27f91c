"""Each scoped model's path to its site, and following it: plain attribute walks, no queries
of their own and no models imported, so the audit trail's writer can name an event's site
without importing the scoping module (which reads memberships)."""

from django.db.models import Model


def scope_lookup(model: type[Model]) -> str:
    path = getattr(model, "scope_path", None)
    if path is None:
        raise TypeError(f"{model.__name__} declares no scope_path and cannot be scoped")
    return "pk" if path == "pk" else f"{path}_id"


def site_id_of(obj) -> int:
    """The primary key of the site an object belongs to."""
    path = obj.scope_path
    if path == "pk":
        return obj.pk
    target = obj
    parts = path.split("__")
    for part in parts[:-1]:
        target = getattr(target, part)
    return getattr(target, f"{parts[-1]}_id")
