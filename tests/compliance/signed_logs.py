"""What the signed-log tests share: a log issued and approved through the services, the file
as stored, and what poppler's pdfsig and pdftotext say of a PDF."""

import subprocess

from django.utils import timezone

from compliance.selectors.logs import loggable_equipment
from compliance.services.log_approval import approve_log
from compliance.services.logs import issue_equipment_log
from tests.compliance.logs_support import PERIOD
from tests.factories import PASSWORD


def issue(actor, equipment, period=PERIOD):
    equipment = loggable_equipment().get(pk=equipment.pk)
    return issue_equipment_log(actor=actor, equipment=equipment, period=period, now=timezone.now())


def approve(log, signer, **signature):
    return approve_log(
        log=log,
        signer=signer,
        password=signature.pop("password", PASSWORD),
        username=signature.pop("username", signer.username),
        acknowledge_policy=True,
        now=timezone.now(),
        **signature,
    )


def stored(log) -> bytes:
    with log.file.open("rb") as handle:
        return handle.read()


def _run(tool: str, pdf: bytes, tmp_path, *args) -> str:
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout + result.stderr


def pdfsig(pdf: bytes, tmp_path) -> str:
    return _run("pdfsig", pdf, tmp_path)


def pdf_text(pdf: bytes, tmp_path) -> str:
    return _run("pdftotext", pdf, tmp_path, "-layout")


def tampered(pdf: bytes) -> bytes:
    """One byte of the content changed, outside the signature: a letter of the document's
    producer, which the signed byte ranges cover."""
    data = bytearray(pdf)
    at = data.index(b"/Producer (") + len(b"/Producer (")
    data[at] ^= 0x01
    return bytes(data)
