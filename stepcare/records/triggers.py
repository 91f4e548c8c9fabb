"""Database triggers that refuse a direct ``UPDATE`` of a signed document or of an addendum.

The model refuses too, but a trigger also holds for raw SQL, a console or another program.
Written for PostgreSQL and for SQLite. Deletes are refused by the models (clinical data is
never deleted); a delete trigger is left out so that test databases can still be emptied.
A migration copies the statements ``create_sql``/``drop_sql`` return (frozen), never imports them.
"""

from __future__ import annotations

from typing import Any

# The tables of migration 0002; document tables added later name themselves in their migration.
DOCUMENT_TABLES = (
    "records_sessionnote",
    "records_assessment",
    "records_riskassessment",
    "records_safetyplan",
    "records_letter",
    "records_liaisonentry",
)
ADDENDUM_TABLE = "records_addendum"
MESSAGE = "signed clinical documents cannot be changed: add an addendum"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION stepcare_records_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def create_sql(vendor: str, tables: tuple[str, ...] = (*DOCUMENT_TABLES, ADDENDUM_TABLE)) -> list[str]:
    statements = []
    if vendor == "postgresql":
        statements.append(_PG_FUNCTION)
    for table in tables:
        condition = "" if table == ADDENDUM_TABLE else "OLD.status = 'signed'"
        name = f"{table}_signed_immutable"
        if vendor == "postgresql":
            when = f"WHEN ({condition})" if condition else ""
            statements.append(
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW {when} "
                "EXECUTE FUNCTION stepcare_records_refuse_change();"
            )
        elif vendor == "sqlite":
            when = f"WHEN {condition}" if condition else ""
            statements.append(
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW {when} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
            )
    return statements


def drop_sql(vendor: str, tables: tuple[str, ...] = (*DOCUMENT_TABLES, ADDENDUM_TABLE)) -> list[str]:
    statements = []
    for table in tables:
        name = f"{table}_signed_immutable"
        if vendor == "postgresql":
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        elif vendor == "sqlite":
            statements.append(f"DROP TRIGGER IF EXISTS {name};")
    if vendor == "postgresql" and ADDENDUM_TABLE in tables:
        statements.append("DROP FUNCTION IF EXISTS stepcare_records_refuse_change();")
    return statements


def install(apps: Any, schema_editor: Any) -> None:
    for sql in create_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, None)


def remove(apps: Any, schema_editor: Any) -> None:
    for sql in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, None)


def for_tables(*tables: str) -> tuple[Any, Any]:
    """(install, remove) for document tables added by a later migration."""

    def add(apps: Any, schema_editor: Any) -> None:
        for sql in create_sql(schema_editor.connection.vendor, tables):
            schema_editor.execute(sql, None)

    def drop(apps: Any, schema_editor: Any) -> None:
        for sql in drop_sql(schema_editor.connection.vendor, tables):
            schema_editor.execute(sql, None)

    return add, drop


def for_immutable_tables(*tables: str) -> tuple[Any, Any]:
    """(install, remove) for tables whose every row is fixed once written (no draft status)."""

    def add(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(_PG_FUNCTION, None)
        for table in tables:
            name = f"{table}_signed_immutable"
            if vendor == "postgresql":
                sql = (
                    f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW "
                    "EXECUTE FUNCTION stepcare_records_refuse_change();"
                )
            elif vendor == "sqlite":
                sql = (
                    f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
                )
            else:
                continue
            schema_editor.execute(sql, None)

    def drop(apps: Any, schema_editor: Any) -> None:
        for sql in drop_sql(schema_editor.connection.vendor, tables):
            schema_editor.execute(sql, None)

    return add, drop
