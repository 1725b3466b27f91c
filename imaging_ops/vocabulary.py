"""The shared vocabulary every app speaks: modalities, area classes and roles."""

from django.db import models


class Modality(models.TextChoices):
    """DICOM modality codes of the equipment Imaging Ops keeps records for."""

    CT = "CT", "CT"
    MR = "MR", "MR"
    CR = "CR", "Computed radiography (CR)"
    DX = "DX", "Digital radiography (DX)"
    RF = "RF", "Fluoroscopy (RF)"
    XA = "XA", "Angiography (XA)"
    MG = "MG", "Mammography (MG)"
    US = "US", "Ultrasound (US)"
    NM = "NM", "Nuclear medicine (NM)"
    PT = "PT", "PET (PT)"
    BMD = "BMD", "Bone densitometry (BMD)"


class AreaClass(models.TextChoices):
    UNRESTRICTED = "unrestricted", "Unrestricted"
    CONTROLLED = "controlled", "Controlled"
    RESTRICTED = "restricted", "Restricted (radioactive material)"
    MRI_ZONE_I = "mri_zone_1", "MRI zone I"
    MRI_ZONE_II = "mri_zone_2", "MRI zone II"
    MRI_ZONE_III = "mri_zone_3", "MRI zone III"
    MRI_ZONE_IV = "mri_zone_4", "MRI zone IV"


class Role(models.TextChoices):
    TECHNICIAN = "technician", "Technician"
    PHYSICIST = "physicist", "Physicist"
    RSO = "rso", "Radiation safety officer"
    MANAGER = "manager", "Manager"
    INSPECTOR = "inspector", "Inspector"


# The roles that are given work at a site: inspectors read, they are given none.
ASSIGNABLE_ROLES = tuple(role for role in Role.values if role != Role.INSPECTOR)


class IdentifierKind(models.TextChoices):
    RADIOACTIVE_MATERIALS_LICENCE = "rml", "Radioactive materials licence"
    XRAY_REGISTRATION = "xray", "X-ray registration"
    MQSA_CERTIFICATE = "mqsa", "MQSA certificate"
    ACCREDITATION = "accreditation", "Accreditation"


class QualificationGate(models.TextChoices):
    """What signing work for a modality does when the signer's training for it is not current."""

    BLOCK = "block", "Block the signature, naming the missing course"
    REVIEW = "review", "Allow it and send the record to review"
