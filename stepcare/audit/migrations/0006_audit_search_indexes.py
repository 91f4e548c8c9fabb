"""Two partial indexes for the audit search over a long trail: the seldom kinds of event
(refusals, break-glass, sign-ins, exports) by time, and the username typed at a failed sign-in
(events with no account).

Built without locking the table on PostgreSQL (CREATE INDEX CONCURRENTLY, outside a
transaction): every page view writes an event, so an index build that blocked writes would stop
the service for as long as it took over years of events.
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

SELDOM_ACTIONS = (
    "access_denied",
    "break_glass",
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "mfa_enrolled",
    "export",
)


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
        ("audit", "0005_audit_no_duplicate_indexes"),
        ("patients", "0005_patient_death_source"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("action__in", SELDOM_ACTIONS)),
                fields=["action", "-at"],
                name="audit_seldom_action_at",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="auditevent",
            index=models.Index(
                django.db.models.functions.text.Upper("username"),
                condition=models.Q(("user__isnull", True)),
                name="audit_no_account_username",
            ),
        ),
    ]
