"""Signed formulations and treatment plans are immutable in the database too; the formulation
models most services use, as data a service can change or add to in the admin."""

from django.db import migrations

from stepcare.records.defaults import FORMULATION_TEMPLATES
from stepcare.records.triggers import for_tables


def add_templates(apps, schema_editor):  # type: ignore[no-untyped-def]
    FormulationTemplate = apps.get_model("records", "FormulationTemplate")
    for name, approach, description, source, sections in FORMULATION_TEMPLATES:
        FormulationTemplate.objects.get_or_create(
            name=name,
            defaults={
                "approach": approach,
                "description": description,
                "source": source,
                "sections": sections,
            },
        )


install, remove = for_tables("records_formulation", "records_treatmentplan")


class Migration(migrations.Migration):
    dependencies = [("records", "0004_formulations_and_treatment_plans")]
    operations = [
        migrations.RunPython(install, remove),
        migrations.RunPython(add_templates, migrations.RunPython.noop),
    ]
