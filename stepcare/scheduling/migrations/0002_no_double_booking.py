"""No double booking, held by the database on PostgreSQL.

Exclusion constraints over ``tstzrange(starts_at, ends_at)`` (half open: one appointment
may end at 10:00 and the next start at 10:00) refuse two live rows for the same clinician,
patient or room that overlap. ``btree_gist`` lets the equality on an id share the GiST
index with the range. SQLite has no exclusion constraints: there the actions check under
the database's write lock (see ``stepcare/scheduling/actions.py``).
"""

from django.db import migrations

CONSTRAINTS = (
    (
        "scheduling_appointment",
        "appointment_room_no_overlap",
        "room_id",
        "status = 'booked' AND room_id IS NOT NULL",
    ),
    ("scheduling_appointmentclinician", "appointment_clinician_no_overlap", "clinician_id", "live"),
    ("scheduling_attendee", "attendee_patient_no_overlap", "patient_id", "live"),
)


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for table, name, column, condition in CONSTRAINTS:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE ({condition})"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _column, _condition in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(add, remove, elidable=False)]
