"""The letters most services send, as templates a service can change or add to in the admin."""

from django.db import migrations

from stepcare.records.defaults import LETTER_TEMPLATES


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    LetterTemplate = apps.get_model("records", "LetterTemplate")
    for name, purpose, recipient, subject, body in LETTER_TEMPLATES:
        LetterTemplate.objects.get_or_create(
            name=name,
            defaults={"purpose": purpose, "recipient_kind": recipient, "subject": subject, "body": body},
        )


class Migration(migrations.Migration):
    dependencies = [("records", "0002_signed_documents_immutable_triggers")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
