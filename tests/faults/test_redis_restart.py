"""Redis restarted mid-stream, on a throwaway redis-server of the test's own.

The shared Redis (DB 0 of a running dev stack, DB 15 of other test runs) is never
touched: the poll lock, the channel layer and the push all go to a redis-server the
fixture starts on a free port and kills (SIGKILL: no save, every group lost).
"""

from __future__ import annotations

import asyncio
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
from realtime.channel_layers import layer_settings
from support.payloads import at_minute, board
from support.rows import StaticFeed
from tests.faults.conftest import ThrowawayRedis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]


@pytest.fixture(params=["redis", "pubsub"])
def stack(
    request: pytest.FixtureRequest, throwaway_redis: ThrowawayRedis, settings: Any
) -> Iterator[ThrowawayRedis]:
    settings.WS_PUBLIC_STREAM = True
    settings.REDIS_URL = throwaway_redis.url
    settings.CHANNEL_LAYERS = {
        "default": layer_settings(request.param, throwaway_redis.url, prefix="faults")
    }
    settings.WEBSOCKET_LAYER_CHECK_SECONDS = 0.2
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


async def next_of(client: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict[str, Any]:
    for _ in range(10):
        message: dict[str, Any] = await client.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


async def test_polls_persist_through_a_redis_restart_and_open_sockets_resync(
    stack: ThrowawayRedis, caplog: pytest.LogCaptureFixture
) -> None:
    client = await connect()
    await next_of(client, "snapshot")
    await poll(3.5, 5, 2)
    first = await next_of(client, "score_update")
    assert first["game"]["home"]["score"] == 5
    assert (await next_of(client, "board"))["board"]["version"] == 1  # the game's first poll

    stack.stop()  # SIGKILL: every group membership and queued message is gone
    run = await poll(4.5, 8, 2)  # no lock, no push: still persisted

    assert run is not None and run.outcome == "ok"
    game = await database_sync_to_async(Game.objects.get)()
    assert (game.home_score, game.last_closed_minute, game.seq) == (8, 4, first["seq"] + 1)
    assert "poll lock unavailable" in caplog.text
    assert "clients resync on reconnect" in caplog.text  # the failed push, logged
    await asyncio.sleep(2)  # a short outage: the socket stays open
    assert await client.receive_nothing(timeout=0.1)

    stack.start()  # a new server (new run_id): the socket re-joins and gets a snapshot
    resync = await next_of(client, "snapshot", timeout=15)
    assert resync["reason"] == "resync"
    [state] = resync["games"]
    assert (state["home"]["score"], state["seq"]) == (8, first["seq"] + 1)
    assert "re-join their groups and resync" in caplog.text

    await poll(5.5, 11, 2)
    update = await next_of(client, "score_update", timeout=10)  # pushes resume, same socket
    assert (update["game"]["home"]["score"], update["seq"]) == (11, first["seq"] + 2)
    await client.disconnect()
    await asyncio.sleep(0)


async def test_a_redis_that_stays_away_closes_sockets_with_4503(
    stack: ThrowawayRedis, settings: Any
) -> None:
    settings.WEBSOCKET_LAYER_OUTAGE_CLOSE_SECONDS = 1.0
    client = await connect()
    await next_of(client, "snapshot")
    stack.stop()
    error = await client.receive_json_from(timeout=10)
    assert (error["type"], error["code"]) == ("error", "unavailable")
    assert await client.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": 4503,
        "reason": "unavailable: the server lost its message bus; reconnect",
    }
    await client.disconnect()
