"""bandit over the application code: no medium or high finding; every `nosec` says why."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "livescores",
    "games",
    "predictions",
    "alerts",
    "apikeys",
    "realtime",
    "api",
    "dashboard",
    "forecasting",
]
SEVERITY_MEDIUM_UP = ["--severity-level", "medium"]


def test_bandit_finds_nothing_of_medium_or_high_severity() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", *PACKAGES, *SEVERITY_MEDIUM_UP, "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_severity']} {r['issue_text']}"
        for r in report["results"]
    ]
    assert findings == [], "\n".join(findings)
    assert report["metrics"]["_totals"]["loc"] > 1000  # it really read the code
    assert result.returncode == 0, result.stderr


def test_every_nosec_names_the_check_and_a_reason() -> None:
    bare = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if "# nosec" in line and not re.search(r"# nosec B\d{3}\b.*\S", line):
                    bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bare == [], "\n".join(bare)
