"""The front-end's JavaScript, run by ./bin/test: ESLint (flat config, eslint.config.js)
and the node --test unit tests of tests/js/*.test.js, plus the checks that tie the JS to
the server: the page constants the node tests use are the server's, and the public
client (static/js/livescores-client.js) reaches the same verdict as the Python reference
client (support/client.py) on every frame of the recorded night.

Needs Node.js and ``npm ci`` (eslint, @eslint/js, globals from package-lock.json).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dashboard.services import page_constants
from support import asyncapi
from support.client import ClientState

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
ESLINT = ROOT / "node_modules" / "eslint" / "bin" / "eslint.js"
TESTS = sorted((ROOT / "tests" / "js").glob("*.test.js"))
FIXTURE = ROOT / "tests" / "js" / "fixtures" / "page-constants.json"


def node(
    *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    assert NODE, "Node.js is required (Debian: apt-get install -y nodejs npm)"
    assert ESLINT.exists(), "node_modules has no eslint: run npm ci"
    return subprocess.run(
        [NODE, *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_eslint_finds_nothing() -> None:
    done = node(str(ESLINT), "--max-warnings=0", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_eslint_is_on_and_would_fail() -> None:
    probe = "const unused = 1;\nif (window.x == 2) undefinedThing();\n"
    done = node(str(ESLINT), "--stdin", "--stdin-filename", "static/js/probe.js", stdin=probe)
    assert done.returncode == 1, done.stdout + done.stderr
    for rule in ("no-unused-vars", "eqeqeq", "no-undef"):
        assert rule in done.stdout


def test_node_unit_tests_pass() -> None:
    assert len(TESTS) >= 6, TESTS
    done = node("--test", "--test-reporter=tap", *map(str, TESTS))
    counts = dict(re.findall(r"^# (pass|fail|cancelled) (\d+)$", done.stdout, re.M))
    assert done.returncode == 0 and counts.get("fail") == "0", done.stdout[-6000:] + done.stderr
    assert int(counts["pass"]) >= 50, counts


def test_the_node_tests_use_the_servers_page_constants() -> None:
    """tests/js/fixtures/page-constants.json is what the pages get (json_script
    "livescores-constants"); if this fails, write the expected JSON below into it."""
    expected = page_constants()
    assert json.loads(FIXTURE.read_text()) == expected, json.dumps(expected, indent=2)


@pytest.mark.django_db
def test_the_pages_carry_the_constants_and_the_protocol_rule(client: Any) -> None:
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user("js", is_staff=True))
    html = client.get("/").content.decode()
    tag = r'<script id="livescores-constants" type="application/json">(.*?)</script>'
    found = re.search(tag, html)
    assert found, "no json_script livescores-constants on the dashboard"
    assert json.loads(found.group(1)) == page_constants()
    assert page_constants()["protocol"]["bumps"] == sorted(
        m.name for m in asyncapi.messages().values() if m.x_seq == "bumps"
    )


@pytest.mark.django_db(transaction=True)  # as every user of the recorded night
def test_the_js_client_agrees_with_the_python_client_over_the_recorded_night(night: Any) -> None:
    sockets = {name: frames for name, frames in night.frames.items()}
    payload = json.dumps({"rules": page_constants()["protocol"], "sockets": sockets})
    done = node(str(ROOT / "tests" / "js" / "replay-verdicts.js"), stdin=payload)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for name, frames in sockets.items():
        state = ClientState()
        python = [state.apply(frame) for frame in frames]
        js = result[name]["verdicts"]
        assert len(js) == len(python) == len(frames)
        pairs = enumerate(zip(python, js, strict=True))
        differ = [(i, frames[i]["type"], p, j) for i, (p, j) in pairs if p != j]
        assert not differ, f"{name}: {differ[:5]}"
        assert python.count("applied") > 100, name
        # What the JS client sent (its subscriptions) is what the client schemas allow.
        sent = result[name]["sent"]
        assert sent, name
        for frame in sent:
            assert asyncapi.frame_errors(frame, "client") == [], frame
