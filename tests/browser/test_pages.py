"""Every staff page in headless Chromium: what a staff user reads on it, navigation between
nights and games, live updates, and on every page no console error, no failed request and
no serious or critical axe-core violation (fixtures in tests/browser/conftest.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from games.feed.select import ReplayFeed
from games.feed.types import GameStatus
from games.models import Game, MinuteDifferential
from games.services import poll_scoreboard
from predictions.models import Prediction
from tests.browser.conftest import (
    ARTIFACTS,
    BROWSER_MISSING,
    SKIP_REASON,
    Daphne,
    PageProblems,
    assert_accessible,
    axe_violations,
)
from tests.browser.test_dashboard_live import connection_is, feed, log_in, wait_for_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(BROWSER_MISSING, reason=SKIP_REASON),
]
__all__ = ["feed"]  # the replay night, polled once (a fixture)

PAST = dt.date(2025, 2, 8)  # two nights before the replay's 2025-02-10


def past_night() -> list[Game]:
    """Two finished games on PAST: one forecast inside its 90 % interval, one outside."""
    games = []
    for i, (actual, lo, hi) in enumerate([(6, 0, 10), (-12, -4, 8)]):
        game = Game.objects.create(
            game_id=f"00224099{i:02d}",
            game_date=PAST,
            start_time=dt.datetime(2025, 2, 9, 0, 30, tzinfo=dt.UTC),
            home_team_id=1,
            away_team_id=2,
            home_tricode=("BOS", "DEN")[i],
            home_city=("Boston", "Denver")[i],
            home_name=("Celtics", "Nuggets")[i],
            away_tricode=("NYK", "LAL")[i],
            away_city=("New York", "Los Angeles")[i],
            away_name=("Knicks", "Lakers")[i],
            status=GameStatus.FINAL,
            status_text="Final",
            period=4,
            clock_seconds=0.0,
            elapsed_seconds=2880.0,
            home_score=101 + i,
            away_score=97 + 10 * i,
            last_closed_minute=48,
            observed=True,
        )
        now = timezone.now()
        MinuteDifferential.objects.bulk_create(
            MinuteDifferential(
                game=game,
                minute=m,
                home_score=2 * m + (m // 4 if i == 0 else 0),
                away_score=2 * m + (0 if i == 0 else m // 4),
                differential=(m // 4) * (1 if i == 0 else -1),
                imputed=m == 7,
                closed_at=now,
            )
            for m in range(1, 49)
        )
        Prediction.objects.create(
            game=game,
            model_name="test",
            model_version="t1",
            input_pattern=[0] * 18,
            halftime_point=(lo + hi) / 2,
            halftime_lo90=lo,
            halftime_hi90=hi,
            halftime_lo95=lo - 2,
            halftime_hi95=hi + 2,
            latency_ms=1.0,
            actual_halftime=actual,
            actual_final=game.differential,
        )
        games.append(game)
    return games


def card_text(browser: Any, game_id: str, name: str) -> str:
    card = browser.find_element(By.ID, f"game-{game_id}")
    return str(card.find_element(By.CSS_SELECTOR, f'[data-field="{name}"]').text)


def chart_info(browser: Any, selector: str) -> dict[str, Any]:
    return dict(
        browser.execute_script(
            "const chart = Chart.getChart(document.querySelector(arguments[0]));"
            "return {ymin: chart.scales.y.min, ymax: chart.scales.y.max,"
            " markers: chart.options.plugins.markers.lines.map((l) => l.label),"
            " points: chart.data.datasets.map((d) => d.data.length)};",
            selector,
        )
    )


def row_texts(browser: Any, selector: str) -> list[str]:
    return list(
        browser.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((r) => r.textContent);",
            selector,
        )
    )


def no_sideways_scroll(browser: Any) -> bool:
    return bool(
        browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;"
        )
    )


def test_the_dashboard_names_the_night_the_moment_the_lead_and_start_times(
    server: Daphne, browser: Any, feed: ReplayFeed, page_problems: PageProblems
) -> None:
    night = feed.board.night
    log_in(browser, server)
    title = browser.find_element(By.ID, "night-title").text
    assert f"replay of {night.date.isoformat()}".upper() in title.upper()
    assert "February" in title  # the night's date, not today's
    for _ in range(3):
        poll_scoreboard(feed)
    live_id = night.games[0].game_id
    wait_for_page(
        browser, lambda b: card_text(b, live_id, "clock").startswith("Q1 "), "a live clock"
    )
    clock = card_text(browser, live_id, "clock")
    assert re.fullmatch(r"Q1 [1-9]\d?:\d\d", clock), clock  # "Q1 9:00", no leading zero
    lead = card_text(browser, live_id, "differential")
    assert lead == "Tied" or re.fullmatch(r"[A-Z]{3} \+\d+", lead), lead
    # Scheduled games: their start time (no seconds, zone named) and records, no chart.
    scheduled = browser.find_elements(By.CSS_SELECTOR, ".card.status-scheduled")
    assert scheduled, "the replay starts its games one after the other"
    first = scheduled[0]
    assert re.fullmatch(
        r"Starts \d{1,2}:\d\d\s?[AP]M UTC",
        first.find_element(By.CSS_SELECTOR, '[data-field="clock"]').text,
    )
    assert re.fullmatch(
        r"\d+\u2013\d+", first.find_element(By.CSS_SELECTOR, '[data-field="home-record"]').text
    )
    assert not first.find_element(By.CSS_SELECTOR, ".chart").is_displayed()
    # One y-scale for every card; labelled markers; a legend.
    charts = [
        chart_info(browser, f"#{c.get_attribute('id')} .chart canvas")
        for c in browser.find_elements(By.CSS_SELECTOR, ".card.status-live")
    ]
    assert len({(c["ymin"], c["ymax"]) for c in charts}) == 1
    assert charts[0]["markers"] == ["forecast", "half"]
    legend = browser.find_element(By.CSS_SELECTOR, ".legend").text
    assert "forecast" in legend and "half" in legend and "90 %" in legend
    assert browser.find_element(By.ID, "viewer-zone").text == "UTC"
    browser.save_screenshot(str(ARTIFACTS / "dashboard-1440.png"))
    page_problems.assert_clean()
    assert_accessible(browser)

    browser.set_window_size(390, 900)
    try:
        wait_for_page(browser, no_sideways_scroll, "the dashboard to fit 390 px")
        browser.save_screenshot(str(ARTIFACTS / "dashboard-390.png"))
    finally:
        browser.set_window_size(1440, 1000)


def gone(element: Any) -> bool:
    """The page holding ``element`` has been replaced (a reload, a form sent)."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    return False


def test_the_formatting_rules_staff_read_on_cards(
    server: Daphne, browser: Any, feed: ReplayFeed
) -> None:
    log_in(browser, server)
    game = {
        "home": {"tricode": "BOS"},
        "away": {"tricode": "NYK"},
        "status_text": "",
        "start_time": None,
    }
    cases = browser.execute_async_script(
        "const [game, done] = arguments;"
        "const time = window.livescores.time;"  # the page's game time (server constants)
        "import('/static/js/format.js').then((f) => done(["
        " f.clockLabel({...game, status: 'live', period: 1, clock_seconds: 540}, time),"
        " f.clockLabel({...game, status: 'live', period: 1, clock_seconds: 0,"
        "   status_text: 'End of Q1'}, time),"
        " f.clockLabel({...game, status: 'live', period: 4, clock_seconds: 42.5}, time),"
        " f.clockLabel({...game, status: 'live', period: 5, clock_seconds: 61}, time),"
        " f.clockLabel({...game, status: 'postponed', status_text: 'PPD'}, time),"
        " f.leadText({...game, differential: 4}),"
        " f.leadText({...game, differential: -7}),"
        " f.leadText({...game, differential: 0}),"
        "]));",
        game,
    )
    assert cases == [
        "Q1 9:00",
        "End of Q1",
        "Q4 42.5",
        "OT 1:01",
        "Postponed",
        "BOS +4",
        "NYK +7",
        "Tied",
    ]


def test_a_past_night_shows_final_scores_charts_and_hits_apart_from_misses(
    server: Daphne, browser: Any, feed: ReplayFeed, page_problems: PageProblems
) -> None:
    hit, miss = past_night()
    log_in(browser, server)
    browser.find_element(By.CSS_SELECTOR, '[data-nav="previous"]').click()
    wait_for_page(browser, lambda b: b.current_url.endswith(f"/nights/{PAST}/"), "the past night")
    assert "Saturday 8 February 2025" in browser.find_element(By.ID, "night-title").text
    assert not browser.find_elements(By.ID, "connection")  # a past night is not live
    assert card_text(browser, hit.game_id, "home-score") == str(hit.home_score)
    assert card_text(browser, hit.game_id, "clock") == "Final"
    assert card_text(browser, miss.game_id, "differential") == f"LAL +{-miss.differential}"
    hit_line = browser.find_element(By.CSS_SELECTOR, f"#game-{hit.game_id} .outcome")
    miss_line = browser.find_element(By.CSS_SELECTOR, f"#game-{miss.game_id} .outcome")
    assert "hit" in hit_line.get_attribute("class") and hit_line.text.startswith("✓ Hit")
    assert "miss" in miss_line.get_attribute("class") and miss_line.text.startswith("✗ Miss")
    assert hit_line.value_of_css_property("color") != miss_line.value_of_css_property("color")
    chart = chart_info(browser, f"#game-{hit.game_id} .chart canvas")
    assert chart["points"][4] == 49 and chart["points"][2] == 2  # 0..48 and the 90% band
    assert chart["points"][7:9] == [1, 0]  # drawn as a hit (green), not as a miss (red)
    browser.save_screenshot(str(ARTIFACTS / "night-past.png"))
    page_problems.assert_clean()
    assert_accessible(browser)

    # The date picker (a plain GET form) and the next link back to the current night.
    picker = browser.find_element(By.ID, "night-date")
    browser.execute_script("arguments[0].value = arguments[1];", picker, PAST.isoformat())
    browser.find_element(By.CSS_SELECTOR, ".night-pick button").click()
    # The picked night has the URL of the page it replaces: wait for that page to go.
    wait_for_page(
        browser,
        lambda b: gone(picker) and b.current_url.endswith(f"/nights/{PAST}/"),
        "the picked night",
    )
    browser.find_element(By.CSS_SELECTOR, '[data-nav="next"]').click()
    wait_for_page(browser, lambda b: b.current_url == f"{server.url}/", "the current night")
    connection_is(browser, "live")

    # A game of the past night, and back to its night.
    browser.get(f"{server.url}/nights/{PAST}/")
    browser.find_element(By.CSS_SELECTOR, f"#game-{miss.game_id} a.matchup").click()
    wait_for_page(browser, lambda b: b.current_url.endswith(f"/games/{miss.game_id}/"), "the game")
    connection_is(browser, "live")
    full = chart_info(browser, f"#game-{miss.game_id} .chart canvas")
    assert full["markers"] == ["Q2", "forecast", "half", "Q4"]
    assert full["points"][7:10] == [0, 1, 1]  # no hit, the miss, minute 7 imputed
    rows = row_texts(browser, "#minute-rows tr")  # in one go: the table is redrawn live
    assert len(rows) == 48 and "imputed" in rows[6]
    browser.set_window_size(1440, 1800)
    browser.save_screenshot(str(ARTIFACTS / "game-past.png"))
    browser.set_window_size(390, 900)
    try:
        wait_for_page(browser, no_sideways_scroll, "the game page to fit 390 px")
        browser.save_screenshot(str(ARTIFACTS / "game-390.png"))
    finally:
        browser.set_window_size(1440, 1000)
    browser.find_element(By.CSS_SELECTOR, '[data-nav="night"]').click()
    wait_for_page(
        browser, lambda b: b.current_url.endswith(f"/nights/{PAST}/"), "back to the night"
    )
    page_problems.assert_clean()


def test_the_game_page_follows_the_game_live_with_its_timeline_and_win_probability(
    server: Daphne, browser: Any, feed: ReplayFeed, page_problems: PageProblems
) -> None:
    game_id = feed.board.night.games[0].game_id
    log_in(browser, server, f"/games/{game_id}/")
    browser.execute_script("window.__sameDocument = true;")
    before = len(browser.find_elements(By.CSS_SELECTOR, "#snapshot-rows tr"))
    for _ in range(4):
        poll_scoreboard(feed)
    wait_for_page(
        browser,
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#minute-rows tr")) >= 3,
        "closed minutes on the game page",
    )
    wait_for_page(
        browser,
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#snapshot-rows tr")) > before,
        "a new score change in the timeline",
    )
    newest = browser.execute_script("return document.querySelector('#snapshot-rows tr').innerText;")
    assert re.search(r"\d{1,2}:\d\d\s?[AP]M UTC\s+Q1 \d{1,2}:\d\d", newest), newest

    # A forecast.update as the WebSocket API documents it: the WP curve and the card's
    # "XXX 73 %" follow, through the same sequence checks as every game message.
    seq = browser.execute_script("return window.livescores.socket.seqs.get(arguments[0]);", game_id)
    point = {
        "elapsed_seconds": 180.0,
        "period": 1,
        "home_score": 6,
        "away_score": 9,
        "home_win_prob": 0.27,
        "final_margin": -4.5,
        "interval90": [-20, 11],
        "interval95": [-24, 15],
        "model_version": "t1",
    }
    browser.execute_script(
        "window.livescores.socket.handle({type: 'forecast.update', game_id: arguments[0],"
        " seq: arguments[1], version: 3, sent_at: new Date().toISOString(),"
        " forecast: arguments[2]});",
        game_id,
        seq + 1,
        point,
    )
    away = Game.objects.get(pk=game_id).away_tricode
    wait_for_page(browser, lambda b: f"{away} 73 %" in b.find_element(By.ID, "wp-now").text, "WP")
    wp = chart_info(browser, "#wp-curve canvas")
    assert wp["points"] == [1] and "half" in wp["markers"]
    assert browser.execute_script("return window.__sameDocument === true;")
    browser.set_window_size(1440, 1800)
    browser.save_screenshot(str(ARTIFACTS / "game-live.png"))
    browser.set_window_size(1440, 1000)
    page_problems.assert_clean()
    assert_accessible(browser)


def test_cards_show_the_favourites_win_probability_and_a_small_line(
    server: Daphne, browser: Any, feed: ReplayFeed
) -> None:
    game_id = feed.board.night.games[0].game_id
    log_in(browser, server)
    series = [
        {
            "elapsed_seconds": 60.0 * m,
            "period": 1,
            "home_score": 2 * m,
            "away_score": m,
            "home_win_prob": p,
            "final_margin": 0.0,
            "interval90": [-10, 10],
            "interval95": [-14, 14],
        }
        for m, p in [(1, 0.5), (2, 0.61), (3, 0.73)]
    ]
    # After the snapshot the page subscribes to every game; each `subscribed` replaces the
    # game object, so draw only once this game's has arrived (its minutes are known).
    wait_for_page(
        browser,
        lambda b: b.execute_script(
            "return window.livescores.store.minutes.has(arguments[0]);", game_id
        ),
        "the game's subscription",
    )
    browser.execute_script(
        "const {store, cards} = window.livescores;"
        "const game = store.games.get(arguments[0]);"
        "game.win_probability = arguments[1]; cards.render(game);",
        game_id,
        series,
    )
    home = Game.objects.get(pk=game_id).home_tricode
    assert card_text(browser, game_id, "win-probability") == f"win prob. {home} 73 %"
    assert chart_info(browser, f"#game-{game_id} .wp-chart canvas")["points"] == [3]
    # A finished game has a winner, not a probability: the number goes, the line stays.
    browser.execute_script(
        "const {store, cards} = window.livescores;"
        "const game = store.games.get(arguments[0]);"
        "game.status = 'final'; cards.render(game);",
        game_id,
    )
    assert card_text(browser, game_id, "win-probability") == ""
    assert chart_info(browser, f"#game-{game_id} .wp-chart canvas")["points"] == [3]


def test_the_models_page_is_clean_and_accessible(
    server: Daphne, browser: Any, feed: ReplayFeed, page_problems: PageProblems
) -> None:
    log_in(browser, server)
    browser.find_element(By.LINK_TEXT, "Models").click()
    wait_for_page(browser, lambda b: b.current_url.endswith("/models/"), "the models page")
    assert "Model versions" in browser.find_element(By.TAG_NAME, "h1").text
    page_problems.assert_clean()
    assert_accessible(browser)
    # The check can fail: an image without a text alternative is a critical violation.
    browser.execute_script(
        "const img = document.createElement('img'); img.src = '/static/img/favicon.svg';"
        "document.querySelector('main').append(img);"
    )
    assert [v["id"] for v in axe_violations(browser)] == ["image-alt"]


def test_a_socket_closed_for_want_of_a_session_sends_the_person_to_the_login(
    server: Daphne, browser: Any, feed: ReplayFeed
) -> None:
    log_in(browser, server)
    browser.delete_cookie("sessionid")  # the session is gone (logged out elsewhere)
    # SIGTERM: the socket is closed with 1001 and the page reconnects at once, to this
    # process while it drains or to the restarted one: either refuses it with 4401.
    server.stop()
    server.start()
    wait_for_page(
        browser,
        lambda b: b.current_url == f"{server.url}/accounts/login/?next=/",
        "the login page",
        timeout=30,
    )


def test_a_socket_refused_for_want_of_staff_status_stops_and_says_so(
    server: Daphne, browser: Any, feed: ReplayFeed
) -> None:
    from django.contrib.auth import get_user_model

    log_in(browser, server)
    get_user_model().objects.filter(username="coach").update(is_staff=False)
    server.stop()  # 1001; the reconnect (signed in, no longer staff) gets 4403, no retry
    server.start()
    connection_is(browser, "not allowed", timeout=30)
    assert browser.current_url == f"{server.url}/"
