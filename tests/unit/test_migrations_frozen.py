"""Migrations are frozen: none imports live application code (ADR 0019, addendum).

A migration runs for years after it is written, on databases at every version. If it imported
the code lists, default rows or SQL it inserts, a later edit of that code would silently change
what an old migration does (or break it). So a migration copies those rows and statements into
itself, and may import from ``stepcare`` only the module of a custom *model field* that a model
uses, which ``makemigrations`` itself writes (today ``SearchKeyField``). Every import, at the
top or inside a function, is checked; so is every dotted ``stepcare.…`` reference.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from django.db import models

import stepcare

ROOT = Path(stepcare.__file__).parent
# Modules that define model field classes; a migration may reference those classes only.
FIELD_MODULES = {"stepcare.patients.lookups"}


def _migrations() -> list[Path]:
    return sorted(p for p in ROOT.glob("*/migrations/*.py") if p.name != "__init__.py")


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _is_field_class(module: str, name: str) -> bool:
    value = getattr(importlib.import_module(module), name, None)
    return isinstance(value, type) and issubclass(value, models.Field)


def offences(path: Path) -> list[str]:
    """What in one migration file reaches into live application code."""
    found: list[str] = []
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "stepcare":
            module = node.module or ""
            for alias in node.names:
                if module not in FIELD_MODULES or not _is_field_class(module, alias.name):
                    found.append(f"from {module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "stepcare" and alias.name not in FIELD_MODULES:
                    found.append(f"import {alias.name}")
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted and dotted.startswith("stepcare."):
                module, _, name = dotted.rpartition(".")
                if module in FIELD_MODULES and not _is_field_class(module, name):
                    found.append(dotted)
    return found


def test_there_are_migrations_to_check() -> None:
    assert len(_migrations()) > 20


def test_no_migration_imports_live_application_code() -> None:
    problems = {str(p.relative_to(ROOT)): o for p in _migrations() if (o := offences(p))}
    assert not problems, (
        "Migrations must freeze the rows and SQL they insert (copy them into the file) and may "
        f"import from stepcare only model field classes in {sorted(FIELD_MODULES)}: {problems}"
    )


def test_the_check_catches_an_import_of_live_code(tmp_path: Path) -> None:
    bad = tmp_path / "0009_bad.py"
    bad.write_text(
        "from stepcare.referrals.default_rules import RULES\n"
        "import stepcare.records.triggers\n"
        "from stepcare.patients.lookups import Prefix\n"
        "def f():\n    from stepcare.records.defaults import LETTER_TEMPLATES\n"
        "x = stepcare.patients.lookups.SearchKeyField\n"
    )
    assert offences(bad) == [
        "from stepcare.referrals.default_rules import RULES",
        "import stepcare.records.triggers",
        "from stepcare.patients.lookups import Prefix",
        "from stepcare.records.defaults import LETTER_TEMPLATES",
    ]
