"""Settings of the large demo: its size, the shape of a clinician's week, how appointments go
and how courses end (by weight)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from stepcare.referrals.models import (
    Referral,
)

S = Referral.Status
Progress = Callable[[str], None]

# A clinician's weekly slots: as many as the clinical contacts of a working week, the rest of
# the day being notes, letters, supervision and liaison. A full-time HIT sees about 20-25
# people a week (DOMAIN.md, section 6), five hour-long sessions a day; a PWP's step-2 contacts
# are half an hour, seven a day (about 35 a week, UNVERIFIED: a planning figure).
PWP_TIMES = (
    dt.time(9),
    dt.time(9, 30),
    dt.time(10, 30),
    dt.time(11),
    dt.time(13, 30),
    dt.time(14),
    dt.time(15),
)
HIT_TIMES = tuple(dt.time(h) for h in (9, 10, 11, 14, 15))
LATE_TIMES = tuple(dt.time(h) for h in (12, 13, 15, 18, 19))
# How a past appointment went (national attendance codes), by weight.
PAST_OUTCOMES = (("5", 84), ("6", 3), ("3", 6), ("7", 1), ("2", 4), ("4", 2))
# (pattern, weight, fraction of the starting severity left at the end)
PATTERNS = (
    ("recovers", 37, (0.15, 0.42)),
    ("improves", 36, (0.5, 0.7)),
    ("no_change", 16, (0.85, 1.1)),
    ("deteriorates", 6, (1.3, 1.6)),
    ("stops_answering", 5, (1.0, 1.0)),
)
OUTCOME_CODES = tuple(c for c, _w in PAST_OUTCOMES)
OUTCOME_CUM = tuple(sum(w for _c, w in PAST_OUTCOMES[: i + 1]) for i in range(len(PAST_OUTCOMES)))
FIRST_NAMES_F = 160
FIRST_NAMES_M = 120
FAMILY_NAMES = 400


@dataclass
class LargeOptions:
    years: int = 3
    referrals_per_year: int = 40_000
    # Default: about one clinician per 180 referrals a year (222 for 40,000): enough sessions
    # at the weekly slots above for the referrals taken on.
    clinicians: int | None = None
    batch: int = 2_000

    @property
    def clinician_count(self) -> int:
        if self.clinicians is not None:
            return self.clinicians
        return max(6, round(self.referrals_per_year / 180))

    @property
    def total(self) -> int:
        return self.years * self.referrals_per_year


@dataclass(order=True)
class _Slot:
    """A clinician's weekly slot (weekday and time), free from ``free_from``."""

    free_from: dt.date
    order: int
    clinician_id: int = field(compare=False)
    weekday: int = field(compare=False)
    time: dt.time = field(compare=False)
    minutes: int = field(compare=False)


@dataclass
class _Counts:
    referrals: int = 0
    patients: int = 0
    appointments: int = 0
    responses: int = 0
