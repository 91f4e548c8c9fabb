"""The hazard log and the security notes name the tests that prove their controls: every test
they name exists, and every hazard names at least one.

A reference is a file in backticks (``tests/…/test_x.py``, or the same without ``tests/``)
optionally followed by ``::test_name``; a bare ``::test_name`` later on the same line belongs to
the last file named before it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["docs/safety/hazard-log.md", "docs/security.md"]
REFERENCE = re.compile(r"`([A-Za-z0-9_/.]*\.py)?(?:::([A-Za-z0-9_]+))?`")


def _test_file(name: str) -> Path | None:
    for candidate in (ROOT / name, ROOT / "tests" / name):
        if candidate.is_file():
            return candidate
    if "/" not in name:  # a file named alone: unique anywhere under tests/
        found = list((ROOT / "tests").rglob(name))
        return found[0] if len(found) == 1 else None
    return None


def references(line: str) -> list[tuple[str, str | None]]:
    """(file, test name or None) for each test reference on one line of a document."""
    found: list[tuple[str, str | None]] = []
    last: str | None = None
    for match in REFERENCE.finditer(line):
        name, test = match.group(1), match.group(2)
        if name and "test_" in Path(name).name:
            last = name
            found.append((name, test))
        elif test and last is not None:
            found.append((last, test))
    return found


def problems_in(text: str) -> list[str]:
    problems = []
    for line in text.splitlines():
        for name, test in references(line):
            path = _test_file(name)
            if path is None:
                problems.append(f"no test file {name}")
            elif test and not re.search(rf"def {re.escape(test)}\b", path.read_text()):
                problems.append(f"no test {name}::{test}")
    return problems


@pytest.mark.parametrize("doc", DOCS)
def test_every_test_named_exists(doc: str) -> None:
    problems = problems_in((ROOT / doc).read_text())
    assert not problems, problems


def test_every_hazard_names_a_test() -> None:
    rows = [line for line in (ROOT / DOCS[0]).read_text().splitlines() if re.match(r"\| H\d+ \|", line)]
    assert len(rows) >= 50
    bare = [row.split("|")[1].strip() for row in rows if not references(row)]
    assert not bare, f"hazards that name no test: {bare}"


def test_a_missing_test_is_reported() -> None:
    line = "C1 `tests/unit/test_safety_docs.py::test_every_hazard_names_a_test`, `::no_such_test`"
    assert problems_in(line) == ["no test tests/unit/test_safety_docs.py::no_such_test"]
    assert problems_in("`tests/unit/test_nowhere.py`") == ["no test file tests/unit/test_nowhere.py"]
