"""After a Redis restart, a socket whose re-join failed is retried alone at the next check:
the other sockets are not sent round again (under load that fed a storm of snapshots)."""

from __future__ import annotations

from typing import Any

import pytest

from realtime.guards import layer_watch
from realtime.guards.layer_watch import LayerWatch

pytestmark = pytest.mark.asyncio


class Socket:
    def __init__(self, fails: int = 0) -> None:
        self.fails, self.rejoined = fails, 0

    async def rejoin_after_layer_loss(self, frame: str) -> None:
        if self.fails:
            self.fails -= 1
            raise ConnectionError("Redis still loading")
        self.rejoined += 1

    async def close_for_layer_outage(self) -> None:
        raise AssertionError("not an outage")


class Redis:
    def __init__(self) -> None:
        self.run_id = "first"

    async def info(self, section: str) -> dict[str, str]:
        return {"run_id": self.run_id}


async def test_only_the_socket_that_failed_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layer_watch, "get_channel_layer", lambda: object())

    async def frame() -> str:
        return "{}"

    watch = LayerWatch(frame)
    redis: Any = Redis()
    watch.client = redis
    healthy, shaky = Socket(), Socket(fails=1)
    for socket in (healthy, shaky):
        watch.add(socket)
    await watch.check()  # the first look: nothing to repair
    assert (healthy.rejoined, shaky.rejoined) == (0, 0)
    redis.run_id = "second"  # Redis restarted: every socket re-joins; one fails
    await watch.check()
    assert (healthy.rejoined, shaky.rejoined) == (1, 0)
    await watch.check()  # retried alone
    assert (healthy.rejoined, shaky.rejoined) == (1, 1)
    await watch.check()  # nothing left to retry
    assert (healthy.rejoined, shaky.rejoined) == (1, 1)
