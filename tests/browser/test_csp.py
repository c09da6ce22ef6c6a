"""The content security policy in real headless Chromium: no page breaks it.

A staff user logs in and visits every page (dashboard, a game, model cards, the admin
index, change lists, a change form), then the login page and the lockout page; the
browser's console must hold no CSP violation and no error at all. Chromium reports a
refused script, style, connection or frame in the console ("Refused to ..."), so the
console log (goog:loggingPrefs) is what is read.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By

from games.feed.select import build_replay_feed
from games.models import Game
from games.services import poll_scoreboard
from tests.browser.conftest import (
    ARTIFACTS,
    BROWSER_MISSING,
    CHROMEDRIVER,
    CHROMIUM,
    CHROMIUM_FLAGS,
    SKIP_REASON,
    Daphne,
)
from tests.browser.test_dashboard_live import wait_for_page

pytestmark = [pytest.mark.browser, pytest.mark.skipif(BROWSER_MISSING, reason=SKIP_REASON)]

PASSWORD = "csp-browser-pw"  # nosec B105  # a test user's password


@pytest.fixture
def console_browser() -> Iterator[Any]:
    """Chromium that keeps its console log (the shared fixture does not)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    profile = ARTIFACTS / "chromium-csp-profile"
    shutil.rmtree(profile, ignore_errors=True)
    ARTIFACTS.mkdir(exist_ok=True)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def problems(browser: Any, page: str, expected: str = "") -> list[str]:
    """Console entries that are a CSP violation or any error, labelled with the page."""
    found = []
    for entry in browser.get_log("browser"):
        message = entry.get("message", "")
        if expected and expected in message:
            continue
        if entry.get("level") == "SEVERE" or "Content Security Policy" in message:
            found.append(f"{page}: {entry.get('level')} {message}")
    return found


def visit(browser: Any, url: str, ready: str = "body") -> None:
    browser.get(url)
    wait_for_page(
        browser, lambda b: b.execute_script("return document.readyState") == "complete", url
    )
    browser.find_element(By.CSS_SELECTOR, ready)


def log_in(browser: Any, server: Daphne, username: str, password: str) -> None:
    browser.get(f"{server.url}/accounts/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.ID, "login-submit").click()


def test_no_page_violates_the_content_security_policy_or_logs_an_error(
    server: Daphne, console_browser: Any, redis_client: Any
) -> None:
    browser = console_browser
    replay = build_replay_feed()
    replay.reset()
    poll_scoreboard(replay)  # games, snapshots and a poll run for every page to show
    game = Game.objects.order_by("pk").first()
    assert game is not None
    get_user_model().objects.create_user(
        "csp-staff", password=PASSWORD, is_staff=True, is_superuser=True
    )
    found: list[str] = []

    visit(browser, f"{server.url}/accounts/login/", "#login-submit")
    found += problems(browser, "login page")
    log_in(browser, server, "csp-staff", PASSWORD)
    wait_for_page(browser, lambda b: b.current_url == f"{server.url}/", "the dashboard after login")
    # The dashboard's WebSocket must connect (connect-src 'self' covers ws: here).
    wait_for_page(
        browser,
        lambda b: (
            b.execute_script(
                "const c = document.getElementById('connection');"
                "return c && c.getAttribute('data-state');"
            )
            == "live"
        ),
        "the dashboard's socket to be live",
        timeout=20,
    )
    found += problems(browser, "dashboard")

    pages = {
        "game page": f"/games/{game.pk}/",
        "model cards": "/models/",
        "past night": f"/nights/{game.game_date.isoformat()}/",
        "accuracy": "/accuracy/",
        "admin index": "/admin/",
        "games change list": "/admin/games/game/",
        "poll runs change list": "/admin/games/pollrun/",
        "snapshots change list": "/admin/games/snapshot/",
        "predictions change list": "/admin/predictions/prediction/",
        "game change form": f"/admin/games/game/{game.pk}/change/",
        "user change form": "/admin/auth/user/add/",
        "login log (axes)": "/admin/axes/accessattempt/",
    }
    for name, path in pages.items():
        visit(browser, f"{server.url}{path}")
        assert "/login/" not in browser.current_url, f"{name}: not signed in"
        found += problems(browser, name)

    browser.delete_all_cookies()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(browser, server, "csp-staff", "wrong password")
    wait_for_page(browser, lambda b: b.find_elements(By.ID, "lockout"), "the lockout page")
    # Chromium logs the page's own status (django-axes answers 429) as an error.
    status = (
        "/accounts/login/ - Failed to load resource: the server responded with a status of "
        f"{settings.AXES_HTTP_RESPONSE_CODE}"
    )
    found += problems(browser, "lockout page", expected=status)
    browser.save_screenshot(str(ARTIFACTS / "csp-lockout.png"))

    assert found == [], "\n".join(found)
