"""What every table of the national dataset shares: the period, its referrals, the refusal,
the value formats and the shape of a table."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from stepcare.referrals.models import (
    Referral,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")


CHUNK = 2000


Progress = Callable[[int, int], None]


class DatasetRefused(Exception):
    """A dataset that cannot be produced (a bad period), with a message."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise DatasetRefused(
                f"The period ends ({self.end:%d/%m/%Y}) before it starts ({self.start:%d/%m/%Y})."
            )

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as Europe/London midnights."""
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=LONDON),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON),
        )


def referrals_in_period(period: Period, team_ids: list[int] | None = None) -> QuerySet[Referral]:
    """Referrals active in the period: received by its end, not discharged before its start."""
    qs = Referral.objects.counted().filter(received_on__lte=period.end)
    qs = qs.filter(Q(discharge_date__isnull=True) | Q(discharge_date__gte=period.start))
    if team_ids is not None:
        qs = qs.filter(team_id__in=team_ids)
    return qs


def _d(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def _flag(value: bool) -> int:
    return 1 if value else 0


def _score(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


@dataclass(frozen=True)
class Table:
    """One dataset table: its official name, its columns, its rows for a period."""

    name: str
    title: str
    columns: tuple[str, ...]
    source: Callable[[Period, QuerySet[Referral]], Any]
    rows: Callable[[Any], Iterable[tuple[object, ...]]]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


def _one(row: Callable[[Any], tuple[object, ...]]) -> Callable[[Any], Iterable[tuple[object, ...]]]:
    return lambda record: (row(record),)
