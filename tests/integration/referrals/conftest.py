from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The public forms' per-address counts live in the cache: start each test with none."""
    cache.clear()
    yield
    cache.clear()
