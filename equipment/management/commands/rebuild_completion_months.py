"""manage.py rebuild_completion_months: make the monthly completion figures (the dashboard's
on-time chart reads them) again from the service records themselves."""

from django.core.management.base import BaseCommand

from equipment.services.rollups import rebuild_completion_months


class Command(BaseCommand):
    help = (
        "Compute the monthly completion figures again from the service records: per site, "
        "primary modality and UTC month, the scheduled records that count and those on time."
    )

    def handle(self, *args, **options):
        rows = rebuild_completion_months()
        self.stdout.write(f"{rows} monthly figures written from the service records.")
