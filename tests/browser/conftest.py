"""Headless Debian Chromium (Selenium + the system chromedriver) against a real daphne.

daphne runs as a subprocess on a free port against this process's test database and
the tests' Redis channel layer, so polls made in the test reach the browser exactly as
a Celery worker's would. Tests skip only when Chromium or chromedriver is missing.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.livestack import ARTIFACTS, Daphne, database_url, free_port

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
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    ARTIFACTS.mkdir(exist_ok=True)
    profile = ARTIFACTS / "chromium-profile"
    shutil.rmtree(profile, ignore_errors=True)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
