"""Keeps a web process's open sockets whole across a Redis restart or failover.

A Redis restart empties every channel-layer group (and the pub/sub layer drops what
was published meanwhile), yet a socket's own channel read simply resumes: without
help, a socket would stay open and never get another push. One watcher per event
loop checks Redis every ``WEBSOCKET_LAYER_CHECK_SECONDS``: when its ``run_id``
changes (a restart or failover) or it answers again after not answering, every
registered socket re-joins its groups and is sent a fresh snapshot, whose sequence
numbers supersede whatever it missed. If Redis stays away for longer than
``WEBSOCKET_LAYER_OUTAGE_CLOSE_SECONDS``, the sockets are closed with 4503 so clients
say so and reconnect with backoff, instead of showing a board that no longer moves.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from channels.layers import get_channel_layer
from django.conf import settings
from redis.exceptions import RedisError

from realtime.channel_layers import blocking_client

logger = logging.getLogger(__name__)


class Watched(Protocol):
    async def rejoin_after_layer_loss(self, snapshot_frame: str) -> None: ...

    async def close_for_layer_outage(self) -> None: ...


# Builds the snapshot frame once for every socket of the process.
SnapshotBuilder = Callable[[], Awaitable[str]]


class LayerWatch:
    def __init__(self, build_snapshot_frame: SnapshotBuilder) -> None:
        self.sockets: weakref.WeakSet[Any] = weakref.WeakSet()
        self.build_snapshot_frame = build_snapshot_frame
        self.run_id: str | None = None
        self.down_since: float | None = None
        self.closed_for_outage = False
        self.retry: weakref.WeakSet[Any] = weakref.WeakSet()  # sockets whose re-join failed
        self.task: asyncio.Task[None] | None = None
        self.client = blocking_client()

    def add(self, socket: Watched) -> None:
        self.sockets.add(socket)

    def discard(self, socket: Watched) -> None:
        self.sockets.discard(socket)

    async def check(self) -> None:
        """One check: notice an outage, a restart, or a recovery, and act on it."""
        try:
            info = await self.client.info("server")
        except (RedisError, OSError) as exc:
            now = time.monotonic()
            if self.down_since is None:
                self.down_since = now
                logger.warning("Redis is not answering (%s); sockets stay open for now", exc)
            outage = now - self.down_since
            if (
                not self.closed_for_outage
                and outage > settings.WEBSOCKET_LAYER_OUTAGE_CLOSE_SECONDS
            ):
                self.closed_for_outage = True
                logger.error(
                    "Redis away for %.0f s: closing %d sockets with 4503", outage, len(self.sockets)
                )
                await asyncio.gather(
                    *(s.close_for_layer_outage() for s in list(self.sockets)),
                    return_exceptions=True,
                )
            return
        run_id = str(info.get("run_id", ""))
        recovered = self.down_since is not None
        restarted = self.run_id is not None and run_id != self.run_id
        self.run_id, self.down_since, self.closed_for_outage = run_id, None, False
        if (recovered or restarted) and self.sockets:
            await self.resync_all("restarted" if restarted else "answering again")
        elif self.retry:
            await self.resync_all("answering", only=[s for s in self.retry if s in self.sockets])

    async def resync_all(self, why: str, only: list[Any] | None = None) -> None:
        """Every socket re-joins and resyncs (or only ``only``: those whose re-join failed
        last time; a failure never sends every socket of the process round again, which
        under load fed a storm of snapshots)."""
        sockets = list(self.sockets) if only is None else only
        self.retry = weakref.WeakSet()
        if not sockets:
            return
        logger.warning("Redis %s: %d sockets re-join their groups and resync", why, len(sockets))
        layer = get_channel_layer()
        if hasattr(layer, "restore_subscriptions"):
            await layer.restore_subscriptions()
        frame = await self.build_snapshot_frame()
        results = await asyncio.gather(
            *(s.rejoin_after_layer_loss(frame) for s in sockets), return_exceptions=True
        )
        failed = [
            (s, r) for s, r in zip(sockets, results, strict=True) if isinstance(r, BaseException)
        ]
        if failed:
            logger.warning("%d sockets could not re-join yet: %s", len(failed), failed[0][1])
            self.retry = weakref.WeakSet(s for s, _ in failed)  # those alone, next check

    async def run(self) -> None:
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # the watcher must outlive any one bad check
                logger.exception("layer check failed")
            await asyncio.sleep(settings.WEBSOCKET_LAYER_CHECK_SECONDS)


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LayerWatch] = (
    weakref.WeakKeyDictionary()
)


def watch_for(build_snapshot_frame: SnapshotBuilder) -> LayerWatch:
    """This event loop's watcher, started on first use."""
    loop = asyncio.get_running_loop()
    watch = _watches.get(loop)
    if watch is None or watch.task is None or watch.task.done():
        watch = LayerWatch(build_snapshot_frame)
        watch.task = loop.create_task(watch.run(), name="layer-watch")
        _watches[loop] = watch
    return watch
