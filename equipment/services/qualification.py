"""The qualification gate on signing work: equipment asks training, training never asks back.

Signing a service record as its performer, for equipment of modality M, needs the signer's
current training for every course the site requires for M
(`training.selectors.qualifications.missing_qualifications`). The site's setting chooses what a
gap does: block the signature, naming the missing course, or allow it and send the record to
review with the reason stored on it (`ServiceRecord.qualification_review`).
"""

from datetime import datetime

from django.core.exceptions import ValidationError

from imaging_ops.vocabulary import QualificationGate
from training.selectors.qualifications import missing_message, missing_qualifications


def qualification_gap(*, signer, equipment, now: datetime) -> str:
    """'' when the signer holds every course required for the equipment's modalities; else
    ValidationError (the site blocks) or the reason the record goes to review (it allows)."""
    if signer.is_superuser:
        return ""
    site = equipment.site
    on = site.today(now)
    missing = {}
    for modality in equipment.modalities or ():
        for course in missing_qualifications(signer, site=site, modality=modality, on=on):
            missing.setdefault(course.pk, course)
    if not missing:
        return ""
    courses = sorted(missing.values(), key=lambda course: course.code)
    modalities = ", ".join(equipment.modalities)
    message = missing_message(courses, what=f"to sign {modalities} work at {site.code}")
    if site.qualification_gate == QualificationGate.BLOCK:
        raise ValidationError({"signature": message})
    return f"{message} Signed without it; sent to review."
