"""The outside documents of the demo's history, as their senders would have sent them: the
consulting physicist's survey report and the calibration laboratory's certificate, small PDFs
drawn with ReportLab. They are attached to their records through the attachment service like
any upload, so their SHA-256 is part of what the countersignature signs.

Drawn with ReportLab's invariant mode (no creation time, a fixed document id): the same facts
give the same file, byte for byte.
"""

import io
from dataclasses import dataclass
from datetime import date

from django.core.files.base import ContentFile
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

FONT, BOLD = "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True)
class Sender:
    """An outside organisation and the person who signs its documents."""

    organisation: str
    address: str
    person: str
    credentials: str


def _page(title: str, sender: Sender, lines: list[tuple[str, str]], closing: list[str]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(sender.organisation)
    y = LETTER[1] - inch
    canvas.setFont(BOLD, 14)
    canvas.drawString(inch, y, sender.organisation)
    canvas.setFont(FONT, 9)
    canvas.drawString(inch, y - 14, sender.address)
    y -= 48
    canvas.setFont(BOLD, 13)
    canvas.drawString(inch, y, title)
    y -= 28
    for label, value in lines:
        canvas.setFont(BOLD, 10)
        canvas.drawString(inch, y, label)
        canvas.setFont(FONT, 10)
        canvas.drawString(inch + 2.4 * inch, y, value)
        y -= 16
    y -= 12
    canvas.setFont(FONT, 10)
    for line in closing:
        canvas.drawString(inch, y, line)
        y -= 15
    y -= 24
    canvas.line(inch, y, inch + 3 * inch, y)
    canvas.drawString(inch, y - 14, f"{sender.person}, {sender.credentials}")
    canvas.setFont(FONT, 8)
    canvas.drawString(inch, 0.6 * inch, f"{sender.organisation} · {title} · page 1 of 1")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def survey_report(
    *, sender: Sender, equipment, surveyed_on: date, reported_on: date, results: list
) -> ContentFile:
    """The physicist's annual survey report of one unit: its results and signature."""
    lines = [
        ("Facility", equipment.site.name),
        ("Unit", f"{equipment.asset_tag} — {equipment.manufacturer} {equipment.model}"),
        ("Serial number", equipment.serial_number),
        ("Survey date", f"{surveyed_on:%Y-%m-%d}"),
        ("Report date", f"{reported_on:%Y-%m-%d}"),
        *results,
    ]
    closing = [
        "All tests meet the requirements of 21 CFR 900.12(e). The facility's QC records and",
        "corrective actions since the last survey were reviewed. No assistants took part.",
    ]
    data = _page("Mammography annual physics survey (MQSA)", sender, lines, closing)
    return ContentFile(data, name=f"mqsa-survey-{equipment.asset_tag}-{surveyed_on:%Y%m%d}.pdf")


def calibration_certificate(
    *, sender: Sender, equipment, number: str, calibrated_on: date, due_on: date, results: list
) -> ContentFile:
    """The laboratory's certificate of calibration of one instrument, as found and as left."""
    lines = [
        ("Certificate", number),
        ("Customer", equipment.site.name),
        ("Instrument", f"{equipment.manufacturer} {equipment.model}"),
        ("Serial number", equipment.serial_number),
        ("Calibrated on", f"{calibrated_on:%Y-%m-%d}"),
        ("Calibration due", f"{due_on:%Y-%m-%d}"),
        *results,
    ]
    closing = [
        "Calibrated on each scale used against sources traceable to NIST. Within ±20 % on every",
        "scale as found and as left (10 CFR 35.61). Calibration date labelled on the instrument.",
    ]
    data = _page("Certificate of calibration", sender, lines, closing)
    return ContentFile(data, name=f"calibration-{equipment.asset_tag}-{calibrated_on:%Y%m%d}.pdf")
