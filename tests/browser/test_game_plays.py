"""The game page's play-by-play, box score, line score and game flow in headless Chromium,
live during the replay: each poll is the scoreboard then the games' own plays
(games.play_services.follow_games over the recorded night's plays), pushed to the page."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from games.feed.game_feed import ReplayGameFeed
from games.feed.select import ReplayFeed
from games.models import Game, Play, TeamBoxLine
from games.play_services import follow_games
from games.services import poll_scoreboard
from tests.browser.conftest import (
    ARTIFACTS,
    BROWSER_MISSING,
    SKIP_REASON,
    Daphne,
    PageProblems,
    assert_accessible,
)
from tests.browser.test_dashboard_live import feed, log_in, wait_for_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(BROWSER_MISSING, reason=SKIP_REASON),
]
__all__ = ["feed"]


def texts(browser: Any, selector: str) -> list[str]:
    return list(
        browser.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((r) => r.textContent);",
            selector,
        )
    )


def test_the_game_page_shows_the_plays_and_box_score_as_they_happen(
    server: Daphne, browser: Any, feed: ReplayFeed, page_problems: PageProblems
) -> None:
    plays = ReplayGameFeed(feed.night)
    game_id = feed.board.night.games[0].game_id
    for _ in range(3):
        poll_scoreboard(feed)
        follow_games(plays)
    log_in(browser, server, f"/games/{game_id}/")
    wait_for_page(browser, lambda b: len(texts(b, "#play-rows li.scoring")) > 0, "plays")
    before = Play.objects.filter(game_id=game_id).present().count()
    assert len(texts(browser, "#play-rows li")) == before  # the page's initial plays

    for _ in range(10):  # live: the plays arrive over the socket
        poll_scoreboard(feed)
        follow_games(plays)
    game = Game.objects.get(pk=game_id)
    stored = list(Play.objects.filter(game_id=game_id).present())
    assert len(stored) > before
    wait_for_page(browser, lambda b: len(texts(b, "#play-rows li")) == len(stored), "the new plays")
    rows = browser.find_elements(By.CSS_SELECTOR, "#play-rows li")
    newest = stored[-1]
    assert rows[0].get_attribute("data-action") == str(newest.action_number)  # newest first
    assert newest.description in rows[0].text
    scoring = [p for p in stored if p.points]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#play-rows li.scoring")) == len(scoring)
    assert browser.find_elements(By.CSS_SELECTOR, "#play-rows li.fresh")  # highlighted

    # Filters: one team, scoring plays only, one period.
    Select(browser.find_element(By.ID, "play-team")).select_by_value(game.home_tricode)
    home_plays = [p for p in stored if p.team_tricode == game.home_tricode]
    assert len(texts(browser, "#play-rows li")) == len(home_plays)
    browser.find_element(By.ID, "play-scoring").click()
    assert len(texts(browser, "#play-rows li")) == len([p for p in home_plays if p.points])
    assert all("+" in t for t in texts(browser, "#play-rows li .play-points"))
    browser.find_element(By.ID, "play-scoring").click()
    Select(browser.find_element(By.ID, "play-team")).select_by_value("")
    Select(browser.find_element(By.ID, "play-period")).select_by_value("1")
    assert len(texts(browser, "#play-rows li")) == len([p for p in stored if p.period == 1])
    Select(browser.find_element(By.ID, "play-period")).select_by_value("")

    # Box score: both teams, starters and bench, totals equal to the score.
    home_line = TeamBoxLine.objects.get(game_id=game_id, side="home")
    wait_for_page(
        browser,
        lambda b: texts(b, "#box-home tr.totals td")[1] == str(game.home_score),
        "the home box score totals",
    )
    assert home_line.points == game.home_score
    sections = texts(browser, "#box-away tr.box-section th")
    assert sections[0] == "starters"
    starters = browser.find_elements(By.CSS_SELECTOR, "#box-away tbody tr:not(.box-section)")
    assert len(starters) >= 6  # five starters and the totals at least
    # Line score and game flow.
    line = texts(browser, "#line-score tbody tr:last-child td")
    assert line[-1] == str(game.home_score)
    facts = dict(
        zip(texts(browser, "#flow-facts dt"), texts(browser, "#flow-facts dd"), strict=True)
    )
    assert set(facts) >= {"lead changes", "times tied", "current run", "possession"}
    assert facts["possession"] in (game.home_tricode, game.away_tricode, "\u2013")

    browser.set_window_size(1440, 2600)
    browser.save_screenshot(str(ARTIFACTS / "game-plays.png"))
    browser.set_window_size(1440, 1000)
    page_problems.assert_clean()
    assert_accessible(browser)


def test_a_dashboard_card_shows_the_games_last_play_in_one_line(
    server: Daphne, browser: Any, feed: ReplayFeed, page_problems: PageProblems
) -> None:
    plays = ReplayGameFeed(feed.night)
    log_in(browser, server)
    for _ in range(4):
        poll_scoreboard(feed)
        follow_games(plays)
    game_id = feed.board.night.games[0].game_id
    newest = Play.objects.filter(game_id=game_id).present().last()
    assert newest is not None

    def line(b: Any) -> str:
        card = b.find_element(By.ID, f"game-{game_id}")
        return str(card.find_element(By.CSS_SELECTOR, '[data-field="last-play"]').text)

    wait_for_page(browser, lambda b: newest.description in line(b), "the card's last play")
    assert line(browser).startswith("Q1 ")
    height = browser.execute_script(
        "const n = document.querySelector(arguments[0]);"
        " return n.scrollHeight <= n.clientHeight + 2;",
        f'#game-{game_id} [data-field="last-play"]',
    )
    assert height  # one line: longer descriptions are cut with an ellipsis
    scheduled = browser.find_elements(
        By.CSS_SELECTOR, '.card.status-scheduled [data-field="last-play"]'
    )
    assert all(n.text == "" for n in scheduled)
    browser.save_screenshot(str(ARTIFACTS / "dashboard-last-play.png"))
    page_problems.assert_clean()
    assert_accessible(browser)
