from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

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


# The widget attributes includes/field.html draws itself, not copied from the widget.
OWN_ATTRS = frozenset({"id", "class", "type", "cols", "aria-describedby", "aria-invalid"})


def _attrs(attrs: dict) -> str:
    """A widget's remaining attributes as HTML (what includes/widget_attrs.html draws)."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if name not in OWN_ATTRS and value is not False and value is not None
        ),
    )


@register.simple_tag
def checkbox_choices(field):
    """A checkbox list's options, drawn here rather than by an include per option: a site's
    instruments are often a hundred, and the includes cost more than the rest of the form."""
    invalid = " is-invalid" if field.errors else ""
    return mark_safe(  # noqa: S308 - every part below is escaped by format_html
        "".join(
            format_html(
                '<div class="form-check"><input type="checkbox" name="{}" value="{}" id="{}" '
                'class="form-check-input{}"{}><label class="form-check-label" for="{}">{}</label>'
                "</div>",
                field.html_name,
                choice.data["value"],
                choice.id_for_label,
                invalid,
                _attrs(choice.data["attrs"]),
                choice.id_for_label,
                choice.choice_label,
            )
            for choice in field
        )
    )


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
