"""`{% band_line row %}`: a check's band as an SVG number line (`equipment.band_line`), drawn
here in Python rather than by a template loop: the record form draws one per check, and the
template's tags cost more than the rest of the check. `row` is anything with the check (`check`,
for its name), its `line` and a `dom_id`. The picture is labelled by its title and by its
description in words, which a screen reader reads in its place; the limits are listed as text
beside it too."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

INK = "#212529"


@register.simple_tag
def band_line(row):
    line = row.line
    if line is None:
        return ""
    dom_id, y = row.dom_id, line.line_y
    zones = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="10" fill="{}"/>{}',
        (
            (
                zone.x1,
                y - 5,
                zone.width,
                zone.colour,
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
                    zone.centre,
                    line.zone_label_y,
                    INK,
                    zone.label,
                )
                if zone.show_label
                else "",
            )
            for zone in line.zones
        ),
    )
    marks = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{5}" stroke-width="1.5"/>'
        '<circle cx="{0}" cy="{3}" r="5.5" fill="{4}" stroke="{5}" stroke-width="2"/>'
        '<text x="{6}" y="{7}" text-anchor="middle" fill="{5}">{8}</text>',
        (
            (
                mark.x,
                y - 11,
                y + 11,
                y,
                INK if mark.inclusive else "#ffffff",
                INK,
                mark.label_x,
                mark.label_y,
                mark.text,
            )
            for mark in line.marks
        ),
    )
    return format_html(
        '<svg class="band-line d-block" xmlns="http://www.w3.org/2000/svg" viewBox="{}" '
        'width="100%" style="max-width: {}px" preserveAspectRatio="xMinYMin meet" role="img" '
        'aria-labelledby="{}-title {}-desc" '
        "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" "
        'font-size="{}">'
        '<title id="{}-title">Limits of {}</title><desc id="{}-desc">{}</desc>'
        '<polygon points="{}" fill="{}"/><polygon points="{}" fill="{}"/>{}{}</svg>',
        line.view_box,
        line.width,
        dom_id,
        dom_id,
        line.font_size,
        dom_id,
        row.check.name,
        dom_id,
        line.description,
        line.arrow_left,
        line.left_colour,
        line.arrow_right,
        line.right_colour,
        mark_safe(zones),  # noqa: S308 - built by format_html_join above, every part escaped
        mark_safe(marks),  # noqa: S308 - likewise
    )
