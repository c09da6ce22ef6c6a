"""Arrows point down the stack, and no import cycle exists among the project's modules.

The rule is data (``MAY_IMPORT``): for each room of the tree, the rooms it may import.
Every ``import`` statement counts, at module level or inside a function: a deferred
import is still an arrow, and a cycle hidden in a function body is still a cycle.
Rooms that do not exist yet (``alerts``, ``api``) already have their rule.
docs/architecture.md explains the rooms.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODEL_LIBRARY = {"forecasting"}
DOMAIN = {"games"}
SERVING = {
    *("forecasting", "games", "predictions", "alerts", "apikeys", "realtime", "api", "dashboard"),
}
PROJECT = "livescores"  # settings, urls, asgi, the Celery app and beat, ops: on top
# room -> the rooms it may import (besides itself)
MAY_IMPORT: dict[str, set[str]] = {
    "forecasting": set(),
    "games": set(),
    "predictions": {"games", "forecasting"},
    "alerts": {"games", "predictions"},
    # API keys: the socket (realtime) and the HTTP API (api) both verify them.
    "apikeys": set(),
    "realtime": {"games", "predictions", "alerts", "apikeys"},
    "api": {"forecasting", "games", "predictions", "alerts", "apikeys", "realtime"},
    "dashboard": {"forecasting", "games", "predictions", "alerts", "apikeys", "realtime"},
    PROJECT: SERVING - {PROJECT},
    # Offline: datasets, training, evaluation. Nothing that serves imports it.
    "pipelines": SERVING | {PROJECT},
    # Shared by the tests and the benchmarks; never imported by the product.
    "support": SERVING | {PROJECT, "pipelines"},
    "benchmarks": SERVING | {PROJECT, "pipelines", "support"},
    "tests": SERVING | {PROJECT, "pipelines", "support", "benchmarks"},
}
ROOMS = tuple(MAY_IMPORT)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every Python module of the project's rooms (migrations hold no imports of ours)."""
    return {
        _module_name(path): path
        for room in ROOMS
        if (ROOT / room).is_dir()
        for path in sorted((ROOT / room).rglob("*.py"))
        if "migrations" not in path.parts
    }


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``module`` imports anywhere in its body."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, path.name == "__init__.py")
            # ``from package import module`` imports the module; ``from module import name``
            # the module itself.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:  # ``import a.b.c`` of a name inside a.b
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def room_of(module: str) -> str:
    return module.split(".")[0]


def room_arrows(graph: dict[str, set[str]]) -> dict[tuple[str, str], list[str]]:
    """Room -> room arrows, each with the module imports that draw it."""
    arrows: dict[tuple[str, str], list[str]] = {}
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            pair = (room_of(module), room_of(target))
            if pair[0] != pair[1]:
                arrows.setdefault(pair, []).append(f"{module} -> {target}")
    return arrows


def forbidden_imports(graph: dict[str, set[str]]) -> list[str]:
    return [
        f"{line}  ({source} may import only: {', '.join(sorted(MAY_IMPORT[source])) or 'nothing'})"
        for (source, target), lines in sorted(room_arrows(graph).items())
        if target not in MAY_IMPORT[source]
        for line in lines
    ]


def test_the_graph_sees_imports_at_module_level_and_inside_functions() -> None:
    graph = import_graph()
    assert "games.models" in graph["games.services"]  # module level
    assert "pipelines.history" in graph["pipelines.management.commands.export_replay_night"]


def test_the_rule_catches_an_import_up_the_stack() -> None:
    graph = {"games.models": {"predictions.models"}, "predictions.models": {"games.models"}}
    assert forbidden_imports(graph) == [
        "games.models -> predictions.models  (games may import only: nothing)"
    ]
    assert forbidden_imports({"dashboard.views": {"pipelines.training"}}) != []
    assert forbidden_imports({"benchmarks.common": {"tests.conftest"}}) != []


def test_every_room_imports_only_what_the_rule_allows() -> None:
    """forecasting and games import no room of ours; predictions games and forecasting;
    realtime those and alerts; nothing that serves imports pipelines or support; the
    benchmarks never import the tests."""
    wrong = forbidden_imports(import_graph())
    assert wrong == [], "imports the layer rule forbids:\n" + "\n".join(wrong)


def test_the_rule_covers_every_top_level_package() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages <= set(ROOMS), f"rooms without a rule: {sorted(packages - set(ROOMS))}"


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_project_modules() -> None:
    graph = {m: t for m, t in import_graph().items() if room_of(m) != "tests"}
    cycles = import_cycles(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def _imported_in_a_fresh_process(modules: list[str]) -> set[str]:
    """The top-level packages loaded after importing ``modules`` without Django settings."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_the_model_library_imports_without_django_or_settings() -> None:
    modules = sorted(m for m in project_modules() if room_of(m) == "forecasting")
    loaded = _imported_in_a_fresh_process(modules)
    assert not loaded & {"django", *SERVING - MODEL_LIBRARY, PROJECT}, sorted(loaded)


def _top_level_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_model_library_needs_only_numpy_and_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"numpy", "forecasting", "__future__"}
    for path in sorted((ROOT / "forecasting").rglob("*.py")):
        assert _top_level_imports(path) <= allowed, (path, _top_level_imports(path) - allowed)


def test_the_play_state_fold_and_the_clock_are_pure_python() -> None:
    allowed = set(sys.stdlib_module_names) | {"games", "__future__"}
    for name in ("playstate.py", "clock.py"):
        assert _top_level_imports(ROOT / "games" / name) <= allowed, name


def test_the_feed_types_need_no_settings() -> None:
    loaded = _imported_in_a_fresh_process(["games.feed.types"])
    assert "livescores" not in loaded and "nba_api" not in loaded
