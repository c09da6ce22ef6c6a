"""A staff user's dashboard in real headless Chromium, fed by real replay polls."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By

from games.feed.select import ReplayFeed, build_replay_feed
from games.models import Game
from games.services import poll_scoreboard
from support.net import wait_for
from tests.browser.conftest import ARTIFACTS, BROWSER_MISSING, SKIP_REASON, Daphne

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(BROWSER_MISSING, reason=SKIP_REASON),
]

PASSWORD = "browser-test-pw"


@pytest.fixture
def feed(redis_client: Any) -> ReplayFeed:
    replay = build_replay_feed()
    replay.reset()
    poll_scoreboard(replay)  # the night's games exist: the board has something to show
    return replay


def log_in(browser: Any, server: Daphne, next_path: str = "/") -> None:
    get_user_model().objects.create_user("coach", password=PASSWORD, is_staff=True)
    browser.delete_all_cookies()
    browser.get(f"{server.url}{next_path}")
    assert "/accounts/login/" in browser.current_url  # staff only
    browser.find_element(By.ID, "id_username").send_keys("coach")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait_for_page(
        browser, lambda b: b.current_url == f"{server.url}{next_path}", "the redirect back"
    )
    connection_is(browser, "live")


def wait_for_page(
    browser: Any, condition: Callable[[Any], Any], what: str, timeout: float = 15
) -> Any:
    """Wait for ``condition(browser)`` (an element not there yet counts as not yet)."""
    return wait_for(
        lambda: condition(browser), what, timeout, interval=0.1, ignoring=(NoSuchElementException,)
    )


def connection_is(browser: Any, state: str, timeout: float = 20) -> None:
    wait_for_page(
        browser,
        lambda b: b.find_element(By.ID, "connection").get_attribute("data-state") == state,
        f"connection state {state!r}",
        timeout,
    )


def score(browser: Any, game_id: str) -> tuple[str, str]:
    card = browser.find_element(By.ID, f"game-{game_id}")
    return (
        card.find_element(By.CSS_SELECTOR, '[data-field="away-score"]').text,
        card.find_element(By.CSS_SELECTOR, '[data-field="home-score"]').text,
    )


def band_points(browser: Any, game_id: str) -> int:
    """Points of the 90% halftime band dataset in the card's Chart.js chart."""
    return int(
        browser.execute_script(
            "const c = document.querySelector(`#game-${arguments[0]} canvas`);"
            "const chart = window.Chart && Chart.getChart(c);"
            "return chart ? chart.data.datasets[2].data.length : -1;",
            game_id,
        )
    )


def wp_points(browser: Any, selector: str) -> int:
    """Points of the win-probability line in the chart drawn on ``selector``."""
    return int(
        browser.execute_script(
            "const chart = window.Chart && Chart.getChart(document.querySelector(arguments[0]));"
            "return chart ? chart.data.datasets[0].data.length : -1;",
            selector,
        )
    )


def test_staff_watch_a_replayed_game_score_and_forecast_band_arrive_without_reload(
    server: Daphne, browser: Any, feed: ReplayFeed, eager_celery: None
) -> None:
    game_id = feed.board.night.games[0].game_id
    log_in(browser, server)
    assert band_points(browser, game_id) == 0  # Chart.js loaded from node_modules, no band yet
    browser.execute_script("window.__sameDocument = true;")
    before = score(browser, game_id)

    poll_scoreboard(feed)
    poll_scoreboard(feed)
    wait_for_page(browser, lambda b: score(b, game_id) != before, "the score to change")

    for _ in range(30):  # minute 18 closes, the forecast is made (eagerly) and pushed
        poll_scoreboard(feed)
        if band_points(browser, game_id) == 2:
            break
    wait_for_page(browser, lambda b: band_points(b, game_id) == 2, "the 90% band in the chart")
    card = browser.find_element(By.ID, f"game-{game_id}")
    forecast = card.find_element(By.CSS_SELECTOR, '[data-field="halftime-forecast"]').text
    # In words, the team named: "Forecast: CLE by 18 at half (90 %: 8 to 27 ...)".
    game = Game.objects.get(pk=game_id)
    assert re.fullmatch(
        rf"Forecast: (({game.home_tricode}|{game.away_tricode}) by \d+|level) at half "
        r"\(90 %: .+\) · 95 %: .+",
        forecast,
    ), forecast
    assert "\u2212" not in forecast and "+" not in forecast  # no home-minus-away sign
    assert browser.execute_script("return window.__sameDocument === true;")  # never reloaded
    assert "pattern" not in card.text and "before the forecast" not in card.text  # it is made
    # The per-minute win probability (forecast.update): a small line and "XXX 73 %".
    wait_for_page(browser, lambda b: wp_points(b, f"#game-{game_id} .wp-chart canvas") >= 18, "WP")
    assert re.fullmatch(
        r"win prob\. [A-Z]{3} \d{1,3} %",
        card.find_element(By.CSS_SELECTOR, '[data-field="win-probability"]').text,
    )
    browser.save_screenshot(str(ARTIFACTS / "dashboard.png"))

    browser.get(f"{server.url}/games/{game_id}/")
    connection_is(browser, "live")
    wait_for_page(browser, lambda b: band_points(b, game_id) == 2, "the band on the game page")
    detail = browser.find_element(By.ID, "prediction-detail").text
    assert "halftime 90 % range" in detail and "model" in detail
    rows = browser.find_elements(By.CSS_SELECTOR, "#minute-rows tr")
    assert len(rows) >= 18
    assert wp_points(browser, "#wp-curve canvas") >= 18  # the curve over the whole game
    browser.set_window_size(1440, 1800)  # the whole page: chart, prediction, minutes
    browser.save_screenshot(str(ARTIFACTS / "game.png"))
    browser.set_window_size(1440, 1000)

    browser.get(f"{server.url}/models/")
    assert "Model versions" in browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(ARTIFACTS / "models.png"))


def test_the_page_shows_reconnecting_while_the_server_is_away_and_resyncs_after(
    server: Daphne, browser: Any, feed: ReplayFeed
) -> None:
    game_id = feed.board.night.games[0].game_id
    log_in(browser, server)
    before = score(browser, game_id)

    server.stop()
    connection_is(browser, "reconnecting")
    browser.save_screenshot(str(ARTIFACTS / "reconnecting.png"))
    for _ in range(3):  # the game moves on while nobody is listening
        poll_scoreboard(feed)

    server.start()
    connection_is(browser, "live", timeout=30)
    wait_for_page(browser, lambda b: score(b, game_id) != before, "the fresh snapshot's score")


def test_a_dropped_forecast_message_is_noticed_by_its_sequence_gap_and_repaired(
    server: Daphne, browser: Any, feed: ReplayFeed, eager_celery: None, monkeypatch: Any
) -> None:
    from predictions import services
    from predictions.models import Prediction
    from predictions.signals import prediction_changed

    game_id = feed.board.night.games[0].game_id
    log_in(browser, server)
    # The forecast's push is lost (its version is taken, its message never sent).
    announce = services.announce_on_commit

    def drop_the_prediction(signal: Any, **kwargs: Any) -> None:
        if signal is not prediction_changed:
            announce(signal, **kwargs)

    monkeypatch.setattr(services, "announce_on_commit", drop_the_prediction)
    for _ in range(30):
        poll_scoreboard(feed)
        if Prediction.objects.filter(game_id=game_id).exists():
            break
    assert Prediction.objects.filter(game_id=game_id).exists()
    assert band_points(browser, game_id) == 0  # the page does not know about it
    browser.execute_script("window.__sameDocument = true;")

    poll_scoreboard(feed)  # the next version arrives: seq jumps by 2, the page resyncs
    wait_for_page(browser, lambda b: band_points(b, game_id) == 2, "the forecast, after a resync")
    assert browser.execute_script("return window.__sameDocument === true;")  # no reload
    connection_is(browser, "live")
