"""Do the lock files agree with pyproject.toml? (bin/lock writes them; CI checks them.)

Each lock starts with a fingerprint of the dependency lists it was resolved from
(pyproject.toml's dependencies and extras, and requirements/tools.in). The check fails
when pyproject.toml changed without ``./bin/lock``, when a pin no longer satisfies its
range, or when the three locks disagree on a version.

    python -m livescores.lockcheck          # exit 1 with the reasons when they disagree
    python -m livescores.lockcheck --write  # stamp the fingerprint (bin/lock does this)
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {name: ROOT / "requirements" / f"{name}.lock" for name in ("all", "dev", "app")}
TOOLS = ROOT / "requirements" / "tools.in"
STAMP = "# livescores-lock-fingerprint: "
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s\\;]+)", re.M)


def declared() -> dict[str, list[str]]:
    """The requirement strings per lock, as pyproject.toml declares them."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras: dict[str, list[str]] = project.get("optional-dependencies", {})
    tools = [
        line.strip()
        for line in TOOLS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    base = [*project["dependencies"], *tools]
    return {
        "all": base + [r for extra in sorted(extras) for r in extras[extra]],
        "dev": base + extras.get("dev", []) + extras.get("data", []),
        "app": base,
    }


def fingerprint() -> str:
    return hashlib.sha256(json.dumps(declared(), sort_keys=True).encode()).hexdigest()


def pins(lock: Path) -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in PIN.findall(lock.read_text())}


def problems() -> list[str]:
    found: list[str] = []
    expected = fingerprint()
    resolved = {}
    for name, lock in LOCKS.items():
        if not lock.exists():
            found.append(f"{lock.relative_to(ROOT)} is missing: run ./bin/lock")
            continue
        text = lock.read_text()
        if f"{STAMP}{expected}" not in text:
            found.append(
                f"{lock.relative_to(ROOT)} was not resolved from the current pyproject.toml: "
                "run ./bin/lock"
            )
        resolved[name] = pins(lock)
        for line in declared()[name]:
            requirement = Requirement(line)
            version = resolved[name].get(canonicalize_name(requirement.name))
            if version is None:
                found.append(f"{lock.relative_to(ROOT)}: {requirement.name} is not pinned")
            elif not requirement.specifier.contains(version, prereleases=True):
                found.append(
                    f"{lock.relative_to(ROOT)}: {requirement.name}=={version} "
                    f"does not satisfy {requirement}"
                )
    for name in ("dev", "app"):
        for package, version in resolved.get(name, {}).items():
            other = resolved.get("all", {}).get(package)
            if other != version:
                found.append(f"{name}.lock pins {package}=={version}, all.lock {other}")
    return found


def write() -> None:
    stamp = f"{STAMP}{fingerprint()}\n"
    for lock in LOCKS.values():
        lines = [line for line in lock.read_text().splitlines(True) if not line.startswith(STAMP)]
        lock.write_text(stamp + "".join(lines))


def main() -> int:
    if "--write" in sys.argv[1:]:
        write()
    found = problems()
    for problem in found:
        sys.stderr.write(f"lock: {problem}\n")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
