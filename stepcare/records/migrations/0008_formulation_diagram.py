"""A formulation template says how its diagram is drawn: a cycle, a flow, or none."""

from django.db import migrations, models

# Frozen: the shipped templates' diagrams (stepcare.records.defaults) when this was written.
FORMULATION_DIAGRAMS = {
    "Longitudinal formulation (Beck)": "flow",
    "IPT focal area": "none",
    "DIT interpersonal affective focus (IPAC)": "none",
}


def set_shipped(apps, schema_editor):  # type: ignore[no-untyped-def]
    FormulationTemplate = apps.get_model("records", "FormulationTemplate")
    for name, diagram in FORMULATION_DIAGRAMS.items():
        FormulationTemplate.objects.filter(name=name).update(diagram=diagram)


class Migration(migrations.Migration):
    dependencies = [("records", "0007_liaison_shared_under")]

    operations = [
        migrations.AddField(
            model_name="formulationtemplate",
            name="diagram",
            field=models.CharField(
                choices=[
                    ("cycle", "A cycle: each section leads to the next, the last back to the first"),
                    ("flow", "A flow from top to bottom"),
                    ("none", "No diagram"),
                ],
                default="cycle",
                max_length=10,
                verbose_name="diagram drawn from the sections",
            ),
        ),
        migrations.RunPython(set_shipped, migrations.RunPython.noop),
    ]
