"""Measure definitions as plain data (JSON) and as a readable table, for people and programs
that need to see every threshold together with where it came from."""

from __future__ import annotations

from stepcare.measures.model import CasenessBasis, Cutoff, Measure, Registry, ReliableChange, SeverityBands


def describe_measure(measure: Measure) -> dict[str, object]:
    """Everything about a measure that a screen, an API or an auditor needs, as JSON data."""
    return {
        "code": measure.code,
        "name": measure.name,
        "scoring": measure.scoring.value,
        "item_min": measure.item_min,
        "item_max": measure.item_max,
        "total_min": measure.total_min,
        "total_max": measure.total_max,
        "items": [
            {
                "number": item.number,
                "key": item.key,
                "label": item.label,
                "text": item.text,
                "allows_not_applicable": item.allows_not_applicable,
                "flag": item.flag,
            }
            for item in measure.items
        ],
        "response_options": [
            {"value": option.value, "label": option.label} for option in measure.response_options
        ],
        "instructions": measure.instructions,
        "severity_bands": _bands(measure.severity),
        "caseness": _cutoff(measure.caseness),
        "reliable_change": _reliable_change(measure.reliable_change),
        "snomed_code": measure.snomed_code,
        "snomed": measure.snomed_code,
        "loinc": measure.loinc_code,
        "codes_source": measure.codes_source,
        "licence": {
            "wording_free": measure.licence.wording_free,
            "holder": measure.licence.holder,
            "note": measure.licence.note,
        },
        "wording_source": measure.wording_source,
        "adsm_for": list(measure.adsm_for),
        "aliases": list(measure.aliases),
        "notes": measure.notes,
    }


def describe_registry(registry: Registry) -> list[dict[str, object]]:
    """Every measure in registry order."""
    return [describe_measure(measure) for measure in registry]


def registry_table(registry: Registry) -> str:
    """A plain-text table of the measures, followed by the source of each threshold."""
    header = ("code", "items", "item range", "total", "caseness", "RCI", "wording", "name")
    rows = [header]
    for m in registry:
        rows.append(
            (
                m.code,
                str(len(m.items)),
                f"{m.item_min}-{m.item_max}",
                f"{m.total_range_text()} ({m.scoring.value})",
                "-" if m.caseness is None else _caseness_text(m.caseness),
                "-" if m.reliable_change is None else f"{m.reliable_change.value}",
                _wording_text(m),
                m.name,
            )
        )
    widths = [max(len(row[n]) for row in rows) for n in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    ]
    lines += ["", "Sources (national = fixed rule; others are service configuration):"]
    for m in registry:
        lines += [f"  {m.code} {text}" for text in _source_lines(m)]
    return "\n".join(lines)


def _caseness_text(cutoff: Cutoff) -> str:
    text = cutoff.describe()
    return text if cutoff.applies_to is CasenessBasis.TOTAL else f"{text} on any item"


def _wording_text(measure: Measure) -> str:
    if all(item.text for item in measure.items):
        return "shipped" if measure.licence.wording_free else "loaded"
    return "licensed: load locally"


def _source_lines(measure: Measure) -> list[str]:
    lines = []
    if measure.severity is not None:
        lines.append(f"bands: {measure.severity.source}{_national(measure.severity.national)}")
    if measure.caseness is not None:
        lines.append(
            f"caseness {_caseness_text(measure.caseness)}: {measure.caseness.source}"
            f"{_national(measure.caseness.national)}"
        )
    if measure.reliable_change is not None:
        lines.append(
            f"reliable change {measure.reliable_change.value}: {measure.reliable_change.source}"
            f"{_national(measure.reliable_change.national)}"
        )
    return lines


def _national(national: bool) -> str:
    return " [national]" if national else ""


def _bands(severity: SeverityBands | None) -> dict[str, object] | None:
    if severity is None:
        return None
    return {
        "bands": [{"label": b.label, "min": b.low, "max": b.high} for b in severity.bands],
        "source": severity.source,
        "national": severity.national,
    }


def _cutoff(cutoff: Cutoff | None) -> dict[str, object] | None:
    if cutoff is None:
        return None
    return {
        "value": cutoff.value,
        "comparator": cutoff.comparator.value,
        "applies_to": cutoff.applies_to.value,
        "source": cutoff.source,
        "national": cutoff.national,
    }


def _reliable_change(rci: ReliableChange | None) -> dict[str, object] | None:
    if rci is None:
        return None
    return {"value": rci.value, "source": rci.source, "national": rci.national}
