"""The reports' period cohorts by index: referrals by the date they entered treatment, and
ended referrals by their discharge date (issue 15). Built without locking the table on
PostgreSQL: referrals are written all day."""

from django.db import migrations, models


# A frozen copy of the operation of audit/0006 (a migration imports no application code).
class AddIndexWithoutLocking(migrations.AddIndex):
    """CREATE INDEX CONCURRENTLY on PostgreSQL; a plain CREATE INDEX elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)
        return None

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)
        return None


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("referrals", "0006_referral_list_partial_indexes"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("first_treatment_date__isnull", False)),
                fields=["first_treatment_date"],
                name="referral_entered_treatment",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="referral",
            index=models.Index(
                condition=models.Q(("status", "ended")),
                fields=["discharge_date"],
                name="referral_ended_on",
            ),
        ),
    ]
