from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "stepcare.audit"
    label = "audit"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from stepcare.audit import sqlite

        connection_created.connect(sqlite.register, dispatch_uid="stepcare_audit_sqlite")
        sqlite.install_flush_hook()
