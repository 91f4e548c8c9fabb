"""Named dashboard periods: financial years from 1 April, quarters and months, either side of a year end."""

from __future__ import annotations

import datetime as dt

import pytest

from stepcare.reporting.views import preset_period

D = dt.date


@pytest.mark.parametrize(
    ("name", "today", "expected"),
    [
        ("this_fy", D(2026, 11, 30), (D(2026, 4, 1), D(2027, 3, 31))),
        ("this_fy", D(2027, 3, 31), (D(2026, 4, 1), D(2027, 3, 31))),
        ("last_fy", D(2026, 4, 1), (D(2025, 4, 1), D(2026, 3, 31))),
        ("this_quarter", D(2026, 11, 30), (D(2026, 10, 1), D(2026, 12, 31))),
        ("last_quarter", D(2026, 2, 10), (D(2025, 10, 1), D(2025, 12, 31))),
        ("this_month", D(2026, 2, 10), (D(2026, 2, 1), D(2026, 2, 28))),
        ("last_month", D(2026, 1, 15), (D(2025, 12, 1), D(2025, 12, 31))),
    ],
)
def test_a_named_period_covers_the_right_days(name, today, expected) -> None:
    assert preset_period(name, today) == expected
