"""manage.py verify_log FILE: offline, whether a PDF is a log as issued, and its signature.

The file's SHA-256 finds the log (as issued or as approved); the command prints what the log
covers and says whether the file is byte-identical to it, then validates every embedded PAdES
signature with pyHanko, without fetching anything. Exit status 0 when the file is one the app
issued, byte for byte; 1 when no log has its SHA-256 (or the file cannot be read).
"""

import hashlib
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db.models import Q
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.misc import PdfError

from compliance.models import LogFile, RegulatoryLog
from imaging_ops.pdf_signing import check_pdf_signatures
from imaging_ops.sites.local_time import local_time_text


class Command(BaseCommand):
    help = "Check a PDF log offline: byte-identical to a log issued here, and its signature."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The PDF to check.")
        parser.add_argument(
            "--trust",
            action="append",
            default=[],
            metavar="PEM",
            help="A trust root (PEM or DER certificate file) for the signature; repeatable.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.stdout.write(f"Cannot read {path}: {exc.strerror}.")
            sys.exit(1)
        digest = hashlib.sha256(data).hexdigest()
        self.stdout.write(f"File:    {path} ({len(data)} bytes)")
        self.stdout.write(f"SHA-256: {digest}")
        log = (
            RegulatoryLog.objects.filter(Q(file_sha256=digest) | Q(draft_file_sha256=digest))
            .select_related("site", "requested_by", "approved_by")
            .defer("snapshot")
            .first()
        )
        found = log is not None and log.file_kind(digest) is not None
        if found:
            self._describe(log, digest)
        else:
            self.stdout.write(
                "No log was issued with this SHA-256: the file is not one this installation "
                "issued, or it has been changed since."
            )
        self._signatures(data, options["trust"])
        if not found:
            sys.exit(1)

    def _describe(self, log: RegulatoryLog, digest: str) -> None:
        zone = log.site.zone
        write = self.stdout.write
        write(f"Log:     {log.get_kind_display()} {log.code}")
        write(f"Covers:  {log.scope_label}")
        write(f"Period:  {log.period_start.isoformat()} to {log.period_end.isoformat()}")
        write(f"State:   {log.get_state_display()}")
        write(
            f"Generated at {local_time_text(log.generated_at, zone)} "
            f"for {log.requested_by.display_name}"
        )
        if log.approved_by:
            write(
                f"Approved by {log.approved_by.display_name} at "
                f"{local_time_text(log.approved_at, zone)}"
            )
        else:
            write("Not approved: a draft.")
        write(f"Snapshot SHA-256: {log.snapshot_sha256}")
        kind = log.file_kind(digest)
        write(f"Match:   byte-identical to {LogFile(kind).label} ({log.code}).")
        if kind == LogFile.DRAFT and log.approved_by:
            write("         The log has since been approved: ask for the approved file.")

    def _signatures(self, data: bytes, trust_files: list[str]) -> None:
        roots = [cert for name in trust_files for cert in load_certs_from_pemder([name])]
        try:
            checks = check_pdf_signatures(data, trust_roots=roots)
        except (PdfError, ValueError) as exc:
            self.stdout.write(f"Signature: none could be read ({exc}).")
            return
        if not checks:
            self.stdout.write("Signature: the file carries no digital signature.")
        for check in checks:
            if not check.intact:
                state = "signature is broken: the signed bytes have changed"
            elif not check.valid:
                state = "intact, but the signature does not verify with its certificate"
            else:
                state = "intact and valid"
                if not check.covers_whole_file:
                    state += " (content was added after signing)"
            self.stdout.write(f"Signature {check.field}: {state}")
            self.stdout.write(f"  signed by {check.signer}")
            self.stdout.write(f"  certificate: {check.trust_text}")
            if check.timestamped:
                self.stdout.write("  carries a timestamp from a timestamp authority")
