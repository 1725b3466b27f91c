"""A training certificate as a one-page PDF (ReportLab): the person, the course, completed on,
expiry, the instructor, the signature manifestation that vouches for the record (the one
rendering of imaging_ops.records.signatures: the instructor's, or for imported past training
the importer's review of the evidence) and a verification code.

The verification code binds the certificate to the signed content: the record's id and the
first 12 hexadecimal digits of the instructor's signature hash. The record's page (at the
viewer's sites) recomputes the hash and says whether a code still matches what was signed.
"""

import io
from dataclasses import dataclass

from imaging_ops.models import Meaning
from imaging_ops.pdf import LETTER, MUTED, draw_qr, inch, new_canvas, unicode_fonts, wrap
from imaging_ops.records.signatures import signature_states


@dataclass(frozen=True)
class CertificateContent:
    person: str
    credentials: str
    course: str
    citation: str
    site: str
    completed_on: str
    expires_on: str
    instructor: str
    signature_label: str
    instructor_signature: str
    signature_valid: bool
    verification_code: str


def verification_code(record, state) -> str:
    return f"TR{record.pk}-{state.signature.content_hash[:12].upper()}"


def certificate_content(record) -> CertificateContent | None:
    """What the certificate says; None when no signature vouches for the record (no
    certificate for an unsigned, failed or voided record)."""
    version = record.current()
    if version is None or record.is_voided or not version.passed:
        return None
    vouching = [
        s for s in signature_states(version) if s.signature.meaning in record.vouching_meanings
    ]
    if not vouching:
        return None
    # The instructor's own signature first, when there is one.
    state = min(vouching, key=lambda s: s.signature.meaning != Meaning.PERFORMED)
    reviewed = state.signature.meaning != Meaning.PERFORMED
    return CertificateContent(
        person=record.person.full_name or record.person.username,
        credentials=record.person.credentials,
        course=f"{record.course.code} — {record.course.title}",
        citation=record.course.citation,
        site=record.site.name,
        completed_on=f"{version.completed_on:%Y-%m-%d}",
        expires_on=f"{version.expires_on:%Y-%m-%d}" if version.expires_on else "Does not expire",
        instructor=version.instructor_label,
        signature_label="Recorded from past training evidence, reviewed by:"
        if reviewed
        else "Instructor's signature:",
        instructor_signature=state.manifestation,
        signature_valid=state.valid,
        verification_code=verification_code(record, state),
    )


def build_certificate_pdf(content: CertificateContent, *, verify_url: str) -> bytes:
    # The embedded Unicode font: a person's name prints as typed, whatever its letters.
    FONT, FONT_BOLD = unicode_fonts()
    buffer = io.BytesIO()
    width, height = LETTER
    canvas = new_canvas(
        buffer, pagesize=LETTER, title=f"Training certificate {content.verification_code}"
    )
    left, text_width = inch, width - 2 * inch
    y = height - 1.5 * inch
    canvas.setFont(FONT_BOLD, 22)
    canvas.drawString(left, y, "Certificate of training")
    y -= 0.5 * inch
    canvas.setFont(FONT, 12)
    canvas.setFillColor(MUTED)
    canvas.drawString(left, y, content.site)
    canvas.setFillColorRGB(0, 0, 0)
    y -= 0.6 * inch
    lines = [
        ("This certifies that", FONT, 12),
        (
            f"{content.person}{', ' + content.credentials if content.credentials else ''}",
            FONT_BOLD,
            16,
        ),
        ("completed", FONT, 12),
        (content.course, FONT_BOLD, 14),
        (content.citation, FONT, 10),
        (f"Completed on {content.completed_on}. Expires on: {content.expires_on}.", FONT, 12),
        (f"Instructor: {content.instructor}", FONT, 12),
        (content.signature_label, FONT, 10),
        (content.instructor_signature, FONT, 11),
    ]
    for text, font, size in lines:
        for line in wrap(text, font, size, text_width) if text else []:
            canvas.setFont(font, size)
            canvas.drawString(left, y, line)
            y -= size * 1.5
        y -= 6
    if not content.signature_valid:
        canvas.setFont(FONT_BOLD, 11)
        canvas.drawString(
            left, y, "The record changed after it was signed: this signature no longer verifies."
        )
        y -= 18
    qr_size = 1.1 * inch
    draw_qr(canvas, verify_url, x=width - inch - qr_size, y=inch, size=qr_size)
    canvas.setFont(FONT, 10)
    canvas.drawString(left, inch + 0.4 * inch, f"Verification code: {content.verification_code}")
    canvas.setFillColor(MUTED)
    canvas.drawString(left, inch + 0.2 * inch, verify_url)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
