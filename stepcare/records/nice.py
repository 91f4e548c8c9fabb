"""The NICE-recommended number of high-intensity sessions, as configuration.

Figures are those of DOMAIN.md §5; several come from secondary summaries and are marked as
not yet checked against the guideline. A service overrides or adds ranges with the
``RECORDS_SESSION_RANGES`` setting (JSON: ``{"cbt:F41.1": "12-15 | NICE CG113, checked 2026"}``).
The plan shows the range and its source; it never stops a clinician planning otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

DEPRESSION = ("F32", "F33")


@dataclass(frozen=True)
class SessionRange:
    low: int | None
    high: int | None
    source: str
    verified: bool = False
    unit: str = "sessions"

    def describe(self) -> str:
        if self.low and self.high:
            span = f"{self.low}–{self.high}" if self.low != self.high else f"{self.low}"
        elif self.high:
            span = f"up to {self.high}"
        else:
            span = f"more than {self.low}"
        checked = "" if self.verified else " (not yet checked against the guideline)"
        return f"{span} {self.unit}; {self.source}{checked}"

    def outside(self, planned: int | None) -> bool:
        if planned is None or self.unit != "sessions":
            return False
        return bool((self.low and planned < self.low) or (self.high and planned > self.high))


def _defaults() -> dict[str, SessionRange]:
    ranges: dict[str, SessionRange] = {}
    for code in DEPRESSION:
        ranges[f"cbt:{code}"] = SessionRange(12, 20, "NICE NG222 (secondary summaries)")
        ranges[f"ba:{code}"] = SessionRange(12, 20, "NICE NG222 (secondary summaries)")
        ranges[f"ipt:{code}"] = SessionRange(16, 20, "IAPT IPT curriculum")
        ranges[f"cfd:{code}"] = SessionRange(6, 20, "NICE CG90; IAPT counselling for depression curriculum")
        ranges[f"dit:{code}"] = SessionRange(16, 16, "IAPT DIT curriculum")
        ranges[f"couples:{code}"] = SessionRange(15, 20, "NICE CG90")
        ranges[f"mbct:{code}"] = SessionRange(8, 8, "NICE CG90 (group, relapse prevention)")
    ranges.update(
        {
            "cbt:F41.1": SessionRange(12, 15, "NICE CG113"),
            "applied_relaxation:F41.1": SessionRange(12, 15, "NICE CG113"),
            "cbt:F41.0": SessionRange(7, 14, "NICE CG113", unit="hours in total"),
            "cbt:F40.1": SessionRange(None, 14, "NICE CG159", verified=True),
            "cbt:F43.1": SessionRange(8, 12, "NICE NG116 (secondary summaries)"),
            "emdr:F43.1": SessionRange(8, 12, "NICE NG116"),
            "cbt:F42": SessionRange(
                10, None, "NICE CG31 (moderate OCD, CBT with ERP)", unit="therapist hours"
            ),
            "cbt:F45.2": SessionRange(12, 16, "no NICE guideline; usual practice"),
        }
    )
    return ranges


def range_for(modality: str, descriptor: str) -> SessionRange | None:
    key = f"{modality}:{descriptor}"
    override = getattr(settings, "RECORDS_SESSION_RANGES", {}).get(key)
    if override:
        span, _, source = override.partition("|")
        low, _, high = span.strip().partition("-")
        return SessionRange(
            int(low) if low.strip() else None,
            int(high) if high.strip() else None,
            source.strip() or "the service's configuration",
            verified=True,
        )
    return _defaults().get(key)
