"""The append-only audit trail on SQLite.

On PostgreSQL row triggers refuse ``UPDATE`` and ``DELETE`` of audit rows, while ``TRUNCATE``
(used only to empty a whole database, e.g. ``stepcare flush`` or a test run) is not a row
change. SQLite has no ``TRUNCATE``: emptying a database is ``DELETE FROM`` each table. Its
triggers (migration ``audit.0004``) therefore ask ``stepcare_audit_locked()``, a function
registered on every Stepcare connection, which answers 0 only while Django empties the whole
database. Any other connection (the ``sqlite3`` shell, another program) has no such function,
so its ``UPDATE`` or ``DELETE`` of an audit row fails as well.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_state = threading.local()


def _locked() -> int:
    return 0 if getattr(_state, "emptying", False) else 1


@contextmanager
def emptying_database() -> Iterator[None]:
    """While the whole database is emptied (flush), the audit triggers let rows go."""
    _state.emptying = True
    try:
        yield
    finally:
        _state.emptying = False


def register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` handler: give SQLite connections the lock function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("stepcare_audit_locked", 0, _locked, deterministic=False)


def install_flush_hook() -> None:
    """Let Django's flush (which empties every table) through the audit triggers."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    DatabaseOperations = DatabaseWrapper.ops_class
    if getattr(DatabaseOperations.execute_sql_flush, "_stepcare", False):
        return
    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: Any) -> None:
        with emptying_database():
            original(self, sql_list)

    execute_sql_flush._stepcare = True  # type: ignore[attr-defined]
    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
