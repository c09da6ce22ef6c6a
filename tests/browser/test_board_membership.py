"""Tonight's membership is pushed: a dashboard opened before the first poll, or before a
game appears, ends with every game's card and line drawn, without a reload (issue 19,
Why 1 and 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from games.feed.select import ReplayFeed, build_replay_feed
from games.feed.types import GameStatus
from games.models import Game
from games.services import poll_scoreboard
from support.payloads import at_minute, board, game_json
from support.rows import StaticFeed
from tests.browser.conftest import ARTIFACTS, BROWSER_MISSING, SKIP_REASON, Daphne
from tests.browser.test_dashboard_live import connection_is, log_in, wait_for_page

OTHER_NIGHT = dt.date(2025, 3, 15)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(BROWSER_MISSING, reason=SKIP_REASON),
]


def cards(browser: Any) -> set[str]:
    return {
        node.get_attribute("id").removeprefix("game-")
        for node in browser.find_elements(By.CSS_SELECTOR, "#games [id^='game-']")
    }


def line_points(browser: Any) -> dict[str, int]:
    """Points of each card's differential line (the chart's "differential" dataset)."""
    return dict(
        browser.execute_script(
            "return [...document.querySelectorAll('#games [id^=game-]')].map((card) => {"
            "  const chart = window.Chart && Chart.getChart(card.querySelector('canvas'));"
            "  const line = chart &&"
            "    chart.data.datasets.find((d) => d.label.startsWith('differential'));"
            "  return [card.id.slice(5), line ? line.data.length : -1];"
            "});"
        )
    )


def header_date(browser: Any) -> str:
    return browser.find_element(By.CSS_SELECTOR, "#night-title time").get_attribute("datetime")


def play_until_every_line_is_drawn(browser: Any, feed: ReplayFeed, polls: int = 14) -> None:
    """Poll the replay; then the page has a card per game of its night, each started
    game's line with every closed minute, the header on the night, and no reload."""
    browser.execute_script("window.__sameDocument = true;")
    for _ in range(polls):  # the first wave plays ~13 minutes; later ones are still to start
        poll_scoreboard(feed)
    night = {game.game_id for game in feed.board.night.games}
    wait_for_page(browser, lambda b: cards(b) == night, "a card for every game of the night")
    wait_for_page(browser, lambda b: header_date(b) == str(feed.night), "the board's date")
    closed = dict(
        Game.objects.filter(pk__in=night, last_closed_minute__gt=0).values_list(
            "pk", "last_closed_minute"
        )
    )
    assert closed  # the first wave has closed minutes
    wait_for_page(
        browser,
        lambda b: all(line_points(b).get(pk, 0) >= n for pk, n in closed.items()),
        "every started game's differential line",
    )
    assert browser.execute_script("return window.__sameDocument === true;")  # never reloaded
    connection_is(browser, "live")


def test_a_dashboard_opened_before_the_first_poll_draws_every_games_line(
    server: Daphne, browser: Any, redis_client: Any, eager_celery: None
) -> None:
    feed = build_replay_feed()
    feed.reset()
    log_in(browser, server)  # nothing polled yet: no board, no games
    assert cards(browser) == set()
    assert header_date(browser) == str(feed.night)  # the replay's night, not today's date
    assert f"replay of {feed.night}" in browser.find_element(By.ID, "night-title").text.lower()

    play_until_every_line_is_drawn(browser, feed)
    browser.save_screenshot(str(ARTIFACTS / "board-before-first-poll.png"))


def test_a_new_replay_under_an_open_dashboard_replaces_the_cards_and_the_date(
    server: Daphne, browser: Any, redis_client: Any, eager_celery: None, settings: Any
) -> None:
    settings.REPLAY_DATE = OTHER_NIGHT  # REPLAY_DATE=2025-03-15 ./bin/up, stopped mid-night
    previous = build_replay_feed()
    previous.reset()
    for _ in range(30):
        poll_scoreboard(previous)
    left = {game.game_id for game in previous.board.night.games}
    log_in(browser, server)
    assert cards(browser) == left and header_date(browser) == str(OTHER_NIGHT)

    settings.REPLAY_DATE = None  # then ./bin/up again: the shipped night
    feed = build_replay_feed()
    feed.reset()
    play_until_every_line_is_drawn(browser, feed)
    assert not cards(browser) & left  # the previous replay's games left the page
    assert not Game.objects.filter(pk__in=left, status=GameStatus.LIVE).exists()
    nav = browser.find_element(By.CSS_SELECTOR, "nav.nights")
    later = nav.find_element(By.CSS_SELECTOR, '[data-nav="next"]')  # 15 March is later
    assert later.get_attribute("href").endswith(f"/nights/{OTHER_NIGHT}/")
    browser.save_screenshot(str(ARTIFACTS / "board-after-replay-switch.png"))


def test_a_dashboard_open_across_the_rollover_follows_the_new_night(
    server: Daphne, browser: Any, redis_client: Any
) -> None:
    late, new = "0042200163", "0042200173"
    day1, day2 = "2023-04-20", "2023-04-21"
    tomorrow = game_json(new, status=1, period=0, clock="", text="7:00 pm ET")
    poll_scoreboard(StaticFeed(board(at_minute(40.5, 90, 88, game_id=late), date=day1)))
    log_in(browser, server)
    assert cards(browser) == {late} and header_date(browser) == day1
    browser.execute_script("window.__sameDocument = true;")

    # The scoreboard rolls over while the late game is still being played.
    poll_scoreboard(StaticFeed(board(at_minute(42.5, 95, 92, game_id=late), tomorrow, date=day2)))
    wait_for_page(browser, lambda b: cards(b) == {late, new}, "the new night's game added")
    wait_for_page(browser, lambda b: header_date(b) == day2, "the header on the new night")
    final = game_json(late, status=3, period=4, clock="", home=101, away=99)
    poll_scoreboard(StaticFeed(board(final, at_minute(3.5, 6, 4, game_id=new), date=day2)))
    wait_for_page(browser, lambda b: cards(b) == {new}, "the finished late game leaving")
    wait_for_page(browser, lambda b: line_points(b).get(new, 0) >= 3, "the new game's line")
    assert browser.execute_script("return window.__sameDocument === true;")  # never reloaded
    browser.save_screenshot(str(ARTIFACTS / "board-rollover.png"))
