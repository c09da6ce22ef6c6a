"""One game's play-by-play and box score: NBA's live endpoints, or the replayed night.

``LiveGameFeed`` calls ``nba_api.live.nba.endpoints.PlayByPlay`` / ``BoxScore`` with the
live scoreboard's headers (the Referer NBA's CDN requires) and timeout; a failure is a
``GameFeedError`` with a failure class (``KINDS``) for the metric. ``ReplayGameFeed``
serves the recorded night's plays and box scores (``games.feed.replay_plays`` /
``replay_boxscore``, from ``data/plays_2024-25``) up to where the replayed scoreboard has
the game. Each answer carries a fingerprint of its body: the follower skips a body it
has already stored. Settings-free.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests
from nba_api.live.nba.endpoints.boxscore import BoxScore
from nba_api.live.nba.endpoints.playbyplay import PlayByPlay
from nba_api.live.nba.library.http import NBALiveHTTP

from games.feed.live import FeedError, live_headers
from games.feed.replay_boxscore import boxscore_payload
from games.feed.replay_plays import (
    DEFAULT_DIRECTORY,
    PlayArchiveMissing,
    PlayNight,
    load_night,
    playbyplay_payload,
)

logger = logging.getLogger(__name__)

PLAYBYPLAY, BOXSCORE = "playbyplay", "boxscore"
ENDPOINTS = (PLAYBYPLAY, BOXSCORE)
# Failure classes, one metric label each.
KINDS = ("timeout", "network", "refused", "html", "empty", "truncated", "shape", "missing")
STATUS_LIVE, STATUS_FINAL = 2, 3


class GameFeedError(FeedError):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class GameMoment:
    """Where the scoreboard has a game: what a replayed endpoint answers up to."""

    game_id: str
    game_date: dt.date
    status: int
    period: int
    elapsed: float
    tip_off: dt.datetime | None


@dataclass(frozen=True)
class Body:
    """An endpoint's answer: its fingerprint, and its payload (parsed on first use, so a
    body the follower skips as unchanged is never parsed). ``not_modified``: the server
    answered 304 to a conditional request and this is the body it confirmed."""

    fingerprint: str
    loaded: dict[str, Any] | None = None
    text: str | None = None
    not_modified: bool = False

    @functools.cached_property
    def payload(self) -> dict[str, Any]:
        if self.loaded is not None:
            return self.loaded
        value: dict[str, Any] = json.loads(self.text or "")
        return value


@dataclass(frozen=True, slots=True)
class Seen:
    """The last 200 answer of one endpoint for one game: its validators and body."""

    etag: str | None
    last_modified: str | None
    fingerprint: str
    text: str


class GameFeed(Protocol):
    name: str
    budgeted: bool  # spends from the shared request budget (games.budget)

    def fetch(self, endpoint: str, game: GameMoment) -> Body: ...


def _classify(status: int | None, text: str) -> tuple[str, str]:
    body = text.strip()
    if status is not None and status != 200:
        return "refused", f"HTTP {status}"
    if not body:
        return "empty", "empty body"
    if body.startswith("<"):
        return "html", "HTML instead of JSON"
    return "truncated", "body is not complete JSON"


class LiveGameFeed:
    """NBA's live CDN endpoints, one GET per call, through nba_api's session and URLs.

    Conditional requests: when an answer carried ``ETag`` or ``Last-Modified``, the next
    request for that game and endpoint sends ``If-None-Match`` / ``If-Modified-Since``,
    and a ``304 Not Modified`` answers with the body kept from the last 200 (its
    fingerprint unchanged, so the follower skips it without parsing). The last
    ``REMEMBERED`` bodies are kept per process (a few hundred KB each)."""

    name = "live"
    budgeted = True
    ENDPOINTS = {PLAYBYPLAY: PlayByPlay, BOXSCORE: BoxScore}
    REMEMBERED = 64

    def __init__(self, timeout: float, base_url: str = NBALiveHTTP.base_url) -> None:
        self.timeout = timeout
        self.base_url = base_url
        self.seen: OrderedDict[tuple[str, str], Seen] = OrderedDict()
        self.lock = threading.Lock()  # the follower fetches games from several threads

    def url(self, endpoint: str, game_id: str) -> str:
        path = self.ENDPOINTS[endpoint].endpoint_url.format(game_id=game_id)
        return self.base_url.format(endpoint=path)

    def fetch(self, endpoint: str, game: GameMoment) -> Body:
        what = f"{endpoint} {game.game_id}"
        key = (endpoint, game.game_id)
        with self.lock:
            seen = self.seen.get(key)
        headers = live_headers()
        if seen is not None and seen.etag:
            headers["If-None-Match"] = seen.etag
        if seen is not None and seen.last_modified:
            headers["If-Modified-Since"] = seen.last_modified
        try:
            response = NBALiveHTTP.get_session().get(
                self.url(endpoint, game.game_id), headers=headers, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise GameFeedError("timeout", f"{what} timed out after {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise GameFeedError("network", f"{what}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code == 304 and seen is not None:
            return Body(seen.fingerprint, text=seen.text, not_modified=True)
        text = response.text or ""
        if response.status_code != 200:
            raise GameFeedError("refused", f"{what}: HTTP {response.status_code}")
        try:
            payload = json.loads(text)
        except ValueError as exc:
            kind, reason = _classify(response.status_code, text)
            raise GameFeedError(kind, f"{what}: {reason}") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("game"), dict):
            raise GameFeedError("shape", f"{what}: JSON without a 'game' object")
        fingerprint = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        with self.lock:
            if etag or modified:
                self.seen[key] = Seen(etag, modified, fingerprint, text)
                self.seen.move_to_end(key)
                while len(self.seen) > self.REMEMBERED:
                    self.seen.popitem(last=False)
            else:
                self.seen.pop(key, None)
        return Body(fingerprint, loaded=payload)


class ReplayGameFeed:
    """The recorded night's endpoints; the moment is the replayed scoreboard's."""

    name = "replay"
    budgeted = False  # no CDN to spare (a test turns it on to exercise the budget)

    def __init__(self, night: dt.date, directory: Path = DEFAULT_DIRECTORY) -> None:
        self.date = night
        self.directory = directory
        self._night: PlayNight | None = None

    def night(self) -> PlayNight:
        if self._night is None:
            try:
                self._night = load_night(self.date, self.directory)
            except PlayArchiveMissing as exc:
                raise GameFeedError("missing", str(exc)) from exc
        return self._night

    def fetch(self, endpoint: str, game: GameMoment) -> Body:
        try:
            plays = self.night().game(game.game_id)
        except PlayArchiveMissing as exc:
            raise GameFeedError("missing", f"{endpoint} {game.game_id}: {exc}") from exc
        tip_off = game.tip_off or dt.datetime.combine(game.game_date, dt.time(0), dt.UTC)
        if game.status == STATUS_FINAL:
            where: dict[str, Any] = {"upto": len(plays.plays)}
        elif game.status == STATUS_LIVE:
            where = {"elapsed": game.elapsed, "period": game.period or None}
        else:
            where = {"upto": 0}
        build = playbyplay_payload if endpoint == PLAYBYPLAY else boxscore_payload
        payload = build(plays, tip_off=tip_off, **where)
        count = len(payload["game"]["actions"]) if endpoint == PLAYBYPLAY else None
        fingerprint = f"{game.status}:{count if count is not None else game.elapsed}"
        return Body(fingerprint, loaded=payload)
