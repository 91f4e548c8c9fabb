"""The database refuses to change or delete audit rows on SQLite too, and on both databases
for the tables added in 0003 (patients shown by an event, break-glass reviews).

SQLite triggers ask ``stepcare_audit_locked()`` (see ``stepcare/audit/sqlite.py``): 1 always,
except while Django empties the whole database; a connection without the function (the
``sqlite3`` shell) cannot change the rows at all.
"""

from django.db import migrations

TABLES = ("audit_auditevent", "audit_auditeventpatient", "audit_breakglassreview")
NEW_PG_TABLES = ("audit_auditeventpatient", "audit_breakglassreview")


def _sqlite_create() -> list[str]:
    sql = []
    for table in TABLES:
        for op in ("UPDATE", "DELETE"):
            sql.append(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"FOR EACH ROW WHEN stepcare_audit_locked() = 1 "
                f"BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: {op} refused on {table}'); END;"
            )
    return sql


def _sqlite_drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in TABLES for op in ("update", "delete")]


def _pg_create() -> list[str]:
    return [
        f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
        f"FOR EACH ROW EXECUTE FUNCTION stepcare_audit_append_only();"
        for t in NEW_PG_TABLES
    ]


def _pg_drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in NEW_PG_TABLES]


def _apply(sqlite_sql, pg_sql):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        vendor = schema_editor.connection.vendor
        statements = sqlite_sql() if vendor == "sqlite" else pg_sql() if vendor == "postgresql" else []
        for statement in statements:
            schema_editor.execute(statement, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_shown_patients_and_break_glass_reviews")]
    operations = [
        migrations.RunPython(_apply(_sqlite_create, _pg_create), _apply(_sqlite_drop, _pg_drop)),
    ]
