"""The public JS client (static/js/livescores-client.js) in real Chromium against the real
server: a lost version is noticed by its seq gap, the resync with ``seqs`` gets a partial
snapshot (only the game the page is behind on; the rest listed in ``current``), the page
takes that game, keeps the others, follows it again, and ends equal to the database."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By

from games.feed.select import ReplayFeed
from games.models import Game
from games.services import poll_scoreboard
from tests.browser.conftest import ARTIFACTS, BROWSER_MISSING, SKIP_REASON, Daphne
from tests.browser.test_dashboard_live import connection_is, feed, log_in, score, wait_for_page

__all__ = ["feed"]  # the replay night, polled once (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.skipif(BROWSER_MISSING, reason=SKIP_REASON)]

# Records what the page's client does: every snapshot (with what the client took from it
# and dropped), every resync it asked for, every subscription answer.
RECORD = """
const client = window.livescores.client;
window.__seen = {snapshots: [], resyncs: [], subscribed: []};
client.addEventListener("snapshot", (e) => window.__seen.snapshots.push({
  reason: e.detail.message.reason, games: e.detail.message.games.map((g) => g.game_id),
  current: e.detail.message.current, replaced: e.detail.replaced, dropped: e.detail.dropped}));
client.addEventListener("resync", (e) => window.__seen.resyncs.push(e.detail));
client.addEventListener("subscribed",
  (e) => window.__seen.subscribed.push(e.detail.message.game_id));
"""

# The page forgets the game's last version (as if its message had been lost).
BEHIND = (
    "const c = window.livescores.client; c.seqs.set(arguments[0], c.seqs.get(arguments[0]) - 1);"
)


def seen(browser: Any) -> dict[str, Any]:
    return dict(browser.execute_script("return window.__seen;"))


def page_seqs(browser: Any) -> dict[str, int]:
    return dict(browser.execute_script("return Object.fromEntries(window.livescores.client.seqs);"))


def all_subscribed(browser: Any, ids: list[str]) -> bool:
    return bool(
        browser.execute_script(
            "return arguments[0].every((id) => window.livescores.store.minutes.has(id));", ids
        )
    )


def test_a_missed_version_is_repaired_by_a_partial_snapshot_from_the_real_server(
    server: Daphne, browser: Any, feed: ReplayFeed
) -> None:
    ids = [g.game_id for g in feed.board.night.games]
    game_id = ids[0]
    log_in(browser, server)
    wait_for_page(browser, lambda b: all_subscribed(b, ids), "every game's subscription")
    browser.execute_script(RECORD + "window.__sameDocument = true;")
    before = page_seqs(browser)
    assert before == {g.game_id: g.seq for g in Game.objects.filter(pk__in=ids)}

    # The page "missed" the game's last version: the next one is a gap.
    browser.execute_script(BEHIND, game_id)
    poll_scoreboard(feed)
    wait_for_page(browser, lambda b: len(seen(b)["snapshots"]) == 1, "the resync's snapshot")
    record = seen(browser)
    assert len(record["resyncs"]) == 1  # asked once
    assert record["resyncs"][0]["seqs"][game_id] == before[game_id] - 1
    answer = record["snapshots"][0]
    assert answer["reason"] == "resync"
    assert game_id in answer["games"] and answer["dropped"] == []
    assert answer["replaced"] == [game_id]  # only what the page was behind on is taken
    assert set(answer["games"]) | set(answer["current"]) == set(ids)
    wait_for_page(browser, lambda b: game_id in seen(b)["subscribed"], "the game followed again")
    db = {g.game_id: g for g in Game.objects.filter(pk__in=ids)}
    wait_for_page(browser, lambda b: page_seqs(b) == {i: g.seq for i, g in db.items()}, "DB seqs")
    for gid, game in db.items():
        shown = browser.execute_script(
            "const g = window.livescores.store.games.get(arguments[0]);"
            "return [g.away.score, g.home.score, g.seq];",
            gid,
        )
        assert shown == [game.away_score, game.home_score, game.seq], gid
    live = [g for g in db.values() if g.home_score or g.away_score]
    assert live, "the poll moved no game"
    for game in live:  # and the cards show it
        assert score(browser, game.game_id) == (str(game.away_score), str(game.home_score))

    # Asked directly while one version behind on one game: the server sends that game
    # alone and lists the other nine as current.
    browser.execute_script(BEHIND + "window.livescores.client.resync('test');", game_id)
    wait_for_page(browser, lambda b: len(seen(b)["snapshots"]) == 2, "the second snapshot")
    answer = seen(browser)["snapshots"][1]
    assert answer["games"] == [game_id] and answer["replaced"] == [game_id]
    assert sorted(answer["current"]) == sorted(i for i in ids if i != game_id)
    assert page_seqs(browser) == {i: g.seq for i, g in db.items()}
    assert browser.execute_script("return window.__sameDocument === true;")  # no reload
    connection_is(browser, "live")
    assert browser.find_element(By.ID, f"game-{game_id}").is_displayed()
    browser.save_screenshot(str(ARTIFACTS / "dashboard-after-resync.png"))
