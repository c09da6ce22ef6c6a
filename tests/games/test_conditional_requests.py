"""Conditional requests to the live play-by-play and box-score endpoints, against a real
local HTTP server (http.server in a thread) that honours ``If-None-Match`` and
``If-Modified-Since`` as a CDN does: a 304 costs no body, the follower skips it as
unchanged without parsing, and a changed body is fetched whole again. The bodies are
the real recorded payloads of tests/fixtures/live_pbp (the first answer SYNTHESISED as
the same game 100 actions earlier)."""

from __future__ import annotations

import copy
import email.utils
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from games.feed.game_feed import BOXSCORE, PLAYBYPLAY, LiveGameFeed
from games.feed.types import GameStatus
from games.models import Game, Play
from games.play_services import follow_games
from tests.games.test_plays import make_game, recorded

pytestmark = pytest.mark.django_db

GAME = "0022400762"


class Cdn:
    """What the server serves, which validators it sends, and what it was asked."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.modified: dict[str, str] = {}
        self.validators: tuple[str, ...] = ("etag", "last-modified")
        self.asked: list[tuple[str, dict[str, str], int]] = []  # path, headers, status

    def serve(self, path: str, payload: dict[str, Any], when: float) -> None:
        self.bodies[path] = json.dumps(payload).encode()
        self.modified[path] = email.utils.formatdate(when, usegmt=True)


@pytest.fixture
def cdn() -> Iterator[tuple[Cdn, str]]:
    state = Cdn()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = state.bodies.get(self.path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                state.asked.append((self.path, dict(self.headers), 404))
                return
            etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
            modified = state.modified[self.path]
            match = "etag" in state.validators and self.headers.get("If-None-Match") == etag
            since = self.headers.get("If-Modified-Since")
            fresh = (
                "last-modified" in state.validators
                and since is not None
                and "If-None-Match" not in self.headers
                and email.utils.parsedate_to_datetime(since)
                >= email.utils.parsedate_to_datetime(modified)
            )
            status = 304 if match or fresh else 200
            state.asked.append((self.path, dict(self.headers), status))
            self.send_response(status)
            if "etag" in state.validators:
                self.send_header("ETag", etag)
            if "last-modified" in state.validators:
                self.send_header("Last-Modified", modified)
            if status == 200:
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status == 200:
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/{{endpoint}}"
    finally:
        server.shutdown()
        server.server_close()


PBP_PATH = f"/playbyplay/playbyplay_{GAME}.json"
BOX_PATH = f"/boxscore/boxscore_{GAME}.json"


def earlier(payload: dict[str, Any], drop: int) -> dict[str, Any]:
    """SYNTHESISED: the real payload as it stood ``drop`` actions earlier."""
    copied = copy.deepcopy(payload)
    copied["game"]["actions"] = copied["game"]["actions"][:-drop]
    return copied


@pytest.fixture
def live_game(redis_client: Any) -> Game:
    game = make_game(GAME)
    Game.objects.filter(pk=GAME).update(status=GameStatus.LIVE)
    return game


@pytest.mark.parametrize("validators", [("etag", "last-modified"), ("last-modified",), ("etag",)])
def test_an_unchanged_body_is_a_304_and_a_changed_one_is_fetched_whole(
    cdn: tuple[Cdn, str], live_game: Game, validators: tuple[str, ...]
) -> None:
    server, base = cdn
    server.validators = validators
    plays = recorded(GAME, "playbyplay")
    server.serve(PBP_PATH, earlier(plays, 100), 1_738_800_000)
    server.serve(BOX_PATH, recorded(GAME, "boxscore"), 1_738_800_000)
    feed = LiveGameFeed(timeout=2, base_url=base)

    first = follow_games(feed)
    assert first.failures == {} and first.changed == [GAME]
    assert first.not_modified == {PLAYBYPLAY: 0, BOXSCORE: 0}
    assert "If-None-Match" not in server.asked[0][1]
    assert "If-Modified-Since" not in server.asked[0][1]
    stored = Play.objects.filter(game_id=GAME).count()
    assert stored == len(plays["game"]["actions"]) - 100

    again = follow_games(feed)  # nothing changed on the server
    pbp_asks = [a for a in server.asked if a[0] == PBP_PATH]
    headers, status = pbp_asks[-1][1], pbp_asks[-1][2]
    assert status == 304
    assert ("If-None-Match" in headers) == ("etag" in validators)
    assert ("If-Modified-Since" in headers) == ("last-modified" in validators)
    assert again.not_modified[PLAYBYPLAY] == again.unchanged[PLAYBYPLAY] == 1
    assert again.requests[BOXSCORE] == 0 and again.changed == []

    server.serve(PBP_PATH, plays, 1_738_800_010)  # 100 more actions, ten seconds later
    third = follow_games(feed)
    assert [a[2] for a in server.asked if a[0] == PBP_PATH][-1] == 200
    assert third.not_modified[PLAYBYPLAY] == 0 and third.changed == [GAME]
    assert Play.objects.filter(game_id=GAME).count() == len(plays["game"]["actions"])


def test_a_server_without_validators_gets_no_conditional_headers(
    cdn: tuple[Cdn, str], live_game: Game
) -> None:
    server, base = cdn
    server.validators = ()
    server.serve(PBP_PATH, recorded(GAME, "playbyplay"), 1_738_800_000)
    server.serve(BOX_PATH, recorded(GAME, "boxscore"), 1_738_800_000)
    feed = LiveGameFeed(timeout=2, base_url=base)
    follow_games(feed)
    again = follow_games(feed)
    for _, headers, status in server.asked:
        assert "If-None-Match" not in headers and "If-Modified-Since" not in headers
        assert status == 200
    assert again.unchanged[PLAYBYPLAY] == 1 and again.not_modified[PLAYBYPLAY] == 0  # fingerprint
    assert server.asked[0][1]["Referer"] == "https://www.nba.com/"
