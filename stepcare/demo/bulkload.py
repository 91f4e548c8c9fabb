"""Writing many generated rows quickly (the large demo): explicit ids, one COPY per table on
PostgreSQL and one ``executemany`` on SQLite, from ordinary model instances.

Django's ``bulk_create`` compiles every value of every row through the field machinery, which
costs more than generating the data. This writer takes the same model instances, reads each
concrete field once through a converter chosen per field type, fills ``auto_now`` and
``auto_now_add`` fields with one timestamp, and hands whole rows to the database driver. Ids
are given in Python (from the table's current maximum), so rows can point at each other before
they are written; ``finish`` moves PostgreSQL's sequences past them. Constraints (checks,
foreign keys, PostgreSQL's exclusion constraints) are still enforced by the database.
Only for bulk loads of synthetic data: no signals, no ``save()``, no audit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

Converter = Callable[[Any], Any]
M = TypeVar("M", bound=models.Model)


class BulkWriter:
    def __init__(self) -> None:
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.next_ids: dict[type[models.Model], int] = {}
        self.plans: dict[type[models.Model], tuple[str, list[tuple[str, Converter | None, bool]]]] = {}
        self.now = timezone.now()

    def assign(self, obj: M) -> M:
        """Give ``obj`` the next id of its table (before it is used as a foreign key)."""
        model = type(obj)
        if model not in self.next_ids:
            self.next_ids[model] = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        obj.pk = self.next_ids[model]
        self.next_ids[model] += 1
        return obj

    def _plan(self, model: type[models.Model]) -> tuple[str, list[tuple[str, Converter | None, bool]]]:
        if model in self.plans:
            return self.plans[model]
        ops = connection.ops
        columns, fields = [], []
        sqlite = self.vendor == "sqlite"
        for field in model._meta.local_concrete_fields:
            columns.append(ops.quote_name(field.column))
            conv: Converter | None = None
            if isinstance(field, models.JSONField):
                conv = json.dumps
            elif sqlite and isinstance(field, models.DateTimeField):
                conv = ops.adapt_datetimefield_value
            elif sqlite and isinstance(field, models.DateField):
                conv = ops.adapt_datefield_value
            elif sqlite and isinstance(field, models.TimeField):
                conv = ops.adapt_timefield_value
            elif sqlite and isinstance(field, models.DecimalField):
                conv = str
            stamp = isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add)
            fields.append((field.attname, conv, stamp))
        table = ops.quote_name(model._meta.db_table)
        plan = (f"{table} ({', '.join(columns)})", fields)
        self.plans[model] = plan
        return plan

    def write(self, model: type[models.Model], objs: Sequence[models.Model]) -> None:
        """Insert ``objs`` (instances of ``model`` with ids from ``assign``) in one go."""
        if not objs:
            return
        target, fields = self._plan(model)
        now = self.now
        stamped = now if self.vendor != "sqlite" else connection.ops.adapt_datetimefield_value(now)
        rows = []
        for obj in objs:
            row = []
            for attname, conv, stamp in fields:
                value = getattr(obj, attname)
                if stamp and value is None:
                    row.append(stamped)
                    continue
                row.append(conv(value) if conv is not None and value is not None else value)
            rows.append(row)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", rows)  # noqa: S608

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids given here (SQLite needs nothing)."""
        if self.vendor != "postgresql" or not self.next_ids:
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.next_ids)):
                cursor.execute(sql)
