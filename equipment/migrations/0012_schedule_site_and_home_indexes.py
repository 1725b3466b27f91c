import django.db.models.deletion
from django.db import migrations, models


def fill_sites(apps, schema_editor):
    """Every schedule's site is its equipment's (fixed once the equipment exists)."""
    Schedule = apps.get_model("equipment", "Schedule")
    Equipment = apps.get_model("equipment", "Equipment")
    Schedule.objects.update(
        site_id=models.Subquery(
            Equipment.objects.filter(pk=models.OuterRef("equipment_id")).values("site_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("equipment", "0011_catalog_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="schedule",
            name="site",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="imaging_ops.site",
            ),
        ),
        migrations.RunPython(fill_sites, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="schedule",
            name="site",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="imaging_ops.site",
            ),
        ),
        migrations.AddIndex(
            model_name="equipmentstatuschange",
            index=models.Index(fields=["-changed_at", "-id"], name="status_change_newest"),
        ),
        migrations.AddIndex(
            model_name="missedoccurrence",
            index=models.Index(
                models.F("day").desc(),
                condition=models.Q(("annotation", "")),
                name="missed_unexplained_newest",
            ),
        ),
    ]
