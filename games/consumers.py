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
from redis.exceptions import RedisError

from games import events
from games.layer_watch import LayerWatch, watch_for
from games.models import Game
from games.payloads import game_payload, game_payloads, minute_payload
from games.services import current_games

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
MAX_RESYNC_GAMES = 500
# Every close code the server sends is listed in docs/websocket-api.md.
CLOSE_UNAUTHENTICATED = 4401  # no staff session and WS_PUBLIC_STREAM is off
CLOSE_FORBIDDEN = 4403  # signed in, but not staff
CLOSE_LAYER_UNAVAILABLE = 4503  # Redis (the channel layer) is unavailable: reconnect later


@database_sync_to_async
def build_snapshot(reason: str = "connect") -> dict[str, Any]:
    games = game_payloads(current_games(), with_prediction=True)
    return events.snapshot_message(games, reason=reason)


async def build_resync_frame() -> str:
    return json.dumps(await build_snapshot("resync"))


def invalid_seqs(seqs: Any) -> str | None:
    """Why a client's ``seqs`` (game id -> last applied sequence number) is unusable."""
    if seqs is None:
        return None
    if not isinstance(seqs, dict):
        return "seqs must be an object of game_id: sequence number"
    if len(seqs) > MAX_RESYNC_GAMES:
        return f"at most {MAX_RESYNC_GAMES} games"
    for game_id, seq in seqs.items():
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            return f"{game_id!r}: {seq!r} is not a sequence number (an integer >= 0)"
    return None


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
    subscriptions: set[str]
    watch: LayerWatch
    allowed = False

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Forward pushed frames straight away; everything else as channels does.

        channels closes stale database connections (a thread-pool hop) before every
        handler; ``game.update`` only forwards pre-encoded frames and never touches the
        database, and for 1,000 sockets that hop was a third of the server's CPU.
        """
        if message["type"] == "game.update":
            await self.game_update(message)  # type: ignore[arg-type]
            return
        await super().dispatch(message)

    async def connect(self) -> None:
        self.subscriptions = set()
        await self.accept()
        code = refusal(self.scope.get("user"))
        self.allowed = code is None
        if code is not None:  # accept, explain, close: clients can tell this from a network drop
            detail = "sign in as staff" if code == CLOSE_UNAUTHENTICATED else "staff only"
            await self.send_json(events.error_message("unauthorized", detail))
            await self.close(code=code)
            return
        self.watch = watch_for(build_resync_frame)
        await self.channel_layer.group_add(events.SCOREBOARD_GROUP, self.channel_name)
        self.watch.add(self)
        await self.send_json(await build_snapshot())

    async def disconnect(self, code: int) -> None:
        if not self.allowed:
            return
        self.watch.discard(self)
        try:
            for group in [events.SCOREBOARD_GROUP, *self.subscriptions]:
                await self.channel_layer.group_discard(group, self.channel_name)
        except RedisError as exc:  # memberships expire on their own (group_expiry)
            logger.info("could not leave groups on disconnect: %s", exc)

    async def rejoin_after_layer_loss(self, snapshot_frame: str) -> None:
        """Redis lost this socket's memberships (restart, failover): join again, resync."""
        for group in [events.SCOREBOARD_GROUP, *self.subscriptions]:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.send(text_data=snapshot_frame)

    async def close_for_layer_outage(self) -> None:
        await self.send_json(
            events.error_message("unavailable", "the server lost its message bus; reconnect")
        )
        await self.close(code=CLOSE_LAYER_UNAVAILABLE)

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
        if action == "resync":
            await self.resync(content.get("seqs"))
            return
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

    async def resync(self, seqs: Any) -> None:
        """A client that saw a gap (or doubts its state) asks for a fresh snapshot.

        ``seqs`` is optional; a malformed one gets an ``invalid_seq`` error, any valid
        one (stale, current or from the future, e.g. after a database restore) a
        snapshot whose numbers replace the client's.
        """
        problem = invalid_seqs(seqs)
        if problem is not None:
            await self.send_json(events.error_message("invalid_seq", problem))
            return
        await self.send_json(await build_snapshot("resync"))

    async def game_update(self, event: events.LayerEvent) -> None:
        for frame in event["frames"]:  # JSON encoded once by the sender, not per client
            await self.send(text_data=frame)
