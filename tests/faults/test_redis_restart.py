"""Redis restarted mid-stream, on a throwaway redis-server of the test's own.

The shared Redis (DB 0 of a running dev stack, DB 15 of other test runs) is never
touched: the poll lock, the channel layer and the push all go to a redis-server the
fixture starts on a free port and kills (SIGKILL: no save, every group lost).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from games.models import Game
from games.redis_client import get_redis
from games.services import poll_exclusively
from livescores.asgi import application
from tests.faults.conftest import ThrowawayRedis
from tests.faults.support import StaticFeed
from tests.payloads import at_minute, board

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]


@pytest.fixture
def stack(throwaway_redis: ThrowawayRedis, settings: Any) -> Iterator[ThrowawayRedis]:
    settings.WS_PUBLIC_STREAM = True
    settings.REDIS_URL = throwaway_redis.url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [throwaway_redis.url], "prefix": "faults", "expiry": 30},
        }
    }
    get_redis.cache_clear()
    channel_layers.backends.clear()
    yield throwaway_redis
    get_redis.cache_clear()
    channel_layers.backends.clear()


async def poll(minute: float, home: int, away: int) -> Any:
    feed = StaticFeed(board(at_minute(minute, home, away)))
    return await database_sync_to_async(poll_exclusively)(feed)


async def connect() -> WebsocketCommunicator:
    client = WebsocketCommunicator(application, "/ws/scores/", headers=HEADERS)
    connected, _ = await client.connect(timeout=5)
    assert connected
    return client


async def reconnect(attempts: int = 5) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    """What the dashboard does on close: connect again until a snapshot arrives.

    The layer's pooled Redis connections died with the server; each stale one fails
    once (that socket is closed with 1012 again) and is replaced, so this converges.
    """
    for _ in range(attempts):
        client = await connect()
        message = await client.receive_output(timeout=15)
        if message["type"] == "websocket.send":
            snapshot: dict[str, Any] = json.loads(message["text"])
            assert snapshot["type"] == "snapshot"
            return client, snapshot
        assert message == {"type": "websocket.close", "code": 1012}
    raise AssertionError(f"no snapshot after {attempts} reconnects")


async def next_of(client: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    for _ in range(10):
        message: dict[str, Any] = await client.receive_json_from(timeout=5)
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


async def test_polls_persist_through_a_redis_restart_and_clients_resync(
    stack: ThrowawayRedis, caplog: pytest.LogCaptureFixture
) -> None:
    before = await connect()
    await next_of(before, "snapshot")
    await poll(3.5, 5, 2)
    assert (await next_of(before, "score_update"))["game"]["home"]["score"] == 5

    stack.stop()
    run = await poll(4.5, 8, 2)  # no lock, no push: still persisted

    assert run is not None and run.outcome == "ok"
    game = await database_sync_to_async(Game.objects.get)()
    assert (game.home_score, game.last_closed_minute) == (8, 4)
    assert "poll lock unavailable" in caplog.text
    assert "clients resync on reconnect" in caplog.text  # the failed push, logged
    # The old connection's channel is gone with Redis: the server ends the socket, so a
    # client reconnects instead of waiting on a stream that will never come.
    closed = await before.receive_output(timeout=10)
    assert closed == {"type": "websocket.close", "code": 1012}  # 1012: restarting, reconnect
    assert "closing a WebSocket: the channel layer failed" in caplog.text

    stack.start()
    after, snapshot = await reconnect()  # a fresh snapshot carries what was missed
    assert [g["home"]["score"] for g in snapshot["games"]] == [8]
    await poll(5.5, 11, 2)
    update = await next_of(after, "score_update")  # pushes resume
    assert update["game"]["home"]["score"] == 11
    await after.disconnect()
    await asyncio.sleep(0)
