"""Drop the audit tables' single-column foreign-key indexes: each repeats the leading column of
an index the table already has ((patient, -at), (user, -at) on events; (event, patient) unique
and (patient, event) on the patients an event showed), and every page view wrote to them.

The indexes are dropped by name rather than by altering the fields, because SQLite alters a
field by rebuilding its table, which would take the append-only triggers of 0004 with it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, index name as Django named it on both databases)
INDEXES = (
    ("audit_auditevent", "patient_id", "audit_auditevent_patient_id_82c45eaf"),
    ("audit_auditevent", "user_id", "audit_auditevent_user_id_871f21a9"),
    ("audit_auditeventpatient", "event_id", "audit_auditeventpatient_event_id_381ad039"),
    ("audit_auditeventpatient", "patient_id", "audit_auditeventpatient_patient_id_5d61effe"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_append_only_on_sqlite_and_new_tables"),
        ("patients", "0005_patient_death_source"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS {name} ON {table} ("{column}")',
                )
                for table, column, name in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="patient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="patients.patient",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="auditeventpatient",
                    name="event",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="shown",
                        to="audit.auditevent",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditeventpatient",
                    name="patient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="patients.patient",
                    ),
                ),
            ],
        )
    ]
