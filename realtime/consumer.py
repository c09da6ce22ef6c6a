"""The WebSocket endpoint ws/scores/: validate, join/leave groups, snapshot, forward.

Protocol only: no polling and no writes here (the poll's announcements are pushed
through the channel layer by ``realtime.receivers``). What guards a socket lives in
``realtime.guards`` and is composed in: the message rate and the per-user socket slot
(``limits``), the session watch (``sessions``), the watch of the channel layer
(``layer_watch``), and the ASGI middleware around every socket (``middleware``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import reprlib
from functools import partial
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from redis.exceptions import RedisError

from games.models import Game
from realtime import messages, snapshots
from realtime.guards import server
from realtime.guards.keys import (
    KeyWatch,
    ending_reason,
    offered_key,
    origin_of,
    selected_protocol,
    verify_key,
)
from realtime.guards.layer_watch import LayerWatch, watch_for
from realtime.guards.limits import RateGuard, SocketSlot
from realtime.guards.sessions import SessionWatch
from realtime.messages import (
    CLOSE_FORBIDDEN,
    CLOSE_LAYER_UNAVAILABLE,
    CLOSE_TOO_MANY,
    CLOSE_UNAUTHENTICATED,
)
from realtime.metrics import SNAPSHOTS_SENT
from realtime.payloads import (
    boxscore_of,
    games_with_history,
    minute_payload,
    plays_after,
    recent_plays,
)
from realtime.snapshots import SharedBuilds, snapshot_frame

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = messages.MAX_FRAME_BYTES
MAX_REQUEST_ID_CHARS = 64
GAME_ID = re.compile(r"[0-9]{10}")  # docs/schemas/common.json game_id
MAX_RESYNC_GAMES = 500


async def build_resync_frame() -> str:
    """The snapshot a web process pushes to all its sockets after a Redis restart (a
    staff socket's; an anonymous public socket builds its own, without the alerts)."""
    return await snapshot_frame("resync", staff=True)


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
    """The subscribed ack: the game, its prediction, its whole curve, every closed
    minute, its last plays and its box score (None for an unknown game), encoded once
    for every socket that asked."""
    game = Game.objects.select_related("prediction").filter(pk=game_id).first()
    if game is None:
        return None
    [payload] = games_with_history([game])
    minutes = [minute_payload(row) for row in game.minutes.order_by("minute")]
    plays = recent_plays(game_id, messages.SUBSCRIBED_PLAYS)
    return json.dumps(messages.subscribed_message(payload, minutes, plays, boxscore_of(game_id)))


@database_sync_to_async
def read_plays(game_id: str, after: int) -> str | None:
    """The answer to a ``plays`` request: one page of the plays after ``after``."""
    seq = Game.objects.filter(pk=game_id).values_list("seq", flat=True).first()
    if seq is None:
        return None
    plays, more = plays_after(game_id, after, messages.PLAYS_PAGE)
    return json.dumps(messages.plays_message(game_id, seq, after, plays, more))


_subscriptions: dict[asyncio.AbstractEventLoop, SharedBuilds[str, str | None]] = {}


async def build_subscription(game_id: str) -> str | None:
    """Many sockets subscribing to one game at once (after a resync) share one read."""
    loop = asyncio.get_running_loop()
    shared = _subscriptions.get(loop)
    if shared is None:
        shared = _subscriptions[loop] = SharedBuilds(read_subscription)
    return await shared.get(game_id)


def valid_request_id(value: Any) -> bool:
    """A client's ``id``: a short string or an integer (docs/schemas/common.json)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and len(value) <= MAX_REQUEST_ID_CHARS)


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
    rate: RateGuard
    allowed = False
    ended = False  # closed by the server: ignore what still arrives
    staff = False  # a staff user's socket: in the alerts group, alerts in its snapshots
    slot: SocketSlot | None = None  # the per-user or per-key socket count
    session: SessionWatch | None = None  # the watched session or API key (KeyWatch)

    def joined_groups(self) -> list[str]:
        own = [self.session.group] if self.session is not None else []
        alerts = [messages.ALERTS_GROUP] if self.staff else []
        return [messages.SCOREBOARD_GROUP, *alerts, *own, *self.subscriptions]

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
        self.rate = RateGuard(settings.WEBSOCKET_RATE_PER_SECOND, settings.WEBSOCKET_RATE_BURST)
        await self.accept(subprotocol=selected_protocol(self.scope))
        token = offered_key(self.scope)
        if token is not None:  # an API key (realtime/guards/keys.py) wins over a cookie
            await self.connect_with_key(token)
            return
        user = self.scope.get("user")
        code = refusal(user)
        if code is not None:  # accept, explain, close: clients can tell this from a network drop
            detail = "sign in as staff" if code == CLOSE_UNAUTHENTICATED else "staff only"
            await self.refuse(code, "unauthorized", detail)
            return
        signed_in = user is not None and user.is_authenticated
        if signed_in:  # the anonymous public stream: only the per-socket limits apply
            slot = SocketSlot(user.pk, self.channel_name)
            cap = settings.WEBSOCKET_MAX_SOCKETS_PER_USER
            if not await slot.claim(cap):
                detail = f"at most {cap} open sockets per user; close another tab or window"
                await self.refuse(CLOSE_TOO_MANY, "too_many_sockets", detail)
                return
            self.slot = slot
        watch = None
        self.staff = bool(signed_in and user.is_staff)  # API-key sockets never are
        if signed_in and not settings.WS_PUBLIC_STREAM:  # the public stream has no session to end
            session = self.scope.get("session")
            watch = SessionWatch(
                user.pk,
                session.session_key if session is not None else None,
                allowed=lambda user: refusal(user) is None,
                end=self.end_session,
            )
        await self.start_stream(watch)

    async def connect_with_key(self, token: str) -> None:
        """A socket opened with an API key: the key's Origins, limits and watch."""
        key = await verify_key(token)
        if key is None:
            detail = "the API key is not valid (unknown, revoked or expired)"
            await self.refuse(CLOSE_UNAUTHENTICATED, "unauthorized", detail)
            return
        origin = origin_of(self.scope)
        if not key.allows_origin(origin):
            detail = f"the API key {key.label} may not be used from {origin}"
            await self.refuse(CLOSE_FORBIDDEN, "unauthorized", detail)
            return
        cap, rate, burst = key.limits()
        self.rate = RateGuard(rate, burst)
        slot = SocketSlot(key.pk, self.channel_name, kind="key")
        if not await slot.claim(cap):
            detail = f"at most {cap} open sockets for the API key {key.label}"
            await self.refuse(CLOSE_TOO_MANY, "too_many_sockets", detail)
            return
        self.slot = slot
        await self.start_stream(KeyWatch(key.pk, end=partial(self.end_key, key.pk)))

    async def refuse(self, code: int, error: str, detail: str) -> None:
        """Tell the client why (one error), then close with ``code`` and the same reason."""
        self.ended = True
        await self.send_json(messages.error_message(error, detail))
        await self.close(code=code, reason=messages.close_reason(error, detail))

    async def close_for_shutdown(self) -> None:
        """This web process is stopping (realtime/guards/server.py): 1001, reconnect."""
        if self.ended:
            return
        self.ended = True
        reason = messages.close_reason("going_away", "the server is restarting; reconnect")
        await self.close(code=messages.CLOSE_GOING_AWAY, reason=reason)

    async def start_stream(self, watch: SessionWatch | None) -> None:
        """An admitted socket: the scoreboard group, its watch, the first snapshot."""
        self.allowed = True
        server.track(self)  # closed with 1001 when the process stops
        self.watch = watch_for(build_resync_frame)
        await self.channel_layer.group_add(messages.SCOREBOARD_GROUP, self.channel_name)
        if self.staff:
            await self.channel_layer.group_add(messages.ALERTS_GROUP, self.channel_name)
        self.watch.add(self)
        if watch is not None:
            self.session = watch
            await self.channel_layer.group_add(watch.group, self.channel_name)
            watch.start()
        await self.send(text_data=await snapshot_frame("connect", staff=self.staff))
        SNAPSHOTS_SENT.labels("connect").inc()

    async def end_key(self, key_id: Any) -> None:
        if self.ended:
            return
        detail = await database_sync_to_async(ending_reason)(key_id)
        await self.refuse(CLOSE_UNAUTHENTICATED, "unauthorized", detail)

    async def end_session(self) -> None:
        if self.ended:
            return
        await self.refuse(CLOSE_UNAUTHENTICATED, "unauthorized", "the session ended: sign in")

    async def session_end(self, event: dict[str, Any]) -> None:
        """A logout (realtime.guards.sessions): close the sockets of that session."""
        if self.session is not None and not self.ended:
            await self.session.ended_by(event.get("session_key"))

    async def session_recheck(self, event: dict[str, Any]) -> None:
        """The user was changed (deactivated, staff removed, password): check now."""
        if self.session is not None and not self.ended:
            await self.session.check()

    async def disconnect(self, code: int) -> None:
        self.ended = True
        if self.session is not None:
            self.session.stop()
        if self.slot is not None:
            await self.slot.release()
        if not self.allowed:
            return
        server.untrack(self)
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
        if not self.staff:  # the shared frame is a staff socket's: no alerts here
            snapshot_frame = await snapshots.snapshot_frame("resync")
        await self.send(text_data=snapshot_frame)
        SNAPSHOTS_SENT.labels("layer_restart").inc()

    async def close_for_layer_outage(self) -> None:
        detail = "the server lost its message bus; reconnect"
        await self.refuse(CLOSE_LAYER_UNAVAILABLE, "unavailable", detail)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Screen a frame (rate, size, JSON text) before the protocol reads it."""
        if not self.allowed or self.ended:  # frames that raced the close
            return
        verdict = self.rate.admit()
        if verdict != "ok":
            rate, burst = self.rate.bucket.rate, self.rate.burst
            if verdict == "warn":
                detail = f"at most {rate:g} frames a second (bursts of {burst}); frame dropped"
                await self.send_json(messages.error_message("rate_limited", detail))
            elif verdict == "close":
                self.ended = True
                detail = f"kept sending over {rate:g} frames a second after a rate_limited error"
                await self.close(
                    code=CLOSE_TOO_MANY, reason=messages.close_reason("rate_limited", detail)
                )
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:  # daphne's transport stops larger ones with the same answer
            detail = f"a frame of {size} bytes is over the limit of {MAX_FRAME_BYTES} bytes"
            await self.refuse(messages.CLOSE_FRAME_TOO_LARGE, "frame_too_large", detail)
            return
        if text_data is None:
            detail = "send JSON text frames, not binary ones"
            await self.send_json(messages.error_message("invalid_json", detail))
            return
        try:
            content = json.loads(text_data)
        except json.JSONDecodeError as exc:
            detail = f"the frame is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            await self.send_json(messages.error_message("invalid_json", detail))
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            detail = 'send a JSON object, e.g. {"action": "subscribe", "game_id": "..."}'
            await self.send_json(messages.error_message("invalid_message", detail))
            return
        request_id = content.get("id")
        if request_id is not None and not valid_request_id(request_id):
            detail = (
                f"id must be a string of at most {MAX_REQUEST_ID_CHARS} characters or an integer"
            )
            await self.send_json(messages.error_message("invalid_id", detail))
            return
        action, game_id = content.get("action"), content.get("game_id")
        if action == "resync":
            await self.resync(content, request_id)
            return
        if action == "plays":
            await self.send_plays(content, request_id)
            return
        if action not in ("subscribe", "unsubscribe"):
            detail = f"unknown action {action!r}: send subscribe, unsubscribe, resync or plays"
            await self.send_json(
                messages.error_message("unknown_action", detail, request_id=request_id)
            )
            return
        named = game_id if isinstance(game_id, str) and GAME_ID.fullmatch(game_id) else None
        if named is None or not await game_exists(named):
            if named is not None:
                detail = f"no game {named!r}"
            else:  # not a game id at all: named in the detail (cut short), not in game_id
                detail = f"{reprlib.repr(game_id)} is not a game id (10 digits, e.g. 0022400755)"
            await self.send_json(messages.error_message("unknown_game", detail, named, request_id))
            return
        group = messages.game_group(named)
        if action == "unsubscribe":
            await self.channel_layer.group_discard(group, self.channel_name)
            self.subscriptions.discard(group)
            await self.send_json(messages.unsubscribed_message(named, request_id))
            return
        cap = settings.WEBSOCKET_MAX_SUBSCRIPTIONS
        if group not in self.subscriptions and len(self.subscriptions) >= cap:
            detail = f"at most {cap} games per socket; unsubscribe from one first"
            await self.send_json(
                messages.error_message("too_many_subscriptions", detail, named, request_id)
            )
            return
        # Join first, then read: a minute closing in between arrives twice, never not at all.
        await self.channel_layer.group_add(group, self.channel_name)
        self.subscriptions.add(group)
        ack = await build_subscription(named)
        if ack is None:  # deleted in between
            detail = f"no game {named!r}"
            await self.send_json(messages.error_message("unknown_game", detail, named, request_id))
            return
        await self.send(text_data=messages.with_request_id(ack, request_id))

    async def send_plays(self, content: dict[str, Any], request_id: str | int | None) -> None:
        """A subscriber that found a gap in a game's plays asks for those after the last
        it has (``after``: an orderNumber; 0 for all, a page at a time)."""
        game_id, after = content.get("game_id"), content.get("after", 0)
        named = game_id if isinstance(game_id, str) and GAME_ID.fullmatch(game_id) else None
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            detail = "after must be an orderNumber >= 0"
            await self.send_json(
                messages.error_message("invalid_message", detail, named, request_id)
            )
            return
        if named is None or messages.game_group(named) not in self.subscriptions:
            detail = f"subscribe to {reprlib.repr(game_id)} first"
            await self.send_json(
                messages.error_message("not_subscribed", detail, named, request_id)
            )
            return
        answer = await read_plays(named, after)
        if answer is None:
            detail = f"no game {named!r}"
            await self.send_json(messages.error_message("unknown_game", detail, named, request_id))
            return
        await self.send(text_data=messages.with_request_id(answer, request_id))

    async def resync(self, content: dict[str, Any], request_id: str | int | None = None) -> None:
        """A client that saw a gap (or doubts its state) asks for a fresh snapshot.

        ``seqs`` (the client's last applied version per game) is optional; a malformed
        one gets an ``invalid_seq`` error. With ``seqs``, the snapshot leaves out the
        games the client is current on (listed in ``current``); a stale or a future seq
        (e.g. after a database restore) gets the game, whose numbers replace the client's.
        """
        seqs = content.get("seqs")
        problem = invalid_seqs(seqs, "seqs" in content)
        if problem is not None:
            await self.send_json(
                messages.error_message("invalid_seq", problem, request_id=request_id)
            )
            return
        frame = await snapshot_frame("resync", seqs, staff=self.staff)
        await self.send(text_data=messages.with_request_id(frame, request_id))
        SNAPSHOTS_SENT.labels("resync").inc()

    async def game_update(self, event: messages.LayerEvent) -> None:
        for frame in event["frames"]:  # JSON encoded once by the sender, not per client
            await self.send(text_data=frame)
