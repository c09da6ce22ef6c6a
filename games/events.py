"""Every message pushed to WebSocket clients is built here, and sent only after commit.

Channel-layer events have type "game.update" (handled by the consumer's
``game_update``) and carry a list of client messages, so one poll costs one
group send per group rather than one per game.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers, get_channel_layer
from django.db import transaction
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from games.minutes import PREDICTION_MINUTE

logger = logging.getLogger(__name__)

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
    status: Literal["scheduled", "postponed", "cancelled", "live", "halftime", "final"]
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
# type is in its schema (``x-seq``, ``x-audience``; games/protocol.py reads them): the
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


SEND_TIMEOUT_SECONDS = 5.0
_sender_lock = threading.Lock()
_sender: tuple[int, asyncio.AbstractEventLoop] | None = None


def _sender_loop() -> asyncio.AbstractEventLoop:
    """This process's event loop for group sends, running in a daemon thread.

    ``async_to_sync`` from a plain worker thread runs each call on a new event loop,
    and channels_redis keeps its Redis connections per loop: every poll paid for new
    connections. One long-lived loop (re-created after a fork) reuses them.
    """
    global _sender
    with _sender_lock:
        if _sender is None or _sender[0] != os.getpid() or _sender[1].is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="group-sends", daemon=True).start()
            _sender = (os.getpid(), loop)
        return _sender[1]


_sender_layers: tuple[Any, Any] | None = None


def _sender_layer(shared: Any) -> Any:
    """A layer instance of the sender loop's own, built like ``shared`` (the default).

    Its connections live only in the sender loop, so nothing else in the process
    (a consumer, a test flushing the layer) ever touches them from another loop.
    """
    global _sender_layers
    with _sender_lock:
        if _sender_layers is None or _sender_layers[0] is not shared:
            _sender_layers = (shared, channel_layers.make_backend(DEFAULT_CHANNEL_LAYER))
        return _sender_layers[1]


async def _send_all(layer: Any, batches: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]) -> None:
    for group, messages in batches:
        event: LayerEvent = {"type": "game.update", "frames": [json.dumps(m) for m in messages]}
        try:
            await layer.group_send(group, event)
        except RedisConnectionError:
            # A pooled connection died with a Redis restart; the pool connects afresh.
            # Should the first send have landed after all, clients drop the repeat: its
            # sequence numbers are not new.
            await layer.group_send(group, event)


def send_now(batches: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]) -> None:
    """Send each group its messages, in one trip into the sender event loop."""
    layer = get_channel_layer()
    if layer is None or not batches:
        return
    try:
        sender = _sender_layer(layer)
        future = asyncio.run_coroutine_threadsafe(_send_all(sender, batches), _sender_loop())
        future.result(timeout=SEND_TIMEOUT_SECONDS)
    except Exception:  # a push failure must never undo or repeat a committed poll
        logger.exception("push to %d groups failed; clients resync on reconnect", len(batches))


def send_on_commit(batches: Iterable[tuple[str, Sequence[Mapping[str, Any]]]]) -> None:
    """Queue group sends to run after the current transaction commits."""
    pending = [(group, messages) for group, messages in batches if messages]
    if pending:
        transaction.on_commit(lambda: send_now(pending))
