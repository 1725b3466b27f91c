"""manage.py sweep_reminders [--dry-run]: run one reminder sweep by hand and show what it
claimed (or, with --dry-run, would claim). See compliance.services.sweep and docs/reminders.md."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from compliance.reminders.stages import stage_label
from compliance.services.sweep import sweep_reminders


class Command(BaseCommand):
    help = "Run one reminder sweep now and list the notices it claimed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be claimed; write nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        report = sweep_reminders(now=timezone.now(), dry_run=dry_run)
        verb = "Would claim" if dry_run else "Claimed"
        for claim in report.claimed:
            self.stdout.write(
                f"{verb}: [{claim.site_code}] {stage_label(claim.stage)} — {claim.title} "
                f"(due {claim.due_on:%Y-%m-%d})"
            )
        summary = f"{verb} {len(report.claimed)} notice(s) in {report.batches} batch(es)"
        if not dry_run:
            summary += f"; re-queued {report.requeued} pending or stale notice(s)"
        self.stdout.write(self.style.SUCCESS(summary + "."))
