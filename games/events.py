"""Every message pushed to WebSocket clients is built here, and sent only after commit.

Channel-layer events have type "game.update" (handled by the consumer's
``game_update``) and carry a list of client messages, so one poll costs one
group send per group rather than one per game.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

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


class GamePayload(TypedDict):
    game_id: str
    date: str
    start_time: str | None
    status: Literal["scheduled", "live", "halftime", "final"]
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
    prediction: NotRequired[dict[str, Any] | None]


class MinutePayload(TypedDict):
    minute: int
    differential: int
    home_score: int
    away_score: int
    imputed: bool


class Message(TypedDict):
    type: str
    version: int


class LayerEvent(TypedDict):
    type: Literal["game.update"]
    messages: list[dict[str, Any]]


def _message(kind: str, **body: Any) -> dict[str, Any]:
    return {"type": kind, "version": API_VERSION, "sent_at": timezone.now().isoformat(), **body}


def snapshot_message(games: list[GamePayload]) -> dict[str, Any]:
    return _message("snapshot", games=games)


def score_update_message(game: GamePayload) -> dict[str, Any]:
    return _message("score_update", game=game)


def game_final_message(game: GamePayload) -> dict[str, Any]:
    return _message("game_final", game=game)


def pattern_progress_message(
    game_id: str, progress: int, minutes: list[MinutePayload]
) -> dict[str, Any]:
    return _message(
        "pattern_progress",
        game_id=game_id,
        progress=progress,
        pattern_length=PREDICTION_MINUTE,
        minutes=minutes,
    )


def prediction_message(game_id: str, prediction: dict[str, Any]) -> dict[str, Any]:
    return _message("prediction", game_id=game_id, prediction=prediction)


def error_message(code: str, detail: str) -> dict[str, Any]:
    return _message("error", code=code, detail=detail)


async def _send_all(layer: Any, batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
    for group, messages in batches:
        event: LayerEvent = {"type": "game.update", "messages": messages}
        await layer.group_send(group, event)


def send_now(batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """Send each group its messages, in one trip into the event loop."""
    layer = get_channel_layer()
    if layer is None or not batches:
        return
    try:
        async_to_sync(_send_all)(layer, batches)
    except Exception:  # a push failure must never undo or repeat a committed poll
        logger.exception("push to %d groups failed; clients resync on reconnect", len(batches))


def send_on_commit(batches: Iterable[tuple[str, list[dict[str, Any]]]]) -> None:
    """Queue group sends to run after the current transaction commits."""
    pending = [(group, messages) for group, messages in batches if messages]
    if pending:
        transaction.on_commit(lambda: send_now(pending))
