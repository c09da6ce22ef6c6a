"""docs/examples/follow-one-game.html in Chromium: a page on another origin (a second
loopback port) follows one game over the real server's socket with an API key; a key
that does not allow the page's origin is refused (4403, the client's "forbidden")."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from apikeys.models import ApiKey
from games.feed.select import ReplayFeed
from games.models import Game
from games.services import poll_scoreboard
from support.net import free_port
from tests.browser.conftest import ARTIFACTS, BROWSER_MISSING, SKIP_REASON, Daphne
from tests.browser.test_dashboard_live import feed, wait_for_page

__all__ = ["feed"]

pytestmark = [pytest.mark.browser, pytest.mark.skipif(BROWSER_MISSING, reason=SKIP_REASON)]

DOCS = Path(__file__).resolve().parents[2] / "docs"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def other_origin() -> Iterator[str]:
    """The docs/ folder served on a second loopback port: another origin."""
    handler = functools.partial(QuietHandler, directory=str(DOCS))
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def open_page(browser: Any, origin: str, server: Daphne, token: str, game_id: str) -> None:
    browser.get(
        f"{origin}/examples/follow-one-game.html#server={server.url}&key={token}&game={game_id}"
    )


def shown(browser: Any, game: Game) -> bool:
    score = browser.find_element(By.ID, "score").text
    seq = browser.find_element(By.ID, "seq").text
    expected = f"{game.away_tricode} {game.away_score} \u2013 {game.home_score} {game.home_tricode}"
    return score == expected and seq == str(game.seq)


def test_the_example_page_follows_one_game_from_another_origin_with_a_key(
    server: Daphne, browser: Any, feed: ReplayFeed, other_origin: str, eager_celery: None
) -> None:
    _, token = ApiKey.objects.issue("example page", allowed_origins=[other_origin])
    game_id = feed.board.night.games[0].game_id
    open_page(browser, other_origin, server, token, game_id)
    state = lambda b: b.find_element(By.ID, "state").get_attribute("data-state")  # noqa: E731
    wait_for_page(browser, lambda b: state(b) == "live", "the page's socket is live")
    history = browser.find_element(By.ID, "history").text  # fetched over HTTP, with CORS
    first = Game.objects.get(pk=game_id)
    assert history.startswith(f"{first.minutes.count()} minutes, ")
    assert f'forecasts at seq {first.seq} (ETag "' in history
    wait_for_page(browser, lambda b: shown(b, Game.objects.get(pk=game_id)), "the game")
    for _ in range(6):  # the game moves on: the page follows it
        poll_scoreboard(feed)
    game = Game.objects.get(pk=game_id)
    wait_for_page(browser, lambda b: shown(b, game), f"the game at seq {game.seq}")
    minutes = int(browser.find_element(By.ID, "minutes").text)
    assert minutes == game.last_closed_minute > 0
    newest = game.live_forecasts.order_by("-elapsed_seconds", "-id").first()
    assert newest is not None  # the forecast tasks ran inline: forecast.update reached it
    expected = (
        f"{round(newest.home_win_prob * 100)} % at {int(newest.elapsed_seconds)} s of game time"
    )
    wait_for_page(
        browser, lambda b: b.find_element(By.ID, "win-probability").text == expected, expected
    )
    assert browser.find_element(By.ID, "problem").text == ""
    browser.save_screenshot(str(ARTIFACTS / "example-follow-one-game.png"))


def test_a_key_that_does_not_allow_the_pages_origin_is_refused(
    server: Daphne, browser: Any, feed: ReplayFeed, other_origin: str
) -> None:
    _, token = ApiKey.objects.issue("elsewhere", allowed_origins=["https://elsewhere.example"])
    open_page(browser, other_origin, server, token, feed.board.night.games[0].game_id)
    wait_for_page(
        browser,
        lambda b: b.find_element(By.ID, "state").get_attribute("data-state") == "forbidden",
        "the client stops: forbidden (4403)",
    )
    assert browser.find_element(By.ID, "history").text.startswith("not available")  # no CORS
    problem = browser.find_element(By.ID, "problem").text
    assert problem.startswith("unauthorized: the API key") and other_origin in problem
