"""Headless Debian Chromium (Selenium + the system chromedriver) against a real daphne.

daphne runs as a subprocess on a free port against this process's test database and
the tests' Redis channel layer, so polls made in the test reach the browser exactly as
a Celery worker's would. Tests skip only when Chromium or chromedriver is missing.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from support.livestack import ARTIFACTS, Daphne, database_url
from support.net import free_port

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
BROWSER_MISSING = not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists())
SKIP_REASON = "Debian chromium + chromium-driver are not installed (.ci/run installs them)"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--window-size=1440,1000",
]


@pytest.fixture
def server(django_db_setup: None, transactional_db: None, redis_client: Any) -> Iterator[Daphne]:
    ARTIFACTS.mkdir(exist_ok=True)
    daphne = Daphne(database_url(), free_port())
    daphne.start()
    yield daphne
    daphne.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if BROWSER_MISSING:
        pytest.skip(SKIP_REASON)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # Console messages and network responses, read by the `page_problems` fixture.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    ARTIFACTS.mkdir(exist_ok=True)
    profile = ARTIFACTS / "chromium-profile"
    shutil.rmtree(profile, ignore_errors=True)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


# --- Console errors, failed requests and accessibility -----------------------------
#
# Usage in any browser test (the accuracy page's test too):
#
#     def test_my_page(server, browser, page_problems):
#         browser.get(f"{server.url}/my/page/")
#         ...
#         page_problems.assert_clean()              # no console error, no 4xx/5xx
#         assert_accessible(browser)                # axe-core: no serious/critical
#
# `page_problems` starts from empty logs and collects over the whole test (every page
# visited); `assert_clean(allow=...)` takes substrings of messages/URLs to tolerate.

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")


@dataclass
class PageProblems:
    """What Chromium reported while a test ran: console errors and failed responses."""

    browser: Any
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def collect(self) -> PageProblems:
        for entry in self.browser.get_log("browser"):
            if entry.get("level") == "SEVERE":
                self.console.append(str(entry.get("message", "")))
        for entry in self.browser.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") != "Network.responseReceived":
                continue
            response = message["params"]["response"]
            if int(response.get("status", 0)) >= 400:
                self.failed.append(f"{response['status']} {response['url']}")
        return self

    def assert_clean(self, allow: tuple[str, ...] = ()) -> None:
        self.collect()

        def kept(items: list[str]) -> list[str]:
            return [item for item in items if not any(a in item for a in allow)]

        problems = kept(self.console) + kept(self.failed)
        assert not problems, "the browser reported:\n" + "\n".join(problems)


@pytest.fixture
def page_problems(browser: Any) -> PageProblems:
    """Console errors and 4xx/5xx responses seen from now on; call .assert_clean()."""
    browser.get("about:blank")  # an earlier test's page (and its socket) is gone
    browser.get_log("browser")  # drop what earlier tests left
    browser.get_log("performance")
    return PageProblems(browser)


def axe_violations(browser: Any, impacts: tuple[str, ...] = SEVERE) -> list[dict[str, Any]]:
    """Run axe-core (from npm) on the current page; violations of the given impacts."""
    browser.execute_script(AXE.read_text())
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then((r) => done(r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}))))"
        ".catch((e) => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    return [v for v in result if v["impact"] in impacts]


def assert_accessible(browser: Any) -> None:
    """No serious or critical axe-core violation on the current page."""
    found = axe_violations(browser)
    assert not found, "axe-core: " + json.dumps(found, indent=1)
