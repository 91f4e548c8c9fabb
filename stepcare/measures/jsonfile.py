"""Small helpers shared by the configuration and wording loaders: read a JSON file, and check
its objects field by field so that every error names where it is."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from stepcare.measures.errors import ConfigError


def read_json(path: str | os.PathLike[str], what: str) -> object:
    """The parsed content of a JSON file; `what` names the file's purpose in errors."""
    origin = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{origin}: cannot read {what}: {exc.strerror}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{origin}: {what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc


def as_object(data: object, where: str) -> dict[str, object]:
    """`data` as a JSON object, or a `ConfigError` saying what was found instead."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a JSON object, got {_json_type(data)}")
    return data


def reject_unknown_fields(data: Mapping[str, object], allowed: frozenset[str], where: str) -> None:
    """Refuse misspelt or unsupported fields rather than silently ignoring them."""
    for key in data:
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            raise ConfigError(f"{where}: unknown field {key!r}: expected one of {expected}")


def _json_type(data: object) -> str:
    names = {list: "a list", str: "text", bool: "true/false", type(None): "null"}
    for kind, name in names.items():
        if isinstance(data, kind):
            return name
    return "a number" if isinstance(data, int | float) else type(data).__name__
