"""CSV cells that a spreadsheet will not run as a formula (CSV/formula injection).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be taken
by Excel, LibreOffice or Google Sheets as a formula (``=HYPERLINK(...)``, ``=cmd|...``). Every
CSV Stepcare writes passes its cells through ``safe_cell``: such a cell gets a leading
apostrophe, which spreadsheets show as text. A plain number (``-3``, ``+1.5``) is left alone:
it cannot carry a formula. Pure Python, no Django: the clinical core uses it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def safe_cell(value: object) -> str:
    """The text of ``value`` as a CSV cell no spreadsheet will evaluate."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(v) for v in values]
