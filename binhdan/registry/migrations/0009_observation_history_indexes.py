"""Each observation table gets one index of a resident's history in order (resident, key, observed_on,
recorded_at, id, with the values the rollups read), in place of two: (resident, key, observed_on) and the
resident's own foreign-key index, both of which it starts with. The rollups then read a round's histories
in index order instead of sorting them (indicators.rollup._changes), and every observation written updates
one index fewer. The new indexes are made before the old ones go, so no query is ever without one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_observation_triggers_skip_stamped_residents"),
    ]

    operations = [
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
        # The foreign keys' own indexes go by name, not by AlterField: on SQLite AlterField remakes the
        # table, and the observation triggers (registry.changes) would go with it.
        *[
            migrations.SeparateDatabaseAndState(
                state_operations=[
                    migrations.AlterField(
                        model_name=model,
                        name="resident",
                        field=models.ForeignKey(
                            db_index=False,
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name=related,
                            to="registry.resident",
                        ),
                    )
                ],
                database_operations=[
                    migrations.RunSQL(
                        f"DROP INDEX IF EXISTS {index}",
                        f"CREATE INDEX IF NOT EXISTS {index} ON registry_{model} (resident_id)",
                    )
                ],
            )
            for model, related, index in [
                ("skillobservation", "skill_observations", "registry_skillobservation_resident_id_51af4d19"),
                (
                    "statusobservation",
                    "status_observations",
                    "registry_statusobservation_resident_id_02d74e09",
                ),
            ]
        ],
    ]
