"""Every message a WebSocket client receives is built here, one TypedDict per type.

The JSON Schemas in ``docs/schemas/`` publish these shapes (``realtime.protocol`` reads
their sequence rules); ``realtime.receivers`` builds the pushed ones from what ``games``
and ``predictions`` announce, and ``realtime.broadcast`` sends them after commit.
Every close code the server sends is defined here too (docs/websocket-api.md).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from django.utils import timezone

from games.minutes import PREDICTION_MINUTE

# Version 2 (see docs/websocket-api.md, "Changes"): messages of constant size. A game
# object no longer carries its win-probability series; the series travels in
# ``subscribed`` (every point) and, bounded, in ``snapshot``; ``snapshot`` carries the
# board version and, on a resync with ``seqs``, leaves out the games the client is
# current on.
API_VERSION = 2
SCOREBOARD_GROUP = "scoreboard"
# A snapshot carries at most this many points of a game's curve (spread over the game,
# always the newest); ``subscribed`` carries every point.
SNAPSHOT_CURVE_POINTS = 24

# Every close code the server sends (applications may only send 1000 or 3000-4999).
CLOSE_UNAUTHENTICATED = 4401  # no staff session (or it ended) and WS_PUBLIC_STREAM is off
CLOSE_FORBIDDEN = 4403  # signed in, but not staff
CLOSE_TOO_MANY = 4429  # over the message rate, or too many open sockets for the user
CLOSE_LAYER_UNAVAILABLE = 4503  # Redis (the channel layer) is unavailable: reconnect later


def game_group(game_id: str) -> str:
    return f"game.{game_id}"


class TeamPayload(TypedDict):
    team_id: int
    tricode: str
    city: str
    name: str
    wins: int
    losses: int
    score: int


class WinProbabilityPoint(TypedDict):
    """The forecast made after one closed minute (``minute``: elapsed game minutes)."""

    minute: int
    home_win_prob: float
    final_margin: float  # home minus away
    interval90: list[float]  # [low, high] of the final margin
    interval95: list[float]


class MinuteForecastPayload(WinProbabilityPoint):
    model_version: str


class GamePayload(TypedDict):
    """A game's state: the same size at minute 45 as at minute 5."""

    game_id: str
    date: str
    start_time: str | None
    status: Literal["scheduled", "postponed", "cancelled", "live", "halftime", "final", "stale"]
    status_text: str
    period: int
    clock: str
    clock_seconds: float | None
    elapsed_seconds: float
    home: TeamPayload
    away: TeamPayload
    differential: int
    pattern_progress: int
    pattern_length: int
    seq: int
    updated_at: str  # when the game last changed, ISO 8601 to the second


class GameWithHistory(GamePayload):
    """A game as ``snapshot`` and ``subscribed`` carry it: its state, its prediction (or
    null) and its win-probability curve (bounded in a snapshot, whole in subscribed)."""

    prediction: dict[str, Any] | None
    win_probability: list[WinProbabilityPoint]  # ordered by minute; [] before the first


class MinutePayload(TypedDict):
    minute: int
    differential: int
    home_score: int
    away_score: int
    imputed: bool


class BoardPayload(TypedDict):
    """Tonight's board: its date and version (grows whenever its set of games changes)."""

    date: str | None
    version: int


class Envelope(TypedDict):
    type: str
    version: int
    sent_at: str


class SnapshotMessage(Envelope):
    reason: Literal["connect", "resync"]
    board: BoardPayload
    games: list[GameWithHistory]
    current: list[str]  # on the board, left out: the client's seq for them is current


class BoardMessage(Envelope):
    """Tonight's set of games changed: the new board version and its games."""

    board: BoardPayload
    game_ids: list[str]


class GameMessage(Envelope):
    """score_update and game_final: a new version of the game's state."""

    game_id: str
    seq: int
    game: GamePayload


class PatternProgressMessage(Envelope):
    game_id: str
    seq: int
    progress: int
    pattern_length: int
    minutes: list[MinutePayload]


class PredictionMessage(Envelope):
    game_id: str
    seq: int
    prediction: dict[str, Any]


class ForecastUpdateMessage(Envelope):
    game_id: str
    seq: int
    forecast: MinuteForecastPayload


class SubscribedMessage(Envelope):
    game_id: str
    seq: int
    game: GameWithHistory
    minutes: list[MinutePayload]


class UnsubscribedMessage(Envelope):
    game_id: str


class ErrorMessage(Envelope):
    code: str
    detail: str


class LayerEvent(TypedDict):
    """What travels through the channel layer: frames encoded once, for every client."""

    type: Literal["game.update"]
    frames: list[str]


def _envelope(kind: str) -> Envelope:
    return {"type": kind, "version": API_VERSION, "sent_at": timezone.now().isoformat()}


def thin_curve(
    series: list[WinProbabilityPoint], limit: int = SNAPSHOT_CURVE_POINTS
) -> list[WinProbabilityPoint]:
    """At most ``limit`` points spread evenly over the series, first and newest kept."""
    if len(series) <= limit:
        return series
    last = len(series) - 1
    picks = sorted({round(i * last / (limit - 1)) for i in range(limit)})
    return [series[i] for i in picks]


def snapshot_message(
    games: list[GameWithHistory],
    board: BoardPayload,
    reason: Literal["connect", "resync"] = "connect",
    current: list[str] | None = None,
) -> SnapshotMessage:
    """Tonight's games with their current ``seq``: a client replaces what it knows of
    each game in ``games``, keeps the games in ``current`` and drops any other."""
    return {
        **_envelope("snapshot"),
        "reason": reason,
        "board": board,
        "games": games,
        "current": current or [],
    }


def board_message(board: BoardPayload, game_ids: list[str]) -> BoardMessage:
    """The board's new version (``x-seq: board``): a client whose board version was not
    the one before asks for a resync; one that was drops the games no longer listed."""
    return {**_envelope("board"), "board": board, "game_ids": game_ids}


# Every message about one game carries ``game_id`` and ``seq``. The sequence rule of each
# type is in its schema (``x-seq``, ``x-audience``; realtime/protocol.py reads them): the
# bumping ones below (score_update, game_final, prediction, forecast.update) are each a
# new version and go to every socket; pattern_progress (subscribers) and subscribed
# (one socket) carry the version they belong to.


def score_update_message(game: GamePayload) -> GameMessage:
    return {
        **_envelope("score_update"),
        "game_id": game["game_id"],
        "seq": game["seq"],
        "game": game,
    }


def game_final_message(game: GamePayload) -> GameMessage:
    return {**_envelope("game_final"), "game_id": game["game_id"], "seq": game["seq"], "game": game}


def pattern_progress_message(
    game_id: str, seq: int, progress: int, minutes: list[MinutePayload]
) -> PatternProgressMessage:
    """The minutes a version closed, for the game's subscribers (same ``seq`` as the
    scoreboard message of that version)."""
    return {
        **_envelope("pattern_progress"),
        "game_id": game_id,
        "seq": seq,
        "progress": progress,
        "pattern_length": PREDICTION_MINUTE,
        "minutes": minutes,
    }


def prediction_message(game_id: str, seq: int, prediction: dict[str, Any]) -> PredictionMessage:
    return {**_envelope("prediction"), "game_id": game_id, "seq": seq, "prediction": prediction}


def forecast_update_message(
    game_id: str, seq: int, forecast: MinuteForecastPayload
) -> ForecastUpdateMessage:
    """The forecast of a minute that just closed (its own version of the game)."""
    return {**_envelope("forecast.update"), "game_id": game_id, "seq": seq, "forecast": forecast}


def error_message(code: str, detail: str) -> ErrorMessage:
    return {**_envelope("error"), "code": code, "detail": detail}


def subscribed_message(game: GameWithHistory, minutes: list[MinutePayload]) -> SubscribedMessage:
    """The ack of a subscription: the game's full state, its whole curve and every
    closed minute so far."""
    return {
        **_envelope("subscribed"),
        "game_id": game["game_id"],
        "seq": game["seq"],
        "game": game,
        "minutes": minutes,
    }


def unsubscribed_message(game_id: str) -> UnsubscribedMessage:
    return {**_envelope("unsubscribed"), "game_id": game_id}
