"""collectstatic with the production storage (WhiteNoise's compressed manifest) succeeds:
every file the built stylesheets and scripts refer to is shipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.unit.test_settings import GOOD


def test_production_collectstatic_builds_a_manifest_of_every_asset(tmp_path: Path) -> None:
    script = (
        "import django, os; django.setup()\n"
        "from django.conf import settings\n"
        "from django.test.utils import override_settings\n"
        "from django.core.management import call_command\n"
        f"with override_settings(STATIC_ROOT={str(tmp_path)!r}):\n"
        "    call_command('collectstatic', interactive=False, verbosity=0)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in GOOD and k != "DEBUG"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, **GOOD, "DJANGO_SETTINGS_MODULE": "stepcare.settings"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert "vendor/nhsuk-frontend.min.css" in manifest
    hashed_css = tmp_path / manifest["vendor/nhsuk-frontend.min.css"]
    assert hashed_css.exists() and (tmp_path / f"{manifest['vendor/nhsuk-frontend.min.css']}.gz").exists()
    assert "sourceMappingURL" not in hashed_css.read_text()
