"""A therapist's allocations ended in a period by index: the courses they finished in the last
year (their caseload page's figure), read from that year's allocations, not their whole history
(issue 15). Built without locking the table on PostgreSQL: allocations are written all day."""

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
        ("referrals", "0007_referral_period_indexes"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="allocation",
            index=models.Index(
                condition=models.Q(("ended_at__isnull", False)),
                fields=["therapist", "ended_at"],
                name="allocation_ended_by_therapist",
            ),
        ),
    ]
