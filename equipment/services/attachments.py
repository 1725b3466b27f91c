"""Files attached to a service record: which are accepted, how large, and their fingerprint.

A record accepts PDF, PNG, JPEG and CSV files up to `RECORD_ATTACHMENT_MAX_MB`, judged by their
first bytes as well as their name, so a renamed executable is refused. Each file's SHA-256 goes
into the record version's signed content. Files are served only through the record's scoped
attachment view, never from a public media address.
"""

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings

from imaging_ops.text import has_bidi_controls

PATIENT_WARNING = (
    "Attach service reports, certificates and phantom images only: no patient names, record "
    "numbers or patient images. Remove or black out any patient identifier before uploading."
)
KINDS = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".csv": ("text/csv", ()),
}
MAX_FILES = 10
MAX_NAME = 200


class AttachmentError(ValueError):
    """A file the record refuses; the message names the file and why."""


@dataclass(frozen=True)
class Upload:
    name: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def max_bytes() -> int:
    return settings.RECORD_ATTACHMENT_MAX_MB * 1024 * 1024


def read_upload(upload) -> Upload:
    """The file checked and fingerprinted, or AttachmentError saying what is wrong with it."""
    name = PurePath(getattr(upload, "name", "") or "file").name.strip()
    controls = any(ord(char) < 32 or ord(char) == 127 for char in name)
    if controls or has_bidi_controls(name) or len(name) > MAX_NAME:
        raise AttachmentError(f"Rename the file “{name[:40]}”: its name is too long or unusual.")
    suffix = PurePath(name).suffix.lower()
    if suffix not in KINDS:
        raise AttachmentError(
            f"“{name}” is not a PDF, PNG, JPEG or CSV file; only those can be attached."
        )
    limit = max_bytes()
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise AttachmentError(
            f"“{name}” is larger than {settings.RECORD_ATTACHMENT_MAX_MB} MB; attach a smaller "
            "file or a scan at lower resolution."
        )
    if not data:
        raise AttachmentError(f"“{name}” is empty.")
    content_type, signatures = KINDS[suffix]
    if signatures and not data.startswith(signatures):
        raise AttachmentError(f"“{name}” is not really a {suffix[1:].upper()} file.")
    if not signatures and (b"\x00" in data or not _is_text(data)):
        raise AttachmentError(f"“{name}” is not a text CSV file.")
    return Upload(name, content_type, len(data), hashlib.sha256(data).hexdigest(), data)


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True
