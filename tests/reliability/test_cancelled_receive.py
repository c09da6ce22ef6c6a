"""A closing socket's channel read ends, even when its cancel comes out as a read error.

Seen in CI: a socket closed while its BZPOPMIN read was near redis-py's read timeout; the
cancel surfaced as ``redis.exceptions.TimeoutError``, the layer's retry-on-outage loop
took it for a Redis outage and kept reading for ever (the task stayed "cancelling", and
the test's event loop never closed).
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.exceptions import TimeoutError as RedisTimeoutError

from realtime.channel_layers import RedisChannelLayer


class CancelBecomesTimeout(RedisChannelLayer):
    """A read that, when cancelled, raises a Redis read timeout (as redis-py can)."""

    reads = 0

    async def receive_once(self, channel: str) -> dict[str, Any]:
        self.reads += 1
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise RedisTimeoutError("Timeout reading from 127.0.0.1:6379") from None
        return {}


async def test_a_cancelled_read_is_not_retried_as_a_redis_outage() -> None:
    layer = CancelBecomesTimeout(hosts=[{"address": "redis://127.0.0.1:6379/15"}])
    read = asyncio.create_task(layer.receive("specific.test!abc"))
    await asyncio.sleep(0.05)
    read.cancel()
    await asyncio.wait({read}, timeout=2)
    try:
        assert read.done(), f"the read is still going after its cancel ({layer.reads} reads)"
        assert read.cancelled() and layer.reads == 1
    finally:
        layer.receive_once = _stop  # type: ignore[method-assign]  # let a stuck loop end


async def _stop(channel: str) -> dict[str, Any]:
    raise asyncio.CancelledError


async def test_a_read_error_without_a_cancel_is_still_retried() -> None:
    class FailsOnce(RedisChannelLayer):
        reads = 0

        async def receive_once(self, channel: str) -> dict[str, Any]:
            self.reads += 1
            if self.reads == 1:
                raise RedisTimeoutError("Timeout reading from 127.0.0.1:6379")
            return {"type": "ok"}

    layer = FailsOnce(hosts=[{"address": "redis://127.0.0.1:6379/15"}])
    assert await asyncio.wait_for(layer.receive("specific.test!abc"), timeout=5) == {"type": "ok"}
    assert layer.reads == 2
