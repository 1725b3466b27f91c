"""manage.py load_courses [--dry-run] [--as USERNAME]: load the shipped safety-training course
catalog into the organisation catalog (see training.services.catalog and docs/training.md)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from imaging_ops.audit.context import audit_actor
from imaging_ops.models import User
from training.catalog.shipped import CourseCatalogError
from training.services.catalog import load_courses


class Command(BaseCommand):
    help = (
        "Load the shipped course catalog: create what is missing, update courses nobody "
        "edited here, never overwrite one that was, and print what differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Write nothing.")
        parser.add_argument("--as", dest="username", default="", help="A system administrator.")

    def handle(self, *args, dry_run, username, **options):
        admins = User.objects.filter(is_superuser=True, is_active=True).order_by("pk")
        actor = admins.filter(username=username).first() if username else admins.first()
        if actor is None:
            raise CommandError(
                f"“{username}” is not an active system administrator."
                if username
                else "The catalog is written by a system administrator: create one "
                "(manage.py createsuperuser) or name one with --as."
            )
        try:
            with audit_actor("manage.py load_courses"):
                report = load_courses(actor=actor, now=timezone.now(), dry_run=dry_run)
        except (CourseCatalogError, ValidationError) as problem:
            raise CommandError(f"The course catalog was not loaded: {problem}") from None
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        for line in report.lines():
            self.stdout.write(line)
