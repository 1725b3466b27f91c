"""Indexes for the equipment list's search and modality filter, on PostgreSQL only.

Search (`q`) matches `UPPER(column) LIKE UPPER('%word%')` on four columns; trigram GIN indexes
on those expressions turn two sequential scans per page into bitmap index scans. The modality
filter uses jsonb containment on PostgreSQL, which a `jsonb_path_ops` GIN index serves. SQLite
(the embedded default) has neither and scans, as it does today.
"""

from django.db import migrations

SEARCHED = ["asset_tag", "serial_number", "name", "model"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS equipment_{column}_trgm ON equipment_equipment "
            f"USING gin (upper({column}::text) gin_trgm_ops)"
        )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS equipment_modalities_gin ON equipment_equipment "
        "USING gin (modalities jsonb_path_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED:
        schema_editor.execute(f"DROP INDEX IF EXISTS equipment_{column}_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS equipment_modalities_gin")


class Migration(migrations.Migration):
    dependencies = [("equipment", "0004_registry_fields")]

    operations = [migrations.RunPython(create, drop)]
