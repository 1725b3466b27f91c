"""Store each schedule's window opening and hard limit beside its due and overdue moments, so
that lists filter and sort by status in the database.

Schedules written before this migration take their due moment as the window's opening (no early
window) and the hard limit as unknown; the next change to the schedule stores both exactly.
"""

from django.db import migrations, models


def copy_due(apps, schema_editor):
    Schedule = apps.get_model("equipment", "Schedule")
    Schedule.objects.filter(window_opens__isnull=True).update(window_opens=models.F("next_due"))


class Migration(migrations.Migration):
    dependencies = [("equipment", "0007_procedures_and_schedules")]

    operations = [
        migrations.AddField(
            model_name="schedule",
            name="window_opens",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="schedule",
            name="hard_limit_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(copy_due, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="schedule",
            name="window_opens",
            field=models.DateTimeField(editable=False),
        ),
    ]
