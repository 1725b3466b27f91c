# An audit action for the pages an inspector reads (a choice only: no change to the table).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imaging_ops", "0008_site_qualification_gate"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "Created"),
                    ("update", "Updated"),
                    ("void", "Voided"),
                    ("amend", "Amended"),
                    ("sign", "Signed"),
                    ("export", "Exported"),
                    ("login", "Signed in"),
                    ("logout", "Signed out"),
                    ("failed_login", "Failed sign-in"),
                    ("failed_signature", "Failed signature"),
                    ("lockout", "Account locked"),
                    ("unlock", "Account unlocked"),
                    ("adopt", "Adopted in service"),
                    ("status_change", "Status changed"),
                    ("acknowledge_policy", "Acknowledged e-signature policy"),
                    ("view", "Viewed"),
                ],
                db_index=True,
                max_length=30,
            ),
        ),
    ]
