"""`stepcare backup` and `stepcare restore` round-trip a small demo service, on SQLite and on
PostgreSQL: every table has the same rows afterwards (count and checksum), and a database
that is not empty is refused.

The commands run as a service would run them, in their own processes, against databases made
for this test (not the suite's test database). The PostgreSQL round trip runs when the suite
runs on PostgreSQL (`make test-postgres`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

Snapshot = dict[str, tuple[int, str]]
RESTORE_EVENT = "username <> 'stepcare restore'"


def _stepcare(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update({"STEPCARE_ENV": "test", "DATABASE_URL": database_url})
    return subprocess.run(
        [sys.executable, "-m", "stepcare.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _digest(rows: list[tuple[object, ...]]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(repr(row).encode())
        h.update(b"\n")
    return h.hexdigest()


Query = Callable[[str], tuple[int, list[tuple[object, ...]]]]  # sql -> (columns, rows)


def _snapshot(query: Query, tables: list[str]) -> Snapshot:
    """Each table's row count and a checksum of its rows in a fixed order (the restore's own
    audit event left out)."""
    snap: Snapshot = {}
    for table in tables:
        where = f" WHERE {RESTORE_EVENT}" if table == "audit_auditevent" else ""
        width, _ = query(f'SELECT * FROM "{table}" LIMIT 0')
        order = ", ".join(str(i) for i in range(1, width + 1))
        _, rows = query(f'SELECT * FROM "{table}"{where} ORDER BY {order}')
        snap[table] = (len(rows), _digest(rows))
    return snap


def _sqlite_snapshot(path: Path) -> Snapshot:
    con = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]

        def query(sql: str) -> tuple[int, list[tuple[object, ...]]]:
            cursor = con.execute(sql)
            return len(cursor.description), cursor.fetchall()

        return _snapshot(query, tables)
    finally:
        con.close()


def _pg_snapshot(url: str) -> Snapshot:
    import psycopg

    with psycopg.connect(url) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]

        def query(sql: str) -> tuple[int, list[tuple[object, ...]]]:
            cursor = con.execute(sql)  # type: ignore[arg-type]
            return len(cursor.description or ()), cursor.fetchall()

        return _snapshot(query, tables)


def _assert_same_rows(before: Snapshot, after: Snapshot) -> None:
    assert sorted(before) == sorted(after)
    different = [t for t in before if before[t] != after[t]]
    assert not different, {t: (before[t], after[t]) for t in different}
    populated = [t for t, (count, _) in before.items() if count]
    assert {"patients_patient", "referrals_referral", "scheduling_appointment"} <= set(populated)


def _round_trip(source_url: str, target_url: str, backup: Path, snapshot: Callable[[], Snapshot]) -> None:
    _ok(_stepcare(source_url, "migrate", "--no-input", "-v0"))
    _ok(_stepcare(source_url, "demo", "--patients", "30", "--seed", "7"))
    assert "Backed up" in _ok(_stepcare(source_url, "backup", "--out", str(backup)))
    before = snapshot()
    refused = _stepcare(source_url, "restore", str(backup))
    assert refused.returncode != 0 and "is not empty" in refused.stderr
    assert snapshot() == before, "a refused restore changed the live database"
    assert "Restored" in _ok(_stepcare(target_url, "restore", str(backup)))
    # The restored copy is a working Stepcare: nothing to migrate.
    assert "[ ]" not in _ok(_stepcare(target_url, "showmigrations", "--plan"))


def test_a_sqlite_backup_restores_every_row_into_an_empty_database(tmp_path: Path) -> None:
    source, target, backup = tmp_path / "live.sqlite3", tmp_path / "new.sqlite3", tmp_path / "backup.sqlite3"
    _round_trip(f"sqlite:///{source}", f"sqlite:///{target}", backup, lambda: _sqlite_snapshot(source))
    _assert_same_rows(_sqlite_snapshot(source), _sqlite_snapshot(target))
    assert backup.read_bytes().startswith(b"SQLite format 3")


@pytest.fixture
def pg_databases() -> Iterator[tuple[str, str]]:
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith(("postgres://", "postgresql://")):
        pytest.skip("The PostgreSQL round trip runs with the suite on PostgreSQL (make test-postgres).")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.fail("pg_dump/pg_restore are missing: make pg-client (Debian's postgresql-client).")
    import psycopg

    parts = urlsplit(suite_url)
    names = [f"stepcare_backup_{uuid.uuid4().hex[:8]}_{side}" for side in ("live", "new")]
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield tuple(urlunsplit(parts._replace(path=f"/{name}")) for name in names)  # type: ignore[misc]
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_postgresql_backup_restores_every_row_into_an_empty_database(
    tmp_path: Path, pg_databases: tuple[str, str]
) -> None:
    source, target = pg_databases
    backup = tmp_path / "backup.dump"
    _round_trip(source, target, backup, lambda: _pg_snapshot(source))
    _assert_same_rows(_pg_snapshot(source), _pg_snapshot(target))
    assert backup.read_bytes().startswith(b"PGDMP")
