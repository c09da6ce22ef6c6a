"""The WebSocket endpoint ws/scores/: validate, join/leave groups, snapshot, forward.

No polling and no writes here: the poll task pushes through the channel layer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from redis.exceptions import RedisError

from games import events
from games.layer_watch import LayerWatch, watch_for
from games.models import Game
from games.payloads import games_with_history, minute_payload
from games.snapshots import SNAPSHOTS_SENT, SharedBuilds, snapshot_frame
from games.socket_limits import SLOT_RENEW_SECONDS, TokenBucket, slots_for_loop
from games.socket_sessions import session_user, user_group

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
MAX_RESYNC_GAMES = 500
# Every close code the server sends is listed in docs/websocket-api.md.
CLOSE_UNAUTHENTICATED = 4401  # no staff session (or it ended) and WS_PUBLIC_STREAM is off
CLOSE_FORBIDDEN = 4403  # signed in, but not staff
CLOSE_LAYER_UNAVAILABLE = 4503  # Redis (the channel layer) is unavailable: reconnect later
CLOSE_TOO_MANY = 4429  # over the message rate, or too many open sockets for the user


async def build_resync_frame() -> str:
    """The snapshot a web process pushes to all its sockets after a Redis restart."""
    return await snapshot_frame("resync")


def invalid_seqs(seqs: Any, given: bool = True) -> str | None:
    """Why a client's ``seqs`` (game id -> last applied sequence number) is unusable
    (``given``: the frame has the key; a missing ``seqs`` is fine, a null one is not)."""
    if not given:
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
def read_subscription(game_id: str) -> str | None:
    """The subscribed ack: the game, its prediction, its whole curve and every closed
    minute (None for an unknown game), encoded once for every socket that asked."""
    game = Game.objects.select_related("prediction").filter(pk=game_id).first()
    if game is None:
        return None
    [payload] = games_with_history([game])
    minutes = [minute_payload(row) for row in game.minutes.order_by("minute")]
    return json.dumps(events.subscribed_message(payload, minutes))


_subscriptions: dict[asyncio.AbstractEventLoop, SharedBuilds[str, str | None]] = {}


async def build_subscription(game_id: str) -> str | None:
    """Many sockets subscribing to one game at once (after a resync) share one read."""
    loop = asyncio.get_running_loop()
    shared = _subscriptions.get(loop)
    if shared is None:
        shared = _subscriptions[loop] = SharedBuilds(read_subscription)
    return await shared.get(game_id)


def refusal(user: Any) -> int | None:
    """The close code for a client that may not read the stream, None if it may."""
    if settings.WS_PUBLIC_STREAM:
        return None
    if user is None or not user.is_authenticated:
        return CLOSE_UNAUTHENTICATED
    if not (user.is_active and user.is_staff):
        return CLOSE_FORBIDDEN
    return None


@database_sync_to_async
def session_holds(session_key: str | None, user_id: Any) -> bool:
    """The socket's session still yields the same user, and that user may still read."""
    user = session_user(session_key)
    return bool(user.is_authenticated and user.pk == user_id and refusal(user) is None)


class ScoresConsumer(AsyncJsonWebsocketConsumer):
    subscriptions: set[str]
    watch: LayerWatch
    allowed = False
    ended = False  # closed by the server (session ended): ignore what still arrives
    user_id: Any = None  # the signed-in user whose session is watched (None: not watched)
    session_key: str | None = None
    session_watch: asyncio.Task[None] | None = None
    slot_user: Any = None  # the user this socket is counted for (per-user socket cap)
    slot_renewal: asyncio.Task[None] | None = None
    bucket: TokenBucket
    excess = 0  # frames over the rate since the last one within it

    def joined_groups(self) -> list[str]:
        own = [user_group(self.user_id)] if self.user_id is not None else []
        return [events.SCOREBOARD_GROUP, *own, *self.subscriptions]

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
        self.bucket = TokenBucket(settings.WEBSOCKET_RATE_PER_SECOND, settings.WEBSOCKET_RATE_BURST)
        await self.accept()
        code = refusal(self.scope.get("user"))
        if code is not None:  # accept, explain, close: clients can tell this from a network drop
            detail = "sign in as staff" if code == CLOSE_UNAUTHENTICATED else "staff only"
            await self.send_json(events.error_message("unauthorized", detail))
            await self.close(code=code)
            return
        if not await self.claim_socket_slot():
            return
        self.allowed = True
        self.watch = watch_for(build_resync_frame)
        await self.channel_layer.group_add(events.SCOREBOARD_GROUP, self.channel_name)
        self.watch.add(self)
        await self.watch_session()
        await self.send(text_data=await snapshot_frame("connect"))
        SNAPSHOTS_SENT.labels("connect").inc()

    async def claim_socket_slot(self) -> bool:
        """Count the socket for its user across all processes; refuse one over the cap."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return True  # the anonymous public stream: only the per-socket limits apply
        slots = slots_for_loop()
        open_sockets = await slots.claim(user.pk, self.channel_name)
        cap = settings.WEBSOCKET_MAX_SOCKETS_PER_USER
        if open_sockets > cap:
            await slots.release(user.pk, self.channel_name)
            detail = f"at most {cap} open sockets per user; close another tab or window"
            await self.send_json(events.error_message("too_many_sockets", detail))
            await self.close(code=CLOSE_TOO_MANY)
            return False
        self.slot_user = user.pk
        self.slot_renewal = asyncio.create_task(self.renew_socket_slot())
        return True

    async def renew_socket_slot(self) -> None:
        slots = slots_for_loop()
        while True:
            await asyncio.sleep(SLOT_RENEW_SECONDS)
            try:
                await slots.claim(self.slot_user, self.channel_name)
            except RedisError as exc:  # renewed next time; a lapsed claim only undercounts
                logger.info("could not renew a socket's slot: %s", exc)

    async def watch_session(self) -> None:
        """Join the user's group (logout, user changes) and re-check periodically."""
        user = self.scope.get("user")
        if settings.WS_PUBLIC_STREAM or user is None or not user.is_authenticated:
            return  # the public stream: anyone may read, nothing to end
        self.user_id = user.pk
        session = self.scope.get("session")
        self.session_key = session.session_key if session is not None else None
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)
        self.session_watch = asyncio.create_task(self.recheck_session_periodically())

    async def recheck_session_periodically(self) -> None:
        interval = settings.WEBSOCKET_SESSION_CHECK_SECONDS
        # Spread the checks of many sockets over the interval.
        await asyncio.sleep(random.uniform(0, interval))  # nosec B311  # jitter, not a secret
        while not self.ended:
            await self.check_session()
            await asyncio.sleep(interval)

    async def check_session(self) -> None:
        if self.ended:
            return
        try:
            holds = await session_holds(self.session_key, self.user_id)
        except DatabaseError as exc:  # PostgreSQL away: not a reason to end a session
            logger.warning("could not check a socket's session: %s", exc)
            return
        if not holds:
            await self.end_session()

    async def end_session(self) -> None:
        if self.ended:
            return
        self.ended = True
        await self.send_json(events.error_message("unauthorized", "the session ended: sign in"))
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def session_end(self, event: dict[str, Any]) -> None:
        """A logout (games.socket_sessions): close the sockets of that session."""
        if event.get("session_key") == self.session_key:
            await self.end_session()

    async def session_recheck(self, event: dict[str, Any]) -> None:
        """The user was changed (deactivated, staff removed, password): check now."""
        await self.check_session()

    async def disconnect(self, code: int) -> None:
        self.ended = True
        for task in (self.session_watch, self.slot_renewal):
            if task is not None:
                task.cancel()
        if self.slot_user is not None:
            try:
                await slots_for_loop().release(self.slot_user, self.channel_name)
            except RedisError as exc:  # the claim lapses on its own (SLOT_TTL_SECONDS)
                logger.info("could not release a socket's slot: %s", exc)
        if not self.allowed:
            return
        self.watch.discard(self)
        try:
            for group in self.joined_groups():
                await self.channel_layer.group_discard(group, self.channel_name)
        except RedisError as exc:  # memberships expire on their own (group_expiry)
            logger.info("could not leave groups on disconnect: %s", exc)

    async def rejoin_after_layer_loss(self, snapshot_frame: str) -> None:
        """Redis lost this socket's memberships (restart, failover): join again, resync."""
        for group in self.joined_groups():
            await self.channel_layer.group_add(group, self.channel_name)
        await self.send(text_data=snapshot_frame)
        SNAPSHOTS_SENT.labels("layer_restart").inc()

    async def close_for_layer_outage(self) -> None:
        await self.send_json(
            events.error_message("unavailable", "the server lost its message bus; reconnect")
        )
        await self.close(code=CLOSE_LAYER_UNAVAILABLE)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.allowed or self.ended:  # frames that raced the close
            return
        if not self.bucket.take():
            await self.over_rate()
            return
        self.excess = 0
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

    async def over_rate(self) -> None:
        """A frame over the rate is dropped: the first gets an error; a client that
        keeps on for another burst's worth is closed with 4429."""
        self.excess += 1
        rate, burst = settings.WEBSOCKET_RATE_PER_SECOND, settings.WEBSOCKET_RATE_BURST
        if self.excess == 1:
            detail = f"at most {rate:g} frames a second (bursts of {burst}); frame dropped"
            await self.send_json(events.error_message("rate_limited", detail))
        elif self.excess > burst:
            self.ended = True
            await self.close(code=CLOSE_TOO_MANY)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json(events.error_message("invalid_message", "send a JSON object"))
            return
        action, game_id = content.get("action"), content.get("game_id")
        if action == "resync":
            await self.resync(content)
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
        cap = settings.WEBSOCKET_MAX_SUBSCRIPTIONS
        if group not in self.subscriptions and len(self.subscriptions) >= cap:
            detail = f"at most {cap} games per socket; unsubscribe from one first"
            await self.send_json(events.error_message("too_many_subscriptions", detail))
            return
        # Join first, then read: a minute closing in between arrives twice, never not at all.
        await self.channel_layer.group_add(group, self.channel_name)
        self.subscriptions.add(group)
        ack = await build_subscription(game_id)
        if ack is None:  # deleted in between
            await self.send_json(events.error_message("unknown_game", f"{game_id!r}"))
            return
        await self.send(text_data=ack)

    async def resync(self, content: dict[str, Any]) -> None:
        """A client that saw a gap (or doubts its state) asks for a fresh snapshot.

        ``seqs`` (the client's last applied version per game) is optional; a malformed
        one gets an ``invalid_seq`` error. With ``seqs``, the snapshot leaves out the
        games the client is current on (listed in ``current``); a stale or a future seq
        (e.g. after a database restore) gets the game, whose numbers replace the client's.
        """
        seqs = content.get("seqs")
        problem = invalid_seqs(seqs, "seqs" in content)
        if problem is not None:
            await self.send_json(events.error_message("invalid_seq", problem))
            return
        await self.send(text_data=await snapshot_frame("resync", seqs))
        SNAPSHOTS_SENT.labels("resync").inc()

    async def game_update(self, event: events.LayerEvent) -> None:
        for frame in event["frames"]:  # JSON encoded once by the sender, not per client
            await self.send(text_data=frame)
