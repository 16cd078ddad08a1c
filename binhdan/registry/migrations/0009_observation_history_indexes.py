"""Each observation table gets one index of a resident's history in order (resident, key, observed_on,
recorded_at, id, with the values the rollups read), in place of two: (resident, key, observed_on) and the
resident's own foreign-key index, both of which it starts with. The rollups then read a round's histories
in index order instead of sorting them (indicators.rollup._changes), and every observation written updates
one index fewer.

On PostgreSQL the indexes are built and dropped CONCURRENTLY, outside a transaction: a province's tables hold
tens of millions of observations, and a plain CREATE INDEX would hold every push for minutes while the old
code still serves (docs/deployment.md, "Upgrades"). The new indexes are made before the old ones go, so no
query is ever without one; an index a failed run left invalid is dropped and built again. The model state is
changed by the usual operations, the database by these statements (on SQLite, AlterField would remake the
tables and drop the observation triggers of registry.changes with them)."""

import django.db.models.deletion
from django.db import migrations, models

NEW = [
    ("skill_obs_history", "registry_skillobservation", "resident_id, skill_id, observed_on, recorded_at, id", "level"),
    ("status_obs_history", "registry_statusobservation", "resident_id, field, observed_on, recorded_at, id", "value, evidence"),
]  # fmt: skip
OLD = [
    ("registry_sk_residen_987e42_idx", "registry_skillobservation", "resident_id, skill_id, observed_on", None),
    ("registry_st_residen_b5e38e_idx", "registry_statusobservation", "resident_id, field, observed_on", None),
    ("registry_skillobservation_resident_id_51af4d19", "registry_skillobservation", "resident_id", None),
    ("registry_statusobservation_resident_id_02d74e09", "registry_statusobservation", "resident_id", None),
]  # fmt: skip


def _swap(schema_editor, build, drop):
    postgres = schema_editor.connection.vendor == "postgresql"
    how = " CONCURRENTLY" if postgres else ""
    with schema_editor.connection.cursor() as cursor:
        for name, table, columns, include in build:
            if postgres:  # a build that failed half-way leaves an invalid index of this name: build it again
                cursor.execute(
                    "SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid "
                    "WHERE relname = %s AND NOT indisvalid",
                    [name],
                )
                if cursor.fetchone():
                    cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            extra = f" INCLUDE ({include})" if include and postgres else ""
            cursor.execute(f"CREATE INDEX{how} IF NOT EXISTS {name} ON {table} ({columns}){extra}")
        for name, *_ in drop:
            cursor.execute(f"DROP INDEX{how} IF EXISTS {name}")


def forwards(apps, schema_editor):
    _swap(schema_editor, NEW, OLD)


def backwards(apps, schema_editor):
    _swap(schema_editor, OLD, NEW)


def _resident(related):
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related,
        to="registry.resident",
    )


class Migration(migrations.Migration):
    atomic = False  # CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("registry", "0008_observation_triggers_skip_stamped_residents"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="skillobservation",
                    index=models.Index(
                        fields=["resident", "skill", "observed_on", "recorded_at", "id"],
                        include=("level",),
                        name="skill_obs_history",
                    ),
                ),
                migrations.AddIndex(
                    model_name="statusobservation",
                    index=models.Index(
                        fields=["resident", "field", "observed_on", "recorded_at", "id"],
                        include=("value", "evidence"),
                        name="status_obs_history",
                    ),
                ),
                migrations.RemoveIndex(model_name="skillobservation", name="registry_sk_residen_987e42_idx"),
                migrations.RemoveIndex(model_name="statusobservation", name="registry_st_residen_b5e38e_idx"),
                migrations.AlterField(
                    model_name="skillobservation", name="resident", field=_resident("skill_observations")
                ),
                migrations.AlterField(
                    model_name="statusobservation", name="resident", field=_resident("status_observations")
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
