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


def _choices(form_field):
    """A field's (value, label) pairs; a model field's from its queryset as evaluated (the
    page's "is there any" already read it), not by a second query as its iterator would."""
    if not isinstance(form_field, forms.ModelChoiceField):
        return form_field.choices
    pairs = (
        (form_field.prepare_value(obj), form_field.label_from_instance(obj))
        for obj in form_field.queryset
    )
    if form_field.empty_label is not None:
        return [("", form_field.empty_label), *pairs]
    return pairs


@register.simple_tag
def checkbox_choices(field):
    """A checkbox list's options, drawn here rather than by an include per option, and from the
    field's choices rather than its subwidgets (Django builds a dictionary of attributes for each
    of those): a site's instruments are often a hundred. The markup is the subwidgets'."""
    invalid = " is-invalid" if field.errors else ""
    widget = field.field.widget
    value = field.value()
    if value is None or value == "":
        value = []
    elif not isinstance(value, list | tuple | set):
        value = [value]
    chosen = {str(v) for v in value}
    shared = _attrs(field.build_widget_attrs(dict(widget.attrs), widget))
    name, auto_id = field.html_name, field.auto_id
    rows = []
    for index, (choice, label) in enumerate(_choices(field.field)):
        option_id = f"{auto_id}_{index}" if auto_id else ""
        text = str(choice)
        rows.append(
            format_html(
                '<div class="form-check"><input type="checkbox" name="{}" value="{}" id="{}" '
                'class="form-check-input{}"{}{}><label class="form-check-label" for="{}">{}'
                "</label></div>",
                name,
                text,
                option_id,
                invalid,
                shared,
                " checked" if text in chosen else "",
                option_id,
                label,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every part above is escaped by format_html


def _empty_label(form_field) -> str:
    """What the empty choice of a model select reads: its own label, or a word for the
    default dashes (choose one of a required field; none of an optional one)."""
    label = form_field.empty_label
    if label != "---------":
        return label
    return "Choose…" if form_field.required else "— none —"


@register.simple_tag
def select_options(field):
    """A select's options, drawn here rather than by the template (a site list, a procedure
    list): the one whose value is the field's is selected; groups of choices are optgroups."""
    current = str(field.value())
    form_field = field.field
    empty = getattr(form_field, "empty_label", None)

    def option(value, label) -> str:
        text = str(value)
        if text == "" and empty:
            label = _empty_label(form_field)
        selected = " selected" if text == current else ""
        return format_html('<option value="{}"{}>{}</option>', text, selected, label)

    parts = []
    for value, label in _choices(form_field):
        if isinstance(label, list | tuple):
            inner = "".join(option(v, text) for v, text in label)
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', value, mark_safe(inner)))  # noqa: S308
        else:
            parts.append(option(value, label))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped by format_html


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
