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
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests
from nba_api.live.nba.endpoints.boxscore import BoxScore
from nba_api.live.nba.endpoints.playbyplay import PlayByPlay

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


@dataclass(frozen=True, slots=True)
class Body:
    payload: dict[str, Any]
    fingerprint: str


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
    name = "live"
    budgeted = True
    ENDPOINTS = {PLAYBYPLAY: PlayByPlay, BOXSCORE: BoxScore}

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def fetch(self, endpoint: str, game: GameMoment) -> Body:
        what = f"{endpoint} {game.game_id}"
        request = self.ENDPOINTS[endpoint](
            game.game_id, headers=live_headers(), timeout=self.timeout, get_request=False
        )
        try:
            request.get_request()
        except requests.Timeout as exc:
            raise GameFeedError("timeout", f"{what} timed out after {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise GameFeedError("network", f"{what}: {exc.__class__.__name__}: {exc}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            response = getattr(request, "nba_response", None)
            status = getattr(response, "_status_code", None)
            text = response.get_response() if response is not None else ""
            kind, reason = _classify(status, text or "")
            raise GameFeedError(kind, f"{what}: {reason}") from exc
        response = request.nba_response
        status = getattr(response, "_status_code", None)
        if status != 200:
            raise GameFeedError("refused", f"{what}: HTTP {status}")
        text = response.get_response() or ""
        payload = request.get_dict()
        if not isinstance(payload, dict) or not isinstance(payload.get("game"), dict):
            raise GameFeedError("shape", f"{what}: JSON without a 'game' object")
        return Body(payload, hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest())


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
        return Body(payload, fingerprint)
