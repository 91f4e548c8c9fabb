"""Service configuration: a service's own cut-offs, reliable-change values and bands.

Thresholds that are not national NHS Talking Therapies rules (the ADSM values, the phobia-scale
cut-off, the WSAS bands) are configuration. A service overrides them with a JSON file, and must
say where each new value came from (`source`), so that every screen can show it:

    {
      "description": "Anytown Talking Therapies, clinical governance decision 2025-03",
      "measures": {
        "SPIN": {
          "caseness": {"value": 19, "source": "NHS Talking Therapies Manual v7, appendix C"},
          "reliable_change": {"value": 10, "source": "NHS Talking Therapies Manual v7"}
        },
        "MI": {"caseness": {"value": 2.3, "comparator": ">", "source": "..."}},
        "IES-R": {"codes": {"snomed": "...", "loinc": null, "source": "..."}},
        "WSAS": {"severity_bands": {"source": "...", "bands": [
          {"label": "subclinical", "min": 0, "max": 9}, ...]}}
      }
    }

National rules (PHQ-9 and GAD-7 caseness and reliable change, their bands) cannot be
overridden. `apply_overrides` is pure: it returns a new `Registry`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import replace

from stepcare.measures.catalogue import DEFAULT_REGISTRY
from stepcare.measures.errors import ConfigError
from stepcare.measures.jsonfile import as_object, read_json, reject_unknown_fields
from stepcare.measures.model import (
    Band,
    CasenessBasis,
    Comparator,
    Cutoff,
    Measure,
    Number,
    Registry,
    ReliableChange,
    Scoring,
    SeverityBands,
)

CONFIG_ENV_VAR = "STEPCARE_MEASURES_CONFIG"
"""Environment variable naming a configuration file, used when no file is given explicitly."""

_TOP_LEVEL_FIELDS = frozenset({"description", "measures"})
_MEASURE_FIELDS = frozenset({"caseness", "reliable_change", "severity_bands", "codes"})


def load_config(path: str | os.PathLike[str], *, registry: Registry = DEFAULT_REGISTRY) -> Registry:
    """Read a configuration file and apply it to `registry` (the built-in one by default)."""
    data = read_json(path, "configuration file")
    return apply_overrides(registry, data, origin=str(path))


def registry_from_environment(
    path: str | None = None, *, environ: Mapping[str, str] | None = None
) -> Registry:
    """The registry in force: `path` if given, else the file named by STEPCARE_MEASURES_CONFIG,
    else the built-in definitions."""
    env = os.environ if environ is None else environ
    chosen = path or env.get(CONFIG_ENV_VAR) or None
    return DEFAULT_REGISTRY if chosen is None else load_config(chosen)


def apply_overrides(registry: Registry, data: object, *, origin: str = "configuration") -> Registry:
    """A new registry with a service's overrides applied (see the module docstring for format).

    Raises `ConfigError` naming the measure and field for anything it cannot apply.
    """
    top = as_object(data, origin)
    reject_unknown_fields(top, _TOP_LEVEL_FIELDS, origin)
    if "description" in top and not isinstance(top["description"], str):
        raise ConfigError(f"{origin}: description: expected text")
    measures = as_object(top.get("measures", {}), f"{origin}: measures")
    for code, overrides in measures.items():
        measure = registry.find(code)
        if measure is None:
            known = ", ".join(registry.codes)
            raise ConfigError(f"{origin}: unknown measure {code!r}: expected one of {known}")
        where = f"{origin}: {measure.code}"
        registry = registry.replace(_override_measure(measure, overrides, where))
    return registry


def _override_measure(measure: Measure, data: object, where: str) -> Measure:
    fields = as_object(data, where)
    reject_unknown_fields(fields, _MEASURE_FIELDS, where)
    if "caseness" in fields:
        measure = replace(measure, caseness=_caseness(measure, fields["caseness"], f"{where}.caseness"))
    if "reliable_change" in fields:
        rci = _reliable_change(measure, fields["reliable_change"], f"{where}.reliable_change")
        measure = replace(measure, reliable_change=rci)
    if "severity_bands" in fields:
        bands = _bands(measure, fields["severity_bands"], f"{where}.severity_bands")
        measure = replace(measure, severity=bands)
    if "codes" in fields:
        measure = _codes(measure, fields["codes"], f"{where}.codes")
    return measure


def _codes(measure: Measure, data: object, where: str) -> Measure:
    """The measure's SNOMED CT concept (``CodedAssToolType``) and LOINC code, with their source:
    ``{"snomed": "720433000", "loinc": "44261-6", "source": "..."}`` (null clears a code)."""
    fields = as_object(data, where)
    reject_unknown_fields(fields, frozenset({"snomed", "loinc", "source"}), where)
    source = _source(fields, where)
    codes: dict[str, str | None] = {"snomed": measure.snomed_code, "loinc": measure.loinc_code}
    for name in ("snomed", "loinc"):
        if name not in fields:
            continue
        value = fields[name]
        if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > 20):
            raise ConfigError(f"{where}.{name}: a code is a short string such as 720433000, or null")
        codes[name] = value.strip() if isinstance(value, str) else None
    return replace(measure, snomed_code=codes["snomed"], loinc_code=codes["loinc"], codes_source=source)


def _caseness(measure: Measure, data: object, where: str) -> Cutoff:
    current = measure.caseness
    if current is None:
        raise ConfigError(f"{where}: {measure.code} has no caseness cut-off to override")
    _not_national(current.national, where)
    fields = as_object(data, where)
    reject_unknown_fields(fields, frozenset({"value", "comparator", "source"}), where)
    low: Number = measure.total_min
    high: Number = measure.total_max
    if current.applies_to is CasenessBasis.ANY_ITEM:
        low, high = measure.item_min, measure.item_max
    value = _number(fields, "value", where, low, high)
    comparator = current.comparator
    if "comparator" in fields:
        text = fields["comparator"]
        if not isinstance(text, str) or text not in (">=", ">"):
            raise ConfigError(f"{where}.comparator: expected '>=' or '>', got {text!r}")
        comparator = Comparator(text)
    source = _source(fields, where)
    return Cutoff(value, comparator, current.applies_to, source, national=False)


def _reliable_change(measure: Measure, data: object, where: str) -> ReliableChange:
    current = measure.reliable_change
    if current is not None:
        _not_national(current.national, where)
    fields = as_object(data, where)
    reject_unknown_fields(fields, frozenset({"value", "source"}), where)
    value = _number(fields, "value", where, 0, measure.total_max - measure.total_min)
    if value <= 0:
        raise ConfigError(f"{where}.value: expected a number above 0, got {value!r}")
    return ReliableChange(value, _source(fields, where), national=False)


def _bands(measure: Measure, data: object, where: str) -> SeverityBands:
    if measure.severity is not None:
        _not_national(measure.severity.national, where)
    if measure.scoring is not Scoring.SUM:
        raise ConfigError(f"{where}: bands are supported only for measures scored as a sum")
    fields = as_object(data, where)
    reject_unknown_fields(fields, frozenset({"bands", "source"}), where)
    raw = fields.get("bands")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{where}.bands: expected a non-empty list of bands")
    bands = tuple(_band(measure, entry, f"{where}.bands[{n}]") for n, entry in enumerate(raw))
    _check_bands_cover_range(measure, bands, where)
    return SeverityBands(bands, _source(fields, where), national=False)


def _band(measure: Measure, data: object, where: str) -> Band:
    fields = as_object(data, where)
    reject_unknown_fields(fields, frozenset({"label", "min", "max"}), where)
    label = fields.get("label")
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"{where}.label: expected non-empty text")
    low = _number(fields, "min", where, measure.total_min, measure.total_max, whole=True)
    high = _number(fields, "max", where, measure.total_min, measure.total_max, whole=True)
    if high < low:
        raise ConfigError(f"{where}: max ({high}) is below min ({low})")
    return Band(label.strip(), low, high)


def _check_bands_cover_range(measure: Measure, bands: tuple[Band, ...], where: str) -> None:
    """Bands must run from the lowest to the highest total with no gap and no overlap."""
    expected_low: Number = measure.total_min
    for n, band in enumerate(bands):
        if band.low != expected_low:
            raise ConfigError(
                f"{where}.bands[{n}].min: expected {expected_low} so that the bands have no "
                f"gap or overlap, got {band.low}"
            )
        expected_low = band.high + 1
    if bands[-1].high != measure.total_max:
        raise ConfigError(
            f"{where}.bands: the last band must end at the highest total, "
            f"{measure.total_max}, not {bands[-1].high}"
        )


def _not_national(national: bool, where: str) -> None:
    if national:
        raise ConfigError(
            f"{where}: this is a national NHS Talking Therapies rule and a service cannot override it"
        )


def _number(
    data: Mapping[str, object],
    key: str,
    where: str,
    low: Number,
    high: Number,
    *,
    whole: bool = False,
) -> Number:
    if key not in data:
        raise ConfigError(f"{where}.{key}: missing; expected a number from {low} to {high}")
    value = data[key]
    kind = "a whole number" if whole else "a number"
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or (whole and not float(value).is_integer())
        or not low <= value <= high
    ):
        raise ConfigError(f"{where}.{key}: expected {kind} from {low} to {high}, got {value!r}")
    return int(value) if whole else value


def _source(data: Mapping[str, object], where: str) -> str:
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ConfigError(
            f"{where}.source: missing; say where this value comes from (e.g. the manual "
            "edition and page, or your governance decision)"
        )
    return source.strip()
