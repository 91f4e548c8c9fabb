"""The database refuses a direct UPDATE of a signed document or of any addendum."""

from django.db import migrations

# Frozen: the statements stepcare.records.triggers produced when this migration was written
# (PostgreSQL and SQLite; other databases get none).
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
        "CREATE TRIGGER records_sessionnote_signed_immutable BEFORE UPDATE ON "
        "records_sessionnote FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION "
        "stepcare_records_refuse_change();",
        "CREATE TRIGGER records_assessment_signed_immutable BEFORE UPDATE ON "
        "records_assessment FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION "
        "stepcare_records_refuse_change();",
        "CREATE TRIGGER records_riskassessment_signed_immutable BEFORE UPDATE ON "
        "records_riskassessment FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION "
        "stepcare_records_refuse_change();",
        "CREATE TRIGGER records_safetyplan_signed_immutable BEFORE UPDATE ON "
        "records_safetyplan FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION "
        "stepcare_records_refuse_change();",
        "CREATE TRIGGER records_letter_signed_immutable BEFORE UPDATE ON records_letter "
        "FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION "
        "stepcare_records_refuse_change();",
        "CREATE TRIGGER records_liaisonentry_signed_immutable BEFORE UPDATE ON "
        "records_liaisonentry FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION "
        "stepcare_records_refuse_change();",
        "CREATE TRIGGER records_addendum_signed_immutable BEFORE UPDATE ON "
        "records_addendum FOR EACH ROW  EXECUTE FUNCTION "
        "stepcare_records_refuse_change();",
    ],
    "sqlite": [
        "CREATE TRIGGER records_sessionnote_signed_immutable BEFORE UPDATE ON "
        "records_sessionnote FOR EACH ROW WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, "
        "'signed clinical documents cannot be changed: add an addendum'); END;",
        "CREATE TRIGGER records_assessment_signed_immutable BEFORE UPDATE ON "
        "records_assessment FOR EACH ROW WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, "
        "'signed clinical documents cannot be changed: add an addendum'); END;",
        "CREATE TRIGGER records_riskassessment_signed_immutable BEFORE UPDATE ON "
        "records_riskassessment FOR EACH ROW WHEN OLD.status = 'signed' BEGIN SELECT "
        "RAISE(ABORT, 'signed clinical documents cannot be changed: add an addendum'); END;",
        "CREATE TRIGGER records_safetyplan_signed_immutable BEFORE UPDATE ON "
        "records_safetyplan FOR EACH ROW WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, "
        "'signed clinical documents cannot be changed: add an addendum'); END;",
        "CREATE TRIGGER records_letter_signed_immutable BEFORE UPDATE ON records_letter FOR "
        "EACH ROW WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, 'signed clinical "
        "documents cannot be changed: add an addendum'); END;",
        "CREATE TRIGGER records_liaisonentry_signed_immutable BEFORE UPDATE ON "
        "records_liaisonentry FOR EACH ROW WHEN OLD.status = 'signed' BEGIN SELECT "
        "RAISE(ABORT, 'signed clinical documents cannot be changed: add an addendum'); END;",
        "CREATE TRIGGER records_addendum_signed_immutable BEFORE UPDATE ON records_addendum "
        "FOR EACH ROW  BEGIN SELECT RAISE(ABORT, 'signed clinical documents cannot be changed: "
        "add an addendum'); END;",
    ],
}
DROP_SQL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS records_sessionnote_signed_immutable ON records_sessionnote;",
        "DROP TRIGGER IF EXISTS records_assessment_signed_immutable ON records_assessment;",
        "DROP TRIGGER IF EXISTS records_riskassessment_signed_immutable ON records_riskassessment;",
        "DROP TRIGGER IF EXISTS records_safetyplan_signed_immutable ON records_safetyplan;",
        "DROP TRIGGER IF EXISTS records_letter_signed_immutable ON records_letter;",
        "DROP TRIGGER IF EXISTS records_liaisonentry_signed_immutable ON records_liaisonentry;",
        "DROP TRIGGER IF EXISTS records_addendum_signed_immutable ON records_addendum;",
        "DROP FUNCTION IF EXISTS stepcare_records_refuse_change();",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS records_sessionnote_signed_immutable;",
        "DROP TRIGGER IF EXISTS records_assessment_signed_immutable;",
        "DROP TRIGGER IF EXISTS records_riskassessment_signed_immutable;",
        "DROP TRIGGER IF EXISTS records_safetyplan_signed_immutable;",
        "DROP TRIGGER IF EXISTS records_letter_signed_immutable;",
        "DROP TRIGGER IF EXISTS records_liaisonentry_signed_immutable;",
        "DROP TRIGGER IF EXISTS records_addendum_signed_immutable;",
    ],
}


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    for sql in CREATE_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, None)


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    for sql in DROP_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("records", "0001_clinical_record")]
    operations = [migrations.RunPython(install, remove)]
