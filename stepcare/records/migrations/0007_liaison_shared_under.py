"""A liaison entry records under which consent or legal basis information was shared.

Adding a column rebuilds the table on SQLite, which drops its trigger: the trigger that refuses
an UPDATE of a signed entry is taken off first and put back after, on both databases."""

from django.db import migrations, models

# Frozen: the statements stepcare.records.triggers produced for this table when this migration
# was written (PostgreSQL and SQLite; other databases get none).
CREATE_SQL = {
    "postgresql": [
        "\n"
        "CREATE OR REPLACE FUNCTION stepcare_records_refuse_change() RETURNS trigger AS "
        "$$\n"
        "BEGIN\n"
        "    RAISE EXCEPTION 'signed clinical documents cannot be changed: add an addendum "
        "(% on %)', TG_OP, TG_TABLE_NAME;\n"
        "END;\n"
        "$$ LANGUAGE plpgsql;\n",
        "CREATE TRIGGER records_liaisonentry_signed_immutable BEFORE UPDATE ON "
        "records_liaisonentry FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION "
        "stepcare_records_refuse_change();",
    ],
    "sqlite": [
        "CREATE TRIGGER records_liaisonentry_signed_immutable BEFORE UPDATE ON "
        "records_liaisonentry FOR EACH ROW WHEN OLD.status = 'signed' BEGIN SELECT "
        "RAISE(ABORT, 'signed clinical documents cannot be changed: add an addendum'); END;"
    ],
}
DROP_SQL = {
    "postgresql": ["DROP TRIGGER IF EXISTS records_liaisonentry_signed_immutable ON records_liaisonentry;"],
    "sqlite": ["DROP TRIGGER IF EXISTS records_liaisonentry_signed_immutable;"],
}


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    for sql in CREATE_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, None)


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    for sql in DROP_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, None)


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
