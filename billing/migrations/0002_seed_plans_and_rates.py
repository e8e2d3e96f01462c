"""Seed the four plans (Free, Pro, Studio, Enterprise) and the rate card from billing/defaults.py."""

from django.db import migrations

from billing import defaults


def seed(apps, schema_editor):
    defaults.seed(apps.get_model("billing", "Plan"), apps.get_model("billing", "RateCard"))


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
