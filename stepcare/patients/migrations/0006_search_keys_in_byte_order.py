"""The name search keys in the "C" collation on PostgreSQL (byte order, as SQLite's default):
their ordinary indexes then answer a prefix search and its order together, so a search for a
common surname reads one page of matches in index order and stops (issue 15). The pattern
indexes declared for the two name keys are then duplicates and go.

Changing a column's collation rewrites no rows but rebuilds the column's indexes, under a lock
on the table: seconds for a service's patients (100,000 in about a second here)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

COLUMNS = (("search_name", 201), ("search_given", 100), ("search_mobile", 20), ("search_home", 20))


def _collate(schema_editor: BaseDatabaseSchemaEditor, collation: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    changes = ", ".join(
        f'ALTER COLUMN {column} TYPE varchar({length}) COLLATE "{collation}"' for column, length in COLUMNS
    )
    schema_editor.execute(f"ALTER TABLE patients_patient {changes}")


def to_byte_order(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _collate(schema_editor, "C")


def to_database_default(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _collate(schema_editor, "default")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0005_patient_death_source"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="patient", name="patient_search_name_prefix"),
        migrations.RemoveIndex(model_name="patient", name="patient_search_given_prefix"),
        migrations.RunPython(to_byte_order, to_database_default),
    ]
