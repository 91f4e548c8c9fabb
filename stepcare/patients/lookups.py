"""An index-friendly prefix search for the derived, lower-case search keys.

``startswith`` becomes ``LIKE 'abc%' ESCAPE '\\'``, which SQLite cannot answer from an
ordinary index (its LIKE is case-insensitive). The search keys are already lower-case, so on
SQLite a range (``>= 'abc' AND < 'abc\\U0010ffff'``) finds the same rows from the index. On
PostgreSQL the keys are kept in the "C" collation (byte order, as SQLite's BINARY), so that
one ordinary index answers both ``LIKE 'abc%'`` and ``ORDER BY`` the key: a search for a
common surname reads the first page of matches in order and stops, however many people the
service holds (patients migration 0006).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler


class SearchKeyField(models.CharField):  # type: ignore[type-arg]
    """A lower-case, space-normalised key derived from other fields, searched by prefix.

    On PostgreSQL the column is in the "C" collation (see the module's note); SQLite's default
    collation is already byte order."""

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, Any]:
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters


@SearchKeyField.register_lookup
class Prefix(models.Lookup):  # type: ignore[type-arg]
    lookup_name = "prefix"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, self.rhs, f"{self.rhs}\U0010ffff"]

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = connection.ops.prep_for_like_query(self.rhs) + "%"
        return f"{lhs} LIKE %s", [*lhs_params, pattern]
