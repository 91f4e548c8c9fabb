"""The demo's postcode deprivation lookup: a small synthetic file in the import layout
(``stepcare/reporting/data/deprivation-demo.csv``), loaded as ``stepcare import-deprivation``
would. It covers the postcodes the default demo (seed 2026, 600 patients) gives its patients;
other seeds and sizes match most of them, and the rest show as "not known" in the equity view.
The LSOA codes (E0199…) and deciles are invented: district NB1 is the most deprived, NB9 the
least."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from stepcare.reporting.actions import import_deprivation
from stepcare.reporting.deprivation import parse_deprivation_csv

if TYPE_CHECKING:
    from stepcare.demo.generator import DemoBuilder

DEPRIVATION_FILE = Path(__file__).resolve().parent.parent / "reporting" / "data" / "deprivation-demo.csv"


def load_deprivation(builder: DemoBuilder) -> None:
    parsed = parse_deprivation_csv(DEPRIVATION_FILE.read_bytes())
    if parsed.file_problem or parsed.bad:  # the shipped file is checked by a test
        raise ValueError(f"{DEPRIVATION_FILE}: {parsed.file_problem or parsed.bad[0]}")
    import_deprivation(by=None, rows=parsed.good)
