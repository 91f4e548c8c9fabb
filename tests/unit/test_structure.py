"""Size guards for the code layout (ADR 0019): no view function over 40 lines, no module in
``stepcare/`` over 500 lines (migrations excluded).

Parsed with ``ast``: a function's length runs from its ``def`` line to its last line (the
decorators are not counted). The allow-lists name today's offenders with the size they have
now; they may only shrink: an entry that grows fails, and an entry that is back under the
limit fails until it is removed from the list.
"""

from __future__ import annotations

import ast
from pathlib import Path

import stepcare

ROOT = Path(stepcare.__file__).parent
VIEW_LIMIT = 40
MODULE_LIMIT = 500

# View functions over the limit, with their length now. Shrink them; never add one.
VIEWS_ALLOWED: dict[str, int] = {}

# Modules over the limit, with their length now. Split them by concern; never add one.
MODULES_ALLOWED: dict[str, int] = {}


def _view_modules() -> list[Path]:
    return sorted(set(ROOT.glob("*/views*.py")) | set(ROOT.glob("*/views/*.py")))


def function_lengths(paths: list[Path]) -> dict[str, int]:
    """``<module>:<name>`` of every function (and method) in ``paths``, with its length (the
    longest, when a name is defined more than once in a module)."""
    lengths: dict[str, int] = {}
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                key = f"{path.relative_to(ROOT).as_posix()}:{node.name}"
                lengths[key] = max(lengths.get(key, 0), (node.end_lineno or node.lineno) - node.lineno + 1)
    return lengths


def view_lengths() -> dict[str, int]:
    return function_lengths(_view_modules())


def module_lengths() -> dict[str, int]:
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text().splitlines())
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.parts
    }


def _check(lengths: dict[str, int], limit: int, allowed: dict[str, int]) -> list[str]:
    problems = []
    for name, length in sorted(lengths.items()):
        if length > limit and name not in allowed:
            problems.append(f"{name} is {length} lines (limit {limit})")
        elif name in allowed and length > allowed[name]:
            problems.append(f"{name} grew to {length} lines (allowed {allowed[name]}: shrink it)")
    for name in allowed:
        if name not in lengths:
            problems.append(f"{name} is gone: remove it from the allow-list")
        elif lengths[name] <= limit:
            problems.append(f"{name} is now {lengths[name]} lines: remove it from the allow-list")
    return problems


def test_views_are_found() -> None:
    lengths = view_lengths()
    assert "scheduling/views/appointments.py:cancel" in lengths
    assert "patients/views.py:search" in lengths


def test_no_view_function_over_the_limit() -> None:
    problems = _check(view_lengths(), VIEW_LIMIT, VIEWS_ALLOWED)
    assert not problems, problems


def test_no_module_over_the_limit() -> None:
    problems = _check(module_lengths(), MODULE_LIMIT, MODULES_ALLOWED)
    assert not problems, problems


def test_the_scheduling_views_split_in_issue_10_stay_thin() -> None:
    lengths = view_lengths()
    for name in ("cancel", "rebook"):
        assert lengths[f"scheduling/views/appointments.py:{name}"] <= 40
    assert lengths["scheduling/views/groups.py:group_add_member"] <= 40


def test_the_referrals_app_meets_the_issue_10_limits() -> None:
    """The referrals app, split by concern: no module over 500 lines, no view over 40, no
    action over 60 (the guides of ADR 0019), with no allow-list."""
    app = ROOT / "referrals"
    modules = {k: n for k, n in module_lengths().items() if k.startswith("referrals/")}
    assert "referrals/actions/__init__.py" in modules and "referrals/views/__init__.py" in modules
    problems = _check(modules, 500, {})
    assert not problems, problems
    views = {k: n for k, n in view_lengths().items() if k.startswith("referrals/")}
    assert "referrals/views/referral.py:identity" in views
    problems = _check(views, 40, {})
    assert not problems, problems
    actions = function_lengths(sorted((app / "actions").glob("*.py")))
    assert "referrals/actions/arrival.py:submit_referral" in actions
    problems = _check(actions, 60, {})
    assert not problems, problems


def test_the_record_patient_and_api_views_split_in_issue_10_stay_thin() -> None:
    lengths = view_lengths()
    for name in (
        "records/views/new.py:new",
        "records/views/new.py:_new_letter",
        "records/views/consent.py:consent",
        "patients/views.py:search",
        "api/views.py:tokens",
    ):
        assert lengths[name] <= 40, (name, lengths[name])
    modules = module_lengths()
    assert "records/views.py" not in modules and "records/views/documents.py" in modules
    for name, length in modules.items():
        if name.startswith(("records/views/", "api/")) or name == "patients/views.py":
            assert length <= 500, (name, length)


def test_the_outcome_and_reporting_reads_split_in_issue_15_stay_small() -> None:
    assert view_lengths()["outcomes/views.py:waiting_check"] <= 40
    modules = module_lengths()
    for package in ("outcomes/selectors/", "reporting/selectors/"):
        split = {name: n for name, n in modules.items() if name.startswith(package)}
        assert len(split) > 2 and max(split.values()) <= 500, split


def test_the_check_reports_growth_and_stale_entries() -> None:
    assert _check({"a.py": 900}, 800, {}) == ["a.py is 900 lines (limit 800)"]
    assert _check({"a.py": 901}, 800, {"a.py": 900}) == ["a.py grew to 901 lines (allowed 900: shrink it)"]
    assert _check({"a.py": 700}, 800, {"a.py": 900}) == [
        "a.py is now 700 lines: remove it from the allow-list"
    ]
    assert _check({"a.py": 850}, 800, {"a.py": 900}) == []
