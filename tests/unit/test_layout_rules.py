"""Layout rules of ADR 0019 that are not sizes: what a module may import from another app, and
which modules mypy checks strictly.
"""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from pathlib import Path

import stepcare

ROOT = Path(stepcare.__file__).parent
PYPROJECT = ROOT.parent / "pyproject.toml"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = ["stepcare", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else ""


def private_imports_across_apps() -> list[str]:
    """``from stepcare.<other app>… import _name`` anywhere in ``stepcare/``."""
    problems = []
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("stepcare."):
                continue
            source = node.module or ""
            if _app(source) == _app(module):
                continue
            for alias in node.names:
                if alias.name.startswith("_"):
                    problems.append(f"{module} imports {source}.{alias.name}")
    return problems


def _strict_patterns() -> list[str]:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["mypy"]
    patterns: list[str] = []
    for override in config.get("overrides", []):
        if override.get("strict"):
            modules = override["module"]
            patterns.extend([modules] if isinstance(modules, str) else modules)
    return patterns


def _is_strict(module: str, patterns: list[str]) -> bool:
    """As mypy matches an override: ``a.*`` also names ``a`` itself; a star spans components."""
    return any(
        fnmatch.fnmatchcase(module, pattern) or (pattern.endswith(".*") and module == pattern[:-2])
        for pattern in patterns
    )


def test_no_module_imports_another_apps_private_names() -> None:
    problems = private_imports_across_apps()
    assert not problems, problems


def test_every_view_and_form_module_is_type_checked_strictly() -> None:
    patterns = _strict_patterns()
    pages = [
        module for module in _modules() if any(part in {"views", "forms"} for part in module.split(".")[2:])
    ]
    assert "stepcare.accounts.views" in pages
    loose = [module for module in pages if not _is_strict(module, patterns)]
    assert not loose, f"add these to the strict overrides in pyproject.toml: {loose}"


def test_the_strict_patterns_match_as_mypy_matches_them() -> None:
    assert _is_strict("stepcare.referrals.actions", ["stepcare.*.actions"])
    assert _is_strict("stepcare.scheduling.views.booking", ["stepcare.scheduling.views.*"])
    assert _is_strict("stepcare.scheduling.views", ["stepcare.scheduling.views.*"])
    assert not _is_strict("stepcare.scheduling.views.booking", ["stepcare.scheduling.views"])
