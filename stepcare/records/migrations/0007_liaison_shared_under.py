"""A liaison entry records under which consent or legal basis information was shared.

Adding a column rebuilds the table on SQLite, which drops its trigger: the trigger that refuses
an UPDATE of a signed entry is taken off first and put back after, on both databases."""

from django.db import migrations, models

from stepcare.records.triggers import for_tables

install, remove = for_tables("records_liaisonentry")


class Migration(migrations.Migration):
    dependencies = [("records", "0006_letter_dispatch")]

    operations = [
        migrations.RunPython(remove, install),
        migrations.AddField(
            model_name="liaisonentry",
            name="shared_under",
            field=models.TextField(
                blank=True,
                default="",
                help_text="for example: consent to share with the GP (recorded 3 March); or safeguarding",
                verbose_name="shared under: the patient's consent, or the legal basis",
            ),
        ),
        migrations.RunPython(install, remove),
    ]
