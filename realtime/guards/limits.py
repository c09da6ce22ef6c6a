"""Abuse limits of the WebSocket: a message rate per socket, open sockets per user.

* ``RateGuard`` over a ``TokenBucket``: each socket may send
  ``WEBSOCKET_RATE_PER_SECOND`` frames a second on average, in bursts of up to
  ``WEBSOCKET_RATE_BURST``.
* ``SocketSlot`` over ``SocketSlots``: a user's open sockets across every web process,
  counted in Redis as one sorted set per user (member: the socket's channel name,
  score: when its claim lapses). Each socket renews its claim every
  ``SLOT_RENEW_SECONDS``; a socket of a process that was killed stops renewing and
  stops counting within ``SLOT_TTL_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from redis.exceptions import RedisError

from realtime.channel_layers import blocking_client

logger = logging.getLogger(__name__)

SLOT_TTL_SECONDS = 60.0
SLOT_RENEW_SECONDS = 20.0


@dataclass
class TokenBucket:
    rate: float  # tokens added per second
    burst: float  # the bucket's size
    tokens: float = field(init=False)
    stamp: float = field(init=False, default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self) -> bool:
        """Spend one token if there is one."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def slots_key(owner_id: Any, kind: str = "user") -> str:
    """The sorted set of one owner's sockets: a user's, or an API key's (``kind="key"``)."""
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    return f"{prefix}:ws-sockets:{kind}:{owner_id}"


class SocketSlots:
    """One event loop's Redis client for the per-user socket counts."""

    def __init__(self) -> None:
        self.client = blocking_client()

    async def claim(self, user_id: Any, member: str, kind: str = "user") -> int:
        """Count this socket for the user (or renew it): the user's live sockets now."""
        key, now = slots_key(user_id, kind), time.time()
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zadd(key, {member: now + SLOT_TTL_SECONDS})
            pipe.zcard(key)
            pipe.expire(key, int(SLOT_TTL_SECONDS) + 1)
            results = await pipe.execute()
        return int(results[2])

    async def release(self, user_id: Any, member: str, kind: str = "user") -> None:
        await self.client.zrem(slots_key(user_id, kind), member)


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SocketSlots] = (
    weakref.WeakKeyDictionary()
)


def slots_for_loop() -> SocketSlots:
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = SocketSlots()
    return slots


class RateGuard:
    """One socket's message rate: a frame over it is dropped; the first dropped frame
    earns an error, and a client that keeps on for another burst's worth is closed."""

    def __init__(self, rate: float, burst: int) -> None:
        self.bucket = TokenBucket(rate, burst)
        self.burst = burst
        self.excess = 0  # frames over the rate since the last one within it

    def admit(self) -> Literal["ok", "warn", "drop", "close"]:
        if self.bucket.take():
            self.excess = 0
            return "ok"
        self.excess += 1
        if self.excess == 1:
            return "warn"
        return "close" if self.excess > self.burst else "drop"


class SocketSlot:
    """One signed-in socket counted for its user (or its API key, ``kind="key"``) across
    every web process: claimed on connect, renewed every ``SLOT_RENEW_SECONDS``,
    released on disconnect."""

    def __init__(self, user_id: Any, member: str, kind: str = "user") -> None:
        self.user_id, self.member, self.kind = user_id, member, kind
        self.renewal: asyncio.Task[None] | None = None

    async def claim(self, cap: int) -> bool:
        """Count the socket; False (and not counted) when it would be over ``cap``."""
        slots = slots_for_loop()
        if await slots.claim(self.user_id, self.member, self.kind) > cap:
            await slots.release(self.user_id, self.member, self.kind)
            return False
        self.renewal = asyncio.create_task(self._renew())
        return True

    async def _renew(self) -> None:
        slots = slots_for_loop()
        while True:
            await asyncio.sleep(SLOT_RENEW_SECONDS)
            try:
                await slots.claim(self.user_id, self.member, self.kind)
            except RedisError as exc:  # renewed next time; a lapsed claim only undercounts
                logger.info("could not renew a socket's slot: %s", exc)

    async def release(self) -> None:
        if self.renewal is not None:
            self.renewal.cancel()
        try:
            await slots_for_loop().release(self.user_id, self.member, self.kind)
        except RedisError as exc:  # the claim lapses on its own (SLOT_TTL_SECONDS)
            logger.info("could not release a socket's slot: %s", exc)
