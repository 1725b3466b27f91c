from django.core.management.base import BaseCommand, CommandError

from imaging_ops.audit.verify import Anchor, verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain; exit 1 naming the first break. With --anchor "
        "SEQ:HASH (kept outside the database) a chain cut short is caught too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--anchor", help="SEQ:HASH of an event recorded earlier")
        parser.add_argument("--chunk-size", type=int, default=5000)

    def handle(self, *args, anchor=None, chunk_size=5000, **options):
        parsed = None
        if anchor:
            seq, _, digest = anchor.partition(":")
            if not (seq.isascii() and seq.isdigit()) or len(digest) != 64:
                raise CommandError("--anchor takes SEQ:HASH, e.g. 1200:3f9a…(64 hex digits)")
            parsed = Anchor(seq=int(seq), hash=digest.lower())
        result = verify_chain(anchor=parsed, chunk_size=chunk_size)
        if not result.ok:
            self.stderr.write(
                f"Audit chain broken after {result.checked} good events: {result.error}"
            )
            raise SystemExit(1)
        self.stdout.write(
            f"Audit chain intact: {result.checked} events, head #{result.last_seq} "
            f"{result.last_hash}"
        )
