"""stepcare backup --out FILE: a consistent copy of the whole database, for moving a service
or keeping a copy before an upgrade. Not a replacement for point-in-time recovery (README).

- PostgreSQL: ``pg_dump --format=custom`` (restore with ``stepcare restore`` or pg_restore);
- SQLite: the sqlite3 online backup API, safe while the service is running.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def libpq_env() -> dict[str, str]:
    """The environment that points pg_dump/pg_restore at Django's default database."""
    s = connection.settings_dict
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    env["PGDATABASE"] = str(s["NAME"])
    return env


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            f"{name} was not found. Install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client), matching or newer than the server."
        )
    return path


class Command(BaseCommand):
    help = "Copy the whole database to FILE (pg_dump custom format, or an SQLite backup)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, metavar="FILE", help="where to write the backup")
        parser.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"]).resolve()
        if out.exists() and not options["overwrite"]:
            raise CommandError(f"{out} exists. Choose a new file name, or add --overwrite.")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        # The backup holds the record of its own making.
        record(
            by=None,
            action=AuditEvent.Action.EXPORT,
            detail={"backup": str(out), "engine": connection.vendor},
            username="stepcare backup",
        )
        partial = out.with_name(out.name + ".partial")
        try:
            if is_postgresql():
                pg_dump = require_tool("pg_dump")
                result = subprocess.run(  # noqa: S603 (a fixed program; the file is an argument)
                    [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"],
                    env=libpq_env(),
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
            else:
                connection.ensure_connection()
                target = sqlite3.connect(partial)
                try:
                    connection.connection.backup(target)
                finally:
                    target.close()
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
        size = out.stat().st_size
        self.stdout.write(f"Backed up the {connection.vendor} database to {out} ({size:,} bytes).")
