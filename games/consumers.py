"""The WebSocket endpoint ws/scores/: validate, join/leave groups, snapshot, forward.

No polling and no writes here: the poll task pushes through the channel layer.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from games import events
from games.models import Game
from games.payloads import game_payload, minute_payload
from games.services import current_games

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
CLOSE_UNAUTHENTICATED = 4401  # no staff session and WS_PUBLIC_STREAM is off
CLOSE_FORBIDDEN = 4403  # signed in, but not staff


@database_sync_to_async
def build_snapshot() -> dict[str, Any]:
    games = [game_payload(game, with_prediction=True) for game in current_games()]
    return events.snapshot_message(games)


@database_sync_to_async
def game_exists(game_id: str) -> bool:
    return Game.objects.filter(pk=game_id).exists()


@database_sync_to_async
def build_subscription(game_id: str) -> dict[str, Any] | None:
    """The subscribed ack: the game with its prediction and all closed minutes."""
    game = Game.objects.select_related("prediction").filter(pk=game_id).first()
    if game is None:
        return None
    payload = game_payload(game, with_prediction=True)
    minutes = [minute_payload(row) for row in game.minutes.order_by("minute")]
    return events.subscribed_message(payload, minutes)


def refusal(user: Any) -> int | None:
    """The close code for a client that may not read the stream, None if it may."""
    if settings.WS_PUBLIC_STREAM:
        return None
    if user is None or not user.is_authenticated:
        return CLOSE_UNAUTHENTICATED
    if not (user.is_active and user.is_staff):
        return CLOSE_FORBIDDEN
    return None


class ScoresConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.subscriptions: set[str] = set()
        await self.accept()
        code = refusal(self.scope.get("user"))
        self.allowed = code is None
        if code is not None:  # accept, explain, close: clients can tell this from a network drop
            detail = "sign in as staff" if code == CLOSE_UNAUTHENTICATED else "staff only"
            await self.send_json(events.error_message("unauthorized", detail))
            await self.close(code=code)
            return
        await self.channel_layer.group_add(events.SCOREBOARD_GROUP, self.channel_name)
        await self.send_json(await build_snapshot())

    async def disconnect(self, code: int) -> None:
        for group in [events.SCOREBOARD_GROUP, *self.subscriptions]:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.allowed:  # a refused client's frames that raced the close
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.send_json(events.error_message("frame_too_large", f"{size} bytes > 64 KiB"))
            return
        if text_data is None:
            await self.send_json(events.error_message("invalid_json", "send JSON text frames"))
            return
        try:
            content = json.loads(text_data)
        except json.JSONDecodeError as exc:
            await self.send_json(events.error_message("invalid_json", str(exc)))
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json(events.error_message("invalid_message", "send a JSON object"))
            return
        action, game_id = content.get("action"), content.get("game_id")
        if action not in ("subscribe", "unsubscribe"):
            await self.send_json(events.error_message("unknown_action", f"{action!r}"))
            return
        if not isinstance(game_id, str) or not await game_exists(game_id):
            await self.send_json(events.error_message("unknown_game", f"{game_id!r}"))
            return
        group = events.game_group(game_id)
        if action == "unsubscribe":
            await self.channel_layer.group_discard(group, self.channel_name)
            self.subscriptions.discard(group)
            await self.send_json(events.unsubscribed_message(game_id))
            return
        # Join first, then read: a minute closing in between arrives twice, never not at all.
        await self.channel_layer.group_add(group, self.channel_name)
        self.subscriptions.add(group)
        ack = await build_subscription(game_id)
        if ack is None:  # deleted in between
            await self.send_json(events.error_message("unknown_game", f"{game_id!r}"))
            return
        await self.send_json(ack)

    async def game_update(self, event: events.LayerEvent) -> None:
        for frame in event["frames"]:  # JSON encoded once by the sender, not per client
            await self.send(text_data=frame)
