"""manage.py load_catalog [--modality CT ...] [--category sealed_source ...] [--dry-run]
[--as USERNAME]: load the shipped regulatory catalog into the organisation library (see
compliance.services.catalog and docs/catalog.md)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from compliance.catalog.shipped import CatalogFileError
from compliance.services.catalog import load_catalog
from equipment.models import Category
from imaging_ops.audit.context import audit_actor
from imaging_ops.models import User
from imaging_ops.vocabulary import Modality


class Command(BaseCommand):
    help = (
        "Load the shipped regulatory catalog into the organisation library: create what is "
        "missing, add newer catalog versions, never overwrite a procedure edited here, and "
        "print what differs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--modality",
            action="append",
            default=[],
            help="Only the procedures of this modality (DICOM code); repeat for more.",
        )
        parser.add_argument(
            "--category",
            action="append",
            default=[],
            help="Only the procedures of this equipment category (e.g. sealed_source).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would change; write nothing."
        )
        parser.add_argument(
            "--as",
            dest="username",
            default="",
            help="The system administrator the library's versions are written by "
            "(default: the first active one).",
        )

    def handle(self, *args, modality, category, dry_run, username, **options):
        wrong = [m for m in modality if m not in Modality.values]
        if wrong:
            raise CommandError(
                f"Not a modality: {', '.join(wrong)}. Choose from {', '.join(Modality.values)}."
            )
        wrong = [c for c in category if c not in Category.values]
        if wrong:
            raise CommandError(
                f"Not an equipment category: {', '.join(wrong)}. "
                f"Choose from {', '.join(Category.values)}."
            )
        actor = self._actor(username)
        try:
            with audit_actor("manage.py load_catalog"):
                report = load_catalog(
                    actor=actor,
                    now=timezone.now(),
                    modalities=modality,
                    categories=category,
                    dry_run=dry_run,
                )
        except (CatalogFileError, ValidationError) as problem:
            raise CommandError(f"The catalog was not loaded: {problem}") from None
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        for line in report.lines():
            self.stdout.write(line)

    def _actor(self, username: str) -> User:
        admins = User.objects.filter(is_superuser=True, is_active=True).order_by("pk")
        if username:
            actor = admins.filter(username=username).first()
            if actor is None:
                raise CommandError(f"“{username}” is not an active system administrator.")
            return actor
        actor = admins.first()
        if actor is None:
            raise CommandError(
                "The library is written by a system administrator: create one "
                "(manage.py createsuperuser) or name one with --as."
            )
        return actor
