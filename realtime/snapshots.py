"""Snapshots for many sockets at once: built once, served to every socket that asked.

A snapshot is read from PostgreSQL: tonight's board, and each game's state, prediction
and (bounded) curve. When many sockets ask at once — after a Redis restart every socket
of a web process resyncs, after a deploy every client reconnects — the process builds
one and serves it to all of them. A request is answered by the first build that
*starts* after the request arrived, so what it gets is never older than the request
(nothing the client already applied can be missing from it), and any number of
requests at once cost at most two builds.

Each game is encoded to JSON once per build; a resync that sends the client's ``seqs``
gets only the games it is not current on (listed in ``current`` otherwise).
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from channels.db import database_sync_to_async

from games.models import Board
from realtime import messages
from realtime.metrics import SNAPSHOT_BUILDS
from realtime.payloads import board_payload, current_games, games_with_history, tonights_alerts

logger = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")


class SharedBuild(Generic[T]):
    """Coalesces concurrent requests for one value: every request is answered by the
    first build that starts after it arrived."""

    def __init__(self, build: Callable[[], Awaitable[T]]) -> None:
        self.build = build
        self.builds = 0
        self._waiting: asyncio.Future[T] | None = None  # the next build's requests
        self._driver: asyncio.Task[None] | None = None

    async def get(self) -> T:
        if self._waiting is None:
            self._waiting = asyncio.get_running_loop().create_future()
            self._waiting.add_done_callback(_retrieve)
        waiting = self._waiting
        if self._driver is None or self._driver.done():
            self._driver = asyncio.ensure_future(self._drive())
        return await asyncio.shield(waiting)

    async def _drive(self) -> None:
        while self._waiting is not None:
            future, self._waiting = self._waiting, None
            try:
                value = await self.build()
            except Exception as exc:  # every waiter of this build gets the error
                future.set_exception(exc)
            else:
                future.set_result(value)
            finally:
                self.builds += 1


class SharedBuilds(Generic[K, T]):
    """One ``SharedBuild`` per key (e.g. a game id), dropped once no request waits."""

    def __init__(self, build: Callable[[K], Awaitable[T]]) -> None:
        self.build = build
        self.running: dict[K, SharedBuild[T]] = {}

    async def get(self, key: K) -> T:
        shared = self.running.get(key)
        if shared is None:
            shared = self.running[key] = SharedBuild(lambda: self.build(key))
        try:
            return await shared.get()
        finally:
            if shared._waiting is None and (shared._driver is None or shared._driver.done()):
                self.running.pop(key, None)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a failed build's exception as seen even when all its waiters went away."""
    if not future.cancelled():
        future.exception()


@dataclass(frozen=True)
class BuiltSnapshot:
    """Tonight's board with each game encoded once, ready to be cut per client."""

    board: messages.BoardPayload
    order: tuple[str, ...]  # game ids in board order
    seqs: Mapping[str, int]
    encoded: Mapping[str, str]  # game id -> the game object as JSON
    alerts: str = ""  # staff sockets: ', "alert_seq": n, "alerts": [...]', encoded once

    def frame(
        self,
        reason: Literal["connect", "resync"],
        client_seqs: Mapping[str, int] | None = None,
        staff: bool = False,
    ) -> str:
        """The snapshot frame for one client: every game, or (with the client's ``seqs``)
        the games whose ``seq`` the client does not have; the others are ``current``.
        A staff socket's also carries tonight's alerts and the alert sequence."""
        if client_seqs is None:
            changed, current = list(self.order), []
        else:
            changed = [g for g in self.order if client_seqs.get(g) != self.seqs[g]]
            current = [g for g in self.order if client_seqs.get(g) == self.seqs[g]]
        head = messages.snapshot_message([], self.board, reason, current)
        del head["games"]  # type: ignore[misc]
        games = ",".join(self.encoded[g] for g in changed)
        alerts = self.alerts if staff else ""
        return f'{json.dumps(head)[:-1]}, "games": [{games}]{alerts}}}'


def read_snapshot() -> BuiltSnapshot:
    """Tonight's board from the database (six queries: board, games, curves, the alert
    sequence, the active and the other alerts)."""
    board = Board.current()
    games = games_with_history(current_games(), curve_points=messages.SNAPSHOT_CURVE_POINTS)
    alert_seq, alerts = tonights_alerts([g["game_id"] for g in games])
    SNAPSHOT_BUILDS.inc()
    return BuiltSnapshot(
        board=board_payload(board),
        order=tuple(g["game_id"] for g in games),
        seqs={g["game_id"]: g["seq"] for g in games},
        encoded={g["game_id"]: json.dumps(g) for g in games},
        alerts=f', "alert_seq": {alert_seq}, "alerts": {json.dumps(alerts)}',
    )


_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SharedBuild[BuiltSnapshot]] = (
    weakref.WeakKeyDictionary()
)


def shared_snapshots() -> SharedBuild[BuiltSnapshot]:
    """This event loop's snapshot builder (a web process has one loop)."""
    loop = asyncio.get_running_loop()
    shared = _shared.get(loop)
    if shared is None:
        shared = _shared[loop] = SharedBuild(database_sync_to_async(read_snapshot))
    return shared


async def snapshot_frame(
    reason: Literal["connect", "resync"],
    client_seqs: Mapping[str, int] | None = None,
    staff: bool = False,
) -> str:
    built = await shared_snapshots().get()
    return built.frame(reason, client_seqs, staff)
