"""The channel layers the settings can select, configured for sockets that stay open all night.

Root cause of the 10-second WebSocket drops: redis-py 8 gives every connection a
5 s ``socket_timeout`` by default, and channels_redis' receive is a 5 s blocking
``BZPOPMIN``. On an idle channel the read deadline and the server's reply race, the
read times out, the consumer's channel read raises ``redis.exceptions.TimeoutError``
and the socket dies (channels_redis#422, redis-py#4091). The fix is the client
configuration: a read timeout comfortably above the blocking pop, so an idle channel
never trips it while a Redis that stops answering is still detected within
``socket_timeout`` seconds (and TCP keepalive plus a PING health check catch a
silently dropped connection).

redis-py 8's async pool also refuses a 101st concurrent command ("Too many
connections"); a burst of joins or leaves from many clients hit that. The core layer
here uses a blocking pool: commands wait for a free connection instead of failing.

A consumer's channel read never kills its socket over a Redis blip: ``receive``
waits for Redis to come back (with backoff) and ``realtime.guards.layer_watch`` makes every
socket re-join its groups and resync once Redis answers again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from channels_redis.core import RedisChannelLayer as CoreRedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer as CorePubSubChannelLayer
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# channels_redis.core.RedisChannelLayer.brpop_timeout: how long one BZPOPMIN blocks.
BLOCKING_POP_SECONDS = 5
RECEIVE_RETRY_MAX_SECONDS = 5.0


def redis_host(
    url: str, *, socket_timeout: float, max_connections: int, pool_timeout: float
) -> dict[str, Any]:
    """One ``hosts`` entry for channels_redis: redis-py client options that fit its
    blocking receive."""
    if socket_timeout <= BLOCKING_POP_SECONDS + 1:
        raise ValueError(
            f"socket_timeout must exceed the layer's {BLOCKING_POP_SECONDS} s blocking pop "
            f"by more than 1 s, got {socket_timeout}"
        )
    return {
        "address": url,
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
        "health_check_interval": 30,
        "max_connections": max_connections,
        # Only the blocking pool (core layer) reads this: seconds to wait for a free
        # connection before raising.
        "timeout": pool_timeout,
    }


class _ReceiveSurvivesRedisOutages:
    """``receive`` retries connection failures with capped, jittered backoff.

    channels runs ``receive`` in the consumer's dispatch loop; an exception there
    ends the WebSocket. A Redis restart is not the client's problem: wait for Redis,
    then carry on (``realtime.guards.layer_watch`` resyncs the sockets that may have missed
    messages, and closes them if Redis stays away).
    """

    async def receive_once(self, channel: str) -> dict[str, Any]:
        raise NotImplementedError

    async def restore_subscriptions(self) -> None:
        """Called after Redis came back, before sockets re-join their groups."""

    async def receive(self, channel: str) -> dict[str, Any]:
        delay = 0.25
        while True:
            try:
                return await self.receive_once(channel)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # The socket is closing and this read was cancelled, but the cancel
                    # came out of redis-py as a read error (it met the read timeout):
                    # retrying would keep a closed socket's read alive for ever.
                    raise asyncio.CancelledError from exc
                logger.warning("channel read failed (%s); retrying in %.2f s", exc, delay)
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(RECEIVE_RETRY_MAX_SECONDS, delay * 2)


class RedisChannelLayer(_ReceiveSurvivesRedisOutages, CoreRedisChannelLayer):
    """channels_redis' list-based layer with a blocking connection pool."""

    async def receive_once(self, channel: str) -> dict[str, Any]:
        message: dict[str, Any] = await CoreRedisChannelLayer.receive(self, channel)
        return message

    def create_pool(self, index: int) -> BlockingConnectionPool:
        host = dict(self.hosts[index])
        return BlockingConnectionPool.from_url(host.pop("address"), **host)


class RedisPubSubChannelLayer(_ReceiveSurvivesRedisOutages, CorePubSubChannelLayer):
    """channels_redis' pub/sub layer (one connection per shard; no pool burst to size)."""

    def __init__(self, hosts: list[dict[str, Any]] | None = None, **kwargs: Any) -> None:
        # The pub/sub layer builds a plain ConnectionPool, which takes no ``timeout``.
        hosts = [{k: v for k, v in host.items() if k != "timeout"} for host in hosts or []]
        super().__init__(hosts=hosts, **kwargs)

    async def receive_once(self, channel: str) -> dict[str, Any]:
        # The pub/sub layer proxies its API to a layer per event loop.
        message: dict[str, Any] = await self._get_layer().receive(channel)
        return message

    async def restore_subscriptions(self) -> None:
        """SUBSCRIBE again to every channel and group this event loop listens to.

        After a Redis restart the layer still believes it is subscribed (its
        ``group_add`` is then a no-op), so ``realtime.guards.layer_watch`` calls this first.
        SUBSCRIBE is idempotent on the server.
        """
        for shard in self._get_layer()._shards:
            async with shard._lock:
                if shard._pubsub is not None and shard._subscribed_to:
                    await shard._pubsub.subscribe(*shard._subscribed_to)


def blocking_client(socket_timeout: float = 5.0) -> Any:
    """A redis.asyncio client for the web process's own Redis work beside the layer (the
    per-user socket claims, the layer watch): a blocking pool sized like the layer's
    (``CHANNEL_LAYER_MAX_CONNECTIONS``, ``CHANNEL_LAYER_POOL_TIMEOUT``), so a burst of
    connects waits for a free connection instead of failing with redis-py's "Too many
    connections" (the plain pool's 100) and closing the socket with 4503."""
    from django.conf import settings

    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    pool = BlockingConnectionPool.from_url(
        settings.REDIS_URL,
        max_connections=host["max_connections"],
        timeout=host["timeout"],
        socket_timeout=socket_timeout,
        socket_connect_timeout=2,
    )
    return Redis(connection_pool=pool)


def layer_settings(
    kind: str,
    url: str,
    *,
    prefix: str,
    socket_timeout: float = 15.0,
    max_connections: int = 200,
    pool_timeout: float = 10.0,
) -> dict[str, Any]:
    """The CHANNEL_LAYERS entry for ``kind`` ("redis" or "pubsub")."""
    host = redis_host(
        url,
        socket_timeout=socket_timeout,
        max_connections=max_connections,
        pool_timeout=pool_timeout,
    )
    if kind == "pubsub":
        return {
            "BACKEND": "realtime.channel_layers.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [host], "prefix": prefix},
        }
    return {
        "BACKEND": "realtime.channel_layers.RedisChannelLayer",
        "CONFIG": {"hosts": [host], "prefix": prefix, "capacity": 1000, "expiry": 30},
    }
