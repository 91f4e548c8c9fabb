"""A starting set of suitability rules, which each service reviews and edits in the admin."""

from django.db import migrations

from stepcare.referrals.default_rules import RULES


def add_rules(apps, schema_editor):
    Rule = apps.get_model("referrals", "SuitabilityRule")
    for rule in RULES:
        Rule.objects.create(**rule)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
