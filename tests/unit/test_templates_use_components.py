"""Every table and summary list in the templates is written with the components (ADR 0019).

The NHS.UK table and summary list markup lives in ``templates/_components/`` and is written by
the ``{% table %}`` and ``{% summary_list %}`` tags of ``{% load components %}``, which give
every table a caption, never an empty header cell, and action links named first by what they
show. A template that writes ``nhsuk-table`` or ``nhsuk-summary-list`` classes (or a ``<table>``)
by hand fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "stepcare" / "templates"
COMPONENTS = TEMPLATES / "_components"

# The hand-written markup: the design system's classes, or a table element of any kind.
HAND_WRITTEN = re.compile(r"nhsuk-table|nhsuk-summary-list|<table[\s>]", re.IGNORECASE)

# Templates still writing the markup by hand, to convert (the list only shrinks). Only
# outcomes/ and reporting/ templates may ever be named here. Empty today.
NOT_YET_CONVERTED: frozenset[str] = frozenset()


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html") if COMPONENTS not in p.parents)


def _hand_written() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in _templates():
        lines = [
            n
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if HAND_WRITTEN.search(line)
        ]
        if lines:
            found[path.relative_to(TEMPLATES).as_posix()] = lines
    return found


def test_no_template_writes_a_table_or_summary_list_by_hand() -> None:
    found = _hand_written()
    offenders = {name: lines for name, lines in found.items() if name not in NOT_YET_CONVERTED}
    assert not offenders, (
        "Write tables and summary lists with {% load components %} ({% table %}, "
        f"{{% summary_list %}}), not by hand: {offenders}"
    )


def test_the_allow_list_names_only_outcomes_and_reporting_templates_that_still_need_it() -> None:
    assert all(name.startswith(("outcomes/", "reporting/")) for name in NOT_YET_CONVERTED)
    found = _hand_written()
    converted = sorted(name for name in NOT_YET_CONVERTED if name not in found)
    assert not converted, f"Converted: remove from NOT_YET_CONVERTED: {converted}"


def test_the_check_finds_hand_written_markup() -> None:
    assert HAND_WRITTEN.search('<table class="nhsuk-table">')
    assert HAND_WRITTEN.search('<dl class="nhsuk-summary-list">')
    assert HAND_WRITTEN.search('<caption class="nhsuk-table__caption">')
    assert HAND_WRITTEN.search("<table>")
    assert not HAND_WRITTEN.search('{% table "Caption" head="A|B" %}')
    assert not HAND_WRITTEN.search('<dl class="stepcare-banner__items">')
    assert len(_templates()) > 100 and not any(COMPONENTS in p.parents for p in _templates())
