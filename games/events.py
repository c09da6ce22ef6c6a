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
from collections.abc import Iterable
from typing import Any, Literal, NotRequired, TypedDict

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers, get_channel_layer
from django.db import transaction
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from games.minutes import PREDICTION_MINUTE

logger = logging.getLogger(__name__)

API_VERSION = 1
SCOREBOARD_GROUP = "scoreboard"


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
    win_probability: list[WinProbabilityPoint]  # ordered by minute; [] before the first
    prediction: NotRequired[dict[str, Any] | None]


class MinutePayload(TypedDict):
    minute: int
    differential: int
    home_score: int
    away_score: int
    imputed: bool


class LayerEvent(TypedDict):
    """What travels through the channel layer: frames encoded once, for every client."""

    type: Literal["game.update"]
    frames: list[str]


def _message(kind: str, **body: Any) -> dict[str, Any]:
    return {"type": kind, "version": API_VERSION, "sent_at": timezone.now().isoformat(), **body}


def snapshot_message(games: list[GamePayload], reason: str = "connect") -> dict[str, Any]:
    """Every game with its current ``seq``: a client replaces all it knows with this."""
    return _message("snapshot", reason=reason, games=games)


# Every message about one game carries ``game_id`` and ``seq``, the game's version after
# the change it reports. Each version reaches the scoreboard group exactly once (as a
# score_update, game_final or prediction), so a scoreboard client that sees ``seq`` jump
# by more than one has missed a message and asks for a snapshot ("resync").


def score_update_message(game: GamePayload) -> dict[str, Any]:
    return _message("score_update", game_id=game["game_id"], seq=game["seq"], game=game)


def game_final_message(game: GamePayload) -> dict[str, Any]:
    return _message("game_final", game_id=game["game_id"], seq=game["seq"], game=game)


def pattern_progress_message(
    game_id: str, seq: int, progress: int, minutes: list[MinutePayload]
) -> dict[str, Any]:
    """The minutes a version closed, for the game's subscribers (same ``seq`` as the
    scoreboard message of that version)."""
    return _message(
        "pattern_progress",
        game_id=game_id,
        seq=seq,
        progress=progress,
        pattern_length=PREDICTION_MINUTE,
        minutes=minutes,
    )


def prediction_message(game_id: str, seq: int, prediction: dict[str, Any]) -> dict[str, Any]:
    return _message("prediction", game_id=game_id, seq=seq, prediction=prediction)


def forecast_update_message(
    game_id: str, seq: int, forecast: MinuteForecastPayload
) -> dict[str, Any]:
    """The forecast of a minute that just closed (its own version of the game)."""
    return _message("forecast.update", game_id=game_id, seq=seq, forecast=forecast)


def error_message(code: str, detail: str) -> dict[str, Any]:
    return _message("error", code=code, detail=detail)


def subscribed_message(game: GamePayload, minutes: list[MinutePayload]) -> dict[str, Any]:
    """The ack of a subscription: the game's full state and every closed minute so far."""
    return _message(
        "subscribed", game_id=game["game_id"], seq=game["seq"], game=game, minutes=minutes
    )


def unsubscribed_message(game_id: str) -> dict[str, Any]:
    return _message("unsubscribed", game_id=game_id)


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


async def _send_all(layer: Any, batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
    for group, messages in batches:
        event: LayerEvent = {"type": "game.update", "frames": [json.dumps(m) for m in messages]}
        try:
            await layer.group_send(group, event)
        except RedisConnectionError:
            # A pooled connection died with a Redis restart; the pool connects afresh.
            # Should the first send have landed after all, clients drop the repeat: its
            # sequence numbers are not new.
            await layer.group_send(group, event)


def send_now(batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
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


def send_on_commit(batches: Iterable[tuple[str, list[dict[str, Any]]]]) -> None:
    """Queue group sends to run after the current transaction commits."""
    pending = [(group, messages) for group, messages in batches if messages]
    if pending:
        transaction.on_commit(lambda: send_now(pending))
