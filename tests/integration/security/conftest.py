from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """These tests post the public forms many times: start and end each with an empty cache,
    so the per-address limit they reach never spills into other tests."""
    cache.clear()
    yield
    cache.clear()
