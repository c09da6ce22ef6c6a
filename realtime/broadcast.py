"""Sending client messages to channel-layer groups.

Called by ``realtime.receivers``, which run after the commit that made the change
(``games`` and ``predictions`` announce on commit). Channel-layer events have type
"game.update" (handled by the consumer's ``game_update``) and carry a list of
pre-encoded frames, so one poll costs one group send per group rather than one per game.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers, get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from realtime.messages import LayerEvent

logger = logging.getLogger(__name__)

Batches = Sequence[tuple[str, Sequence[Mapping[str, Any]]]]

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


async def _send_all(layer: Any, batches: Batches) -> None:
    for group, messages in batches:
        event: LayerEvent = {"type": "game.update", "frames": [json.dumps(m) for m in messages]}
        try:
            await layer.group_send(group, event)
        except RedisConnectionError:
            # A pooled connection died with a Redis restart; the pool connects afresh.
            # Should the first send have landed after all, clients drop the repeat: its
            # sequence numbers are not new.
            await layer.group_send(group, event)


def send_now(batches: Batches) -> None:
    """Send each group its messages (groups without any are skipped), in one trip into
    the sender event loop. Never raises: a push failure must not undo or repeat the
    committed change it announces (clients resync on reconnect)."""
    batches = [(group, messages) for group, messages in batches if messages]
    layer = get_channel_layer()
    if layer is None or not batches:
        return
    try:
        sender = _sender_layer(layer)
        future = asyncio.run_coroutine_threadsafe(_send_all(sender, batches), _sender_loop())
        future.result(timeout=SEND_TIMEOUT_SECONDS)
    except (RedisError, OSError, TimeoutError) as exc:  # futures.TimeoutError is TimeoutError
        # Redis away (a restart, a network blip): expected, and repaired by the clients'
        # resync, so one line without a traceback.
        logger.warning(
            "push to %d groups failed (%s: %s); clients resync on reconnect",
            len(batches),
            type(exc).__name__,
            exc,
        )
    except Exception:  # a push failure must never undo or repeat a committed poll
        logger.exception("push to %d groups failed; clients resync on reconnect", len(batches))
