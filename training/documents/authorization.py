"""The authorization list of an area class as a PDF to post at the door: who holds every
course the site requires to enter it, current on the day, and until when."""

import io

from imaging_ops.pdf import FONT, FONT_BOLD, LETTER, MUTED, ellipsize, inch, new_canvas, wrap


def build_authorization_pdf(*, site, area_label: str, on, required, people) -> bytes:
    buffer = io.BytesIO()
    width, height = LETTER
    title = f"Authorized to enter: {area_label}"
    canvas = new_canvas(buffer, pagesize=LETTER, title=f"{title} · {site.code}")
    left, right = 0.75 * inch, width - 0.75 * inch
    text_width = right - left

    def header() -> float:
        y = height - 0.9 * inch
        canvas.setFont(FONT_BOLD, 20)
        canvas.drawString(left, y, ellipsize(title, FONT_BOLD, 20, text_width))
        y -= 22
        canvas.setFont(FONT, 11)
        canvas.setFillColor(MUTED)
        canvas.drawString(left, y, f"{site.name} ({site.code}) · on {on:%Y-%m-%d}")
        canvas.setFillColorRGB(0, 0, 0)
        y -= 18
        courses = "; ".join(f"{c.code} ({c.title})" for c in required)
        for line in wrap(f"Required current training: {courses}.", FONT, 10, text_width):
            canvas.setFont(FONT, 10)
            canvas.drawString(left, y, line)
            y -= 13
        y -= 8
        canvas.setFont(FONT_BOLD, 11)
        canvas.drawString(left, y, "Name")
        canvas.drawString(left + 3.6 * inch, y, "Credentials")
        canvas.drawString(left + 5.4 * inch, y, "Authorized until")
        return y - 16

    y = header()
    if not people:
        canvas.setFont(FONT, 11)
        canvas.drawString(left, y, "Nobody holds the required training today.")
    for person in people:
        if y < inch:
            canvas.showPage()
            y = header()
        canvas.setFont(FONT, 11)
        canvas.drawString(
            left, y, ellipsize(str(person.full_name or person.username), FONT, 11, 3.4 * inch)
        )
        canvas.drawString(left + 3.6 * inch, y, ellipsize(person.credentials, FONT, 11, 1.7 * inch))
        until = person.authorized_until
        canvas.drawString(left + 5.4 * inch, y, f"{until:%Y-%m-%d}" if until else "No expiry")
        y -= 15
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
