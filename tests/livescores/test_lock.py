"""The lock files (requirements/*.lock) agree with pyproject.toml and with each other."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from livescores import lockcheck


def test_the_locks_agree_with_pyproject_and_with_each_other() -> None:
    assert lockcheck.problems() == []


def test_an_unlocked_change_to_pyproject_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    declared = lockcheck.declared()
    declared["app"].append("flask>=3")  # as if added to pyproject.toml without ./bin/lock
    monkeypatch.setattr(lockcheck, "declared", lambda: declared)
    found = lockcheck.problems()
    assert any("not resolved from the current pyproject.toml" in p for p in found)
    assert any("flask is not pinned" in p for p in found)


def test_a_pin_outside_its_range_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    declared = lockcheck.declared()
    declared["all"].append("redis<8")
    monkeypatch.setattr(lockcheck, "declared", lambda: declared)
    assert any("does not satisfy redis<8" in p for p in lockcheck.problems())


def test_the_running_environment_was_installed_from_the_lock() -> None:
    """What runs is what the lock says, not whatever a range in pyproject.toml admits."""
    pins = lockcheck.pins(lockcheck.LOCKS["all"])
    for package in ("django", "channels", "channels-redis", "daphne", "redis", "celery"):
        assert version(package) == pins[canonicalize_name(package)], package


def test_every_install_path_reads_a_lock() -> None:
    root = Path(lockcheck.ROOT)
    assert "--require-hashes" in (root / "bin" / "lib.sh").read_text()
    assert "requirements/all.lock" in (root / ".ci" / "run").read_text()
    assert "requirements/app.lock" in (root / "Dockerfile").read_text()
