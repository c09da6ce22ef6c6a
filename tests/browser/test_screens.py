"""The screens of issue 19 (Why 7) in Chromium, screenshotted: sort and team filter kept
per user, forecasts in words, a stale game shown as such, labels of other nights, the
styled 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from alerts.models import BoardSort, Preferences
from games.feed.select import ReplayFeed
from games.feed.types import GameStatus
from games.models import Game
from games.services import poll_scoreboard
from tests.browser.conftest import ARTIFACTS, BROWSER_MISSING, SKIP_REASON, Daphne
from tests.browser.test_dashboard_live import connection_is, feed, log_in, wait_for_page
from tests.browser.test_pages import PAST, past_night

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(BROWSER_MISSING, reason=SKIP_REASON),
]
__all__ = ["feed"]


def card_order(browser: Any) -> list[str]:
    return list(
        browser.execute_script(
            "return [...document.querySelectorAll('#games > .card')]"
            ".filter((c) => !c.hidden).map((c) => c.dataset.gameId);"
        )
    )


def test_sort_and_team_filter_are_kept_for_the_user_across_reloads(
    server: Daphne, browser: Any, feed: ReplayFeed, eager_celery: None
) -> None:
    for _ in range(16):  # every game is under way
        poll_scoreboard(feed)
    done = sorted(Game.objects.values_list("pk", flat=True))[-3:]
    Game.objects.filter(pk__in=done).update(status=GameStatus.FINAL)  # three are over
    log_in(browser, server)
    games = {g.pk: g for g in Game.objects.filter(game_date=feed.night)}
    live = [pk for pk, g in games.items() if g.status == GameStatus.LIVE]
    assert live and len(live) < len(games)
    order = card_order(browser)
    assert set(order[: len(live)]) == set(live)  # default: live games first

    Select(browser.find_element(By.ID, "board-sort")).select_by_value("closest")
    closest = sorted(live, key=lambda pk: abs(games[pk].differential))
    wait_for_page(
        browser,
        lambda b: (
            [abs(games[pk].differential) for pk in card_order(b)[: len(live)]]
            == [abs(games[pk].differential) for pk in closest]
        ),
        "the closest live games first",
    )
    team = games[live[0]].home_tricode
    Select(browser.find_element(By.ID, "board-team")).select_by_value(team)
    wait_for_page(browser, lambda b: card_order(b) == [live[0]], f"only {team}'s game")
    user = get_user_model().objects.get(username="coach")
    wait_for_page(
        browser,
        lambda b: Preferences.objects.filter(user=user, team_filter=[team]).exists(),
        "the preferences stored",
    )
    assert Preferences.objects.get(user=user).board_sort == BoardSort.CLOSEST
    shown = browser.find_element(By.ID, "board-shown").text
    assert shown == f"1 of {len(games)} games"
    browser.save_screenshot(str(ARTIFACTS / "board-filtered.png"))

    browser.refresh()  # the server renders the same choice; the page applies it
    connection_is(browser, "live")
    wait_for_page(browser, lambda b: card_order(b) == [live[0]], "the filter after a reload")
    assert Select(browser.find_element(By.ID, "board-sort")).first_selected_option.text == (
        "closest games first"
    )
    Select(browser.find_element(By.ID, "board-team")).select_by_value("")
    wait_for_page(browser, lambda b: len(card_order(b)) == len(games), "every game again")
    browser.save_screenshot(str(ARTIFACTS / "board-sorted.png"))


def test_other_nights_say_past_or_upcoming_and_show_a_stale_game_as_such(
    server: Daphne, browser: Any, feed: ReplayFeed
) -> None:
    hit, _ = past_night()
    Game.objects.filter(pk=hit.pk).update(status=GameStatus.STALE, status_text="Q3 9:00")
    later = feed.night + dt.timedelta(days=3)
    Game.objects.create(
        game_id="0022409999",
        game_date=later,
        home_team_id=1,
        away_team_id=2,
        home_tricode="BOS",
        away_tricode="NYK",
        home_city="Boston",
        home_name="Celtics",
        away_city="New York",
        away_name="Knicks",
    )
    log_in(browser, server)
    browser.get(f"{server.url}/nights/{PAST}/")
    title = browser.find_element(By.ID, "night-title").text.lower()
    assert "past night" in title
    card = browser.find_element(By.ID, f"game-{hit.pk}")
    assert card.find_element(By.CSS_SELECTOR, '[data-field="status"]').text.lower() == "stale"
    assert card.find_element(By.CSS_SELECTOR, '[data-field="clock"]').text == "No update (stale)"
    assert "status-stale" in card.get_attribute("class")
    assert not browser.find_elements(By.ID, "replay-clock")  # not the replayed night
    browser.save_screenshot(str(ARTIFACTS / "night-past-stale.png"))

    browser.get(f"{server.url}/nights/{later}/")
    assert "upcoming night" in browser.find_element(By.ID, "night-title").text.lower()
    assert "past night" not in browser.find_element(By.ID, "night-title").text.lower()
    browser.save_screenshot(str(ARTIFACTS / "night-upcoming.png"))

    browser.get(f"{server.url}/nights/{feed.night - dt.timedelta(days=30)}/")
    assert not browser.find_element(By.ID, "chart-legend").is_displayed()  # nothing to explain
    assert "No games on this night" in browser.find_element(By.ID, "games").text
    browser.save_screenshot(str(ARTIFACTS / "night-empty.png"))

    browser.get(f"{server.url}/games/0099999999/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert "no game 0099999999" in browser.find_element(By.TAG_NAME, "main").text
    browser.save_screenshot(str(ARTIFACTS / "not-found.png"))
