"""Where the new rooms stand: the served model library imports nothing of ours (numpy and
the standard library only), nothing serving imports the offline pipelines, and the
play-state fold is pure Python without Django."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVING = ("games", "predictions", "dashboard", "livescores", "forecasting")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_forecasting_imports_only_numpy_and_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"numpy", "forecasting", "__future__"}
    for path in sorted((ROOT / "forecasting").rglob("*.py")):
        assert imported(path) <= allowed, (path, imported(path) - allowed)


def test_nothing_serving_imports_pipelines() -> None:
    for package in SERVING:
        for path in sorted((ROOT / package).rglob("*.py")):
            assert "pipelines" not in imported(path), path


def test_playstate_is_pure_python() -> None:
    names = imported(ROOT / "games" / "playstate.py")
    assert names <= set(sys.stdlib_module_names) | {"games", "__future__"}, names
    for module in names - set(sys.stdlib_module_names) - {"__future__"}:
        assert module == "games"
    clock = imported(ROOT / "games" / "clock.py")
    assert "django" not in clock
