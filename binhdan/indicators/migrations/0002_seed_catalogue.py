from django.db import migrations


def seed(apps, schema_editor):
    """The national catalogue of SPEC §6 (binhdan/indicators/catalogue.py), and the rollups' clock."""
    from binhdan.indicators.seed import seed_indicators

    seed_indicators(apps.get_model("indicators", "Indicator"), apps.get_model("indicators", "RollupClock"))


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
