"""A service's licensed item wording, loaded from its own file.

Stepcare ships scoring for every measure but item wording only where it is free to use. A
service that holds a licence for another instrument (SPIN, PDSS, MI, OCI-R, IES-R, HAI) keeps
the wording in a JSON file of its own; the file can also replace shipped wording (for example
a translation):

    {
      "source": "SPIN wording licensed to Anytown NHS Trust, licence 2025-017",
      "measures": {
        "SPIN": {
          "instructions": "Please indicate how much ...",
          "items": ["text of item 1", "...", "text of item 17"],
          "response_options": [{"value": 0, "label": "Not at all"}, ...]
        }
      }
    }

`items` lists the text of every item in order. `instructions`, `response_options` and a
per-measure `source` are optional; `source` is required at the top level or for each measure.
The wording changes only what is shown, never how anything is scored.
"""

from __future__ import annotations

import os
from dataclasses import replace

from stepcare.measures.catalogue import DEFAULT_REGISTRY
from stepcare.measures.errors import ConfigError
from stepcare.measures.jsonfile import as_object, read_json, reject_unknown_fields
from stepcare.measures.model import Measure, Registry, ResponseOption

_TOP_LEVEL_FIELDS = frozenset({"source", "measures"})
_MEASURE_FIELDS = frozenset({"source", "instructions", "items", "response_options"})


def load_wording(path: str | os.PathLike[str], *, registry: Registry = DEFAULT_REGISTRY) -> Registry:
    """Read a licensed-wording file and apply it to `registry`."""
    return apply_wording(registry, read_json(path, "wording file"), origin=str(path))


def apply_wording(registry: Registry, data: object, *, origin: str = "wording") -> Registry:
    """A new registry whose measures carry the wording in `data` (see the module docstring)."""
    top = as_object(data, origin)
    reject_unknown_fields(top, _TOP_LEVEL_FIELDS, origin)
    default_source = _optional_text(top, "source", origin)
    for code, entry in as_object(top.get("measures", {}), f"{origin}: measures").items():
        measure = registry.find(code)
        if measure is None:
            known = ", ".join(registry.codes)
            raise ConfigError(f"{origin}: unknown measure {code!r}: expected one of {known}")
        where = f"{origin}: {measure.code}"
        registry = registry.replace(_with_wording(measure, entry, default_source, where))
    return registry


def _with_wording(measure: Measure, data: object, default_source: str | None, where: str) -> Measure:
    fields = as_object(data, where)
    reject_unknown_fields(fields, _MEASURE_FIELDS, where)
    source = _optional_text(fields, "source", where) or default_source
    if source is None:
        raise ConfigError(f"{where}.source: missing; say where the licensed wording comes from")
    items = measure.items
    if "items" in fields:
        texts = _item_texts(measure, fields["items"], f"{where}.items")
        items = tuple(replace(item, text=text) for item, text in zip(items, texts, strict=True))
    options = measure.response_options
    if "response_options" in fields:
        options = _options(measure, fields["response_options"], f"{where}.response_options")
    instructions = _optional_text(fields, "instructions", where) or measure.instructions
    return replace(
        measure,
        items=items,
        response_options=options,
        instructions=instructions,
        wording_source=source,
    )


def _item_texts(measure: Measure, data: object, where: str) -> list[str]:
    count = len(measure.items)
    if not isinstance(data, list) or len(data) != count:
        raise ConfigError(f"{where}: expected a list of {count} item texts, one per item in order")
    for n, text in enumerate(data, start=1):
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"{where}: item {n}: expected non-empty text, got {text!r}")
    return [text.strip() for text in data]


def _options(measure: Measure, data: object, where: str) -> tuple[ResponseOption, ...]:
    if not isinstance(data, list) or not data:
        raise ConfigError(f"{where}: expected a non-empty list of {{value, label}} objects")
    options: list[ResponseOption] = []
    for n, entry in enumerate(data):
        fields = as_object(entry, f"{where}[{n}]")
        reject_unknown_fields(fields, frozenset({"value", "label"}), f"{where}[{n}]")
        value, label = fields.get("value"), fields.get("label")
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not measure.item_min <= value <= measure.item_max
        ):
            raise ConfigError(
                f"{where}[{n}].value: expected a whole number from {measure.item_min} to "
                f"{measure.item_max}, got {value!r}"
            )
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"{where}[{n}].label: expected non-empty text")
        if any(option.value == value for option in options):
            raise ConfigError(f"{where}[{n}].value: {value} is listed twice")
        options.append(ResponseOption(value, label.strip()))
    return tuple(options)


def _optional_text(data: dict[str, object], key: str, where: str) -> str | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key}: expected non-empty text")
    return value.strip()
