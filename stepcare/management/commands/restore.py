"""stepcare restore FILE: load a backup made by ``stepcare backup`` into an empty database.

Refuses a database that already has tables, so that a restore never mixes with, or
overwrites, live records. Create a new empty database, point DATABASE_URL at it, restore,
check it, then switch the service over.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.management.commands.backup import is_postgresql, libpq_env, require_tool

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class Command(BaseCommand):
    help = "Load a backup made by 'stepcare backup' into an empty database (DATABASE_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"]).resolve()
        if not source.is_file():
            raise CommandError(f"{source} is not a file.")
        with source.open("rb") as fh:
            head = fh.read(16)
        tables = connection.introspection.table_names()
        if tables:
            raise CommandError(
                f"The database {connection.settings_dict['NAME']} is not empty: it has {len(tables)} "
                f"tables (for example {', '.join(sorted(tables)[:3])}). Restore only into a new, empty "
                "database: create one, point DATABASE_URL at it and run stepcare restore again."
            )
        if is_postgresql():
            if not head.startswith(PGDUMP_MAGIC):
                raise CommandError(f"{source} is not a PostgreSQL backup made by stepcare backup.")
            pg_restore = require_tool("pg_restore")
            connection.close()
            env = libpq_env()
            result = subprocess.run(  # noqa: S603 (a fixed program; the file is an argument)
                [
                    pg_restore,
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={env['PGDATABASE']}",
                    str(source),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise CommandError(f"pg_restore failed (nothing was restored): {result.stderr.strip()}")
        else:
            if not head.startswith(SQLITE_MAGIC):
                raise CommandError(f"{source} is not an SQLite backup made by stepcare backup.")
            connection.ensure_connection()
            backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                backup.backup(connection.connection)
            finally:
                backup.close()
        record(
            by=None,
            action=AuditEvent.Action.UPDATE,
            detail={"restored_from": str(source), "engine": connection.vendor},
            username="stepcare restore",
        )
        count = len(connection.introspection.table_names())
        self.stdout.write(
            f"Restored {source} into the {connection.vendor} database "
            f"{connection.settings_dict['NAME']} ({count} tables). Run stepcare migrate if this "
            "release has newer migrations, then check /health/ready/."
        )
