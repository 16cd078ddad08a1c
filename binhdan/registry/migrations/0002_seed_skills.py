from django.db import migrations


def seed(apps, schema_editor):
    from binhdan.registry.skills_seed import seed_skills

    seed_skills(apps.get_model("registry", "Skill"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
