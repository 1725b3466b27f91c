"""Monthly completion figures: per site, primary modality and UTC calendar month, the scheduled
service records that count and how many of them were on time.

A derived table, not a record: the record service keeps it in the transaction that changes
what counts (`equipment.services.rollups`), and `manage.py rebuild_completion_months` makes it
again from the records themselves. The dashboard's twelve months of on-time completion read a
few thousand of these rows instead of the year's service records.
"""

from django.db import models

from imaging_ops.models import Site


class CompletionMonth(models.Model):
    scope_path = "site"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    modality = models.CharField(max_length=5, blank=True)
    month = models.DateField(help_text="The month's first day (UTC).")
    total = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)

    class Meta:
        ordering = ["site", "modality", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "modality", "month"], name="one_completion_month"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.site_id} {self.modality or '-'} {self.month:%Y-%m}: {self.on_time}/{self.total}"
        )
