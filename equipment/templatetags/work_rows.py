"""`{% work_rows rows %}`: the rows of "My work" (`equipment.selectors.work.WorkRow`), drawn here
in Python rather than by an include per row, which cost more than the rest of the page. Each row
is one tap target that opens where the work is recorded: the record form, which comes back to
"My work" once the record is saved."""

from django import template
from django.urls import reverse
from django.utils.html import format_html_join

register = template.Library()

BADGES = {
    "overdue": "text-bg-danger",
    "past_hard_limit": "text-bg-danger",
    "due": "text-bg-warning",
    "open": "text-bg-info",
}


def _when(row) -> str:
    daily = "Today\u2019s occurrence · " if row.daily else ""
    was = "due" if row.status == "open" else "was due"
    today = "today, " if row.due_today else ""
    return f"{daily}{was} {today}{row.due}"


def _where(equipment) -> str:
    parts = [equipment.name, equipment.site.code]
    if equipment.location is not None:
        parts.append(str(equipment.location))
    return " · ".join(parts)


@register.simple_tag
def work_rows(rows):
    home = reverse("home")
    return format_html_join(
        "\n",
        '<a class="list-group-item list-group-item-action d-flex gap-3 align-items-center py-3 '
        'work-row" href="{}?next={}" id="work-{}"><span class="flex-grow-1"><strong>{}</strong>'
        ' · {}<span class="d-block">{}</span><span class="meta d-block">{}</span>'
        '<span class="meta d-block">{}</span></span>'
        '<span class="badge flex-shrink-0 {}">{}</span></a>',
        (
            (
                reverse("equipment:record_new", args=[s.pk]),
                home,
                s.pk,
                s.equipment.asset_tag,
                s.procedure.code,
                s.procedure.current_version.name,
                _when(row),
                _where(s.equipment),
                BADGES.get(row.status, "text-bg-light"),
                row.status_label,
            )
            for row in rows
            for s in (row.schedule,)
        ),
    )
