"""The observation triggers skip their UPDATE in a transaction that says it stamped the residents itself.

`binhdan_touch_residents` stamps the residents of new observations (sync_version) so that phones pull their
skills. The sync push stamps a visit's people first, so the trigger's UPDATE finds nothing to do there, yet
costs the push about 0.45 ms of PostgreSQL CPU (of 2.9 ms): the statement trigger's transition table and its
plan. A writer in that position sets `binhdan.residents_stamped` for its transaction
(`registry.changes.residents_stamped_statement`), and the triggers' WHEN clause skips them. SQLite's row
triggers are unchanged.
"""

from django.db import migrations

TABLES = ("registry_statusobservation", "registry_skillobservation")
SETTING = "binhdan.residents_stamped"


def _recreate(schema_editor, skippable: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    when = f"WHEN (current_setting('{SETTING}', true) IS DISTINCT FROM 'on') " if skippable else ""
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_touch ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {table}_touch AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT {when}EXECUTE FUNCTION binhdan_touch_residents()"
        )


def forwards(apps, schema_editor):
    _recreate(schema_editor, skippable=True)


def backwards(apps, schema_editor):
    _recreate(schema_editor, skippable=False)


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_sync_version_unindexed_hot_touches")]

    operations = [migrations.RunPython(forwards, backwards)]
