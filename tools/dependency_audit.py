"""Known vulnerabilities in the installed dependencies (pip-audit), for `make lint`.

Three answers, never a silent pass:
- vulnerabilities found: they are listed and the exit status is 1 (lint fails);
- every dependency checked and none found: says so, exit 0;
- the vulnerability data could not be reached, or some dependencies could not be checked
  (no network to PyPI's advisory data, a private mirror that lacks it): a loud WARNING naming
  how many were NOT checked, exit 0 (lint does not fail on an unreachable service, but nobody
  can mistake it for a pass). See docs/security.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path


def main() -> int:
    pip_audit = shutil.which("pip-audit") or str(Path(sys.executable).with_name("pip-audit"))
    if not Path(pip_audit).exists():
        print("WARNING: pip-audit is not installed: dependencies NOT checked for known vulnerabilities.")
        return 0
    try:
        run = subprocess.run(  # noqa: S603 - a fixed command line
            [pip_audit, "--format", "json", "--progress-spinner", "off", "--skip-editable"],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        print("WARNING: pip-audit timed out: dependencies NOT checked for known vulnerabilities.")
        return 0
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        reason = (run.stderr.strip().splitlines() or ["no output"])[-1]
        print(
            "WARNING: the vulnerability data could not be reached; dependencies NOT checked "
            f"for known vulnerabilities.\n  pip-audit said: {reason[:300]}"
        )
        return 0
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"VULNERABLE: {dep['name']} {dep.get('version', '')}: {vuln.get('id')} (fixed in {fixes})")
    checked = len(dependencies) - len(skipped)
    if skipped:
        print(
            f"WARNING: {len(skipped)} of {len(dependencies)} dependencies could NOT be checked for known "
            f"vulnerabilities (e.g. {skipped[0]['name']}: {skipped[0]['skip_reason']}). "
            "The advisory data is not reachable from here: run `make lint` where PyPI's "
            "vulnerability data can be reached."
        )
    if vulnerable:
        return 1
    if not checked:
        print("Dependency audit: NOTHING was checked (see the warning above). This is not a pass.")
        return 0
    print(f"Dependency audit: no known vulnerabilities in the {checked} dependencies checked.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
