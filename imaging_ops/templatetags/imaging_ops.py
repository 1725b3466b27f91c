from django import forms, template

from imaging_ops.audit.readable import readable_events

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (None drops one), for pagination,
    sorting and filter links."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def widget_kind(bound_field) -> str:
    """How includes/field.html draws a field. Django names a widget's type after its class, so
    a checkbox subclass (one that also reads "yes" through the API) would be drawn as a text
    box; any checkbox is drawn as a checkbox."""
    if isinstance(bound_field.field.widget, forms.CheckboxInput):
        return "checkbox"
    return bound_field.widget_type


STATUS_BADGES = {
    "awaiting_acceptance": "text-bg-info",
    "in_service": "text-bg-success",
    "out_of_service": "text-bg-danger",
    "retired": "text-bg-secondary",
    "disposed": "text-bg-dark",
}


@register.inclusion_tag("includes/status_badge.html")
def status_badge(status: str, label: str):
    return {"label": label, "css": STATUS_BADGES.get(status, "text-bg-light")}


@register.simple_tag(takes_context=True)
def readable_audit(context, events):
    """A record's audit history as people read it, for the person viewing the page."""
    return readable_events(events, viewer=context["request"].user)
