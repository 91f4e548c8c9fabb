"""The database refuses a direct UPDATE of a signed document or of any addendum."""

from django.db import migrations

from stepcare.records.triggers import install, remove


class Migration(migrations.Migration):
    dependencies = [("records", "0001_clinical_record")]
    operations = [migrations.RunPython(install, remove)]
