from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    """Export files go to a folder of the test's own."""
    settings.STEPCARE_EXPORTS_DIR = tmp_path / "exports"
    return settings.STEPCARE_EXPORTS_DIR
