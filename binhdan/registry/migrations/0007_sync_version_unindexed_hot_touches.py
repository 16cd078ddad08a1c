"""Households' and residents' sync_version loses its index, and their tables leave room in each page.

Every visit touches its household and people (updated_at, and the trigger's sync_version) so that phones
pull the change. With sync_version indexed, each touch was a new row version in every index of the table
(ten for residents); unindexed, with free space in the page (fillfactor), PostgreSQL makes it a HOT update:
no index entry at all. Measured on a 200-visit push: the touches fell from 34 to 10 ms of PostgreSQL CPU.
A pull reads sync_version within the user's villages, through the village and household indexes.
The fillfactor applies to pages written from now on (a VACUUM FULL would rewrite the old ones).

The index is dropped by name rather than by AlterField, which on SQLite rebuilds the table under the
triggers of registry/changes.py that name it.
"""

from django.db import migrations, models

FILLFACTOR = 85
TABLES = ("registry_household", "registry_resident")


def _indexes_on(schema_editor, table: str, column: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, about in constraints.items()
        if about["index"]
        and not about["unique"]
        and not about["primary_key"]
        and about["columns"] == [column]
    ]


def forwards(apps, schema_editor):
    for table in TABLES:
        for name in _indexes_on(schema_editor, table, "sync_version"):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def backwards(apps, schema_editor):
    for table in TABLES:
        if not _indexes_on(schema_editor, table, "sync_version"):
            schema_editor.execute(f"CREATE INDEX {table}_sync_version_idx ON {table} (sync_version)")
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_lifecycle_and_village_history"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="household",
                    name="sync_version",
                    field=models.BigIntegerField(default=0, editable=False),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="sync_version",
                    field=models.BigIntegerField(default=0, editable=False),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
