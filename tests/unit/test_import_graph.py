"""The import graph of the core apps has no cycles.

Builds the graph of ``stepcare.accounts``, ``audit``, ``patients``, ``referrals`` and
``scheduling`` from each module's top-level imports (parsed with ``ast``; imports inside
functions and ``if TYPE_CHECKING:`` blocks are not followed) and fails on a cycle, naming
it. A cycle means two modules each need the other to load: the rule is that policy
(``accounts.access``) imports models, audit and patients, and never the reverse.

An import inside a function is a cycle in disguise: between two of these apps there is none
(an app that must act when another changes connects a receiver to that app's signal, in its
``AppConfig.ready``), and the graph stays free of cycles with them counted.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import stepcare

APPS = ("accounts", "audit", "patients", "referrals", "scheduling")
ROOT = Path(stepcare.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found[_module_name(path)] = path
    return found


def _targets(node: ast.stmt, modules: dict[str, Path], here: str) -> list[str]:
    """The modules of the graph that one top-level import statement loads."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # a relative import, resolved against this module's package
            package = here if modules[here].name == "__init__.py" else here.rpartition(".")[0]
            base = importlib.util.resolve_name("." * node.level + base, package)
        # ``from package import module`` loads that module; ``from module import name``, the module.
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    return [name for name in names if name in modules and name != here]


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.parse(path.read_text(), filename=str(path)).body:
            graph[name].update(_targets(node, modules, name))
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first search (one per back edge), each as a path."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_the_graph_covers_the_core_apps() -> None:
    graph = import_graph()
    for app in APPS:
        assert f"stepcare.{app}.models" in graph
    assert "stepcare.accounts.access" in graph["stepcare.accounts.permissions"]


def test_finds_a_cycle_when_there_is_one() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_accounts_audit_patients_referrals_and_scheduling() -> None:
    cycles = find_cycles(import_graph())
    assert not cycles, "Import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


# Imports inside a function from one core app into another that are known and not a cycle,
# with the reason. Fix them; never add one.
LAZY_ALLOWED: set[tuple[str, str]] = set()


def _app(module: str) -> str:
    return module.split(".")[1]


def lazy_imports() -> set[tuple[str, str]]:
    """(module, imported module) of every import of the graph made inside a function, but an
    app's ``ready()`` (where Django connects receivers once every app is loaded)."""
    modules = _modules()
    found: set[tuple[str, str]] = set()
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if path.name == "apps.py" and function.name == "ready":
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.update((name, target) for target in _targets(node, modules, name))
    return found


def test_lazy_imports_are_found() -> None:
    assert ("stepcare.audit.context", "stepcare.audit.actions") in lazy_imports()


def test_no_import_inside_a_function_from_one_core_app_to_another() -> None:
    crossing = {(a, b) for a, b in lazy_imports() if _app(a) != _app(b)}
    assert crossing <= LAZY_ALLOWED, sorted(crossing - LAZY_ALLOWED)


def test_no_import_cycle_across_the_core_apps_even_counting_imports_inside_functions() -> None:
    graph = import_graph()
    for a, b in lazy_imports():
        if _app(a) != _app(b):
            graph[a].add(b)
    cycles = find_cycles(graph)
    assert not cycles, "Import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)
