"""An idle staff socket stays open against real daphne processes, on every channel layer.

The defect this guards: redis-py 8's 5 s default read timeout raced channels_redis'
5 s blocking pop, so an idle socket was closed every ~10 s. Here a real daphne per
selectable layer serves a signed-in staff socket that idles for over a minute, then
must receive the score update a real poll pushes, with no close on the way and no
traceback in the server's log.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from games.feed.parser import parse_scoreboard
from games.services import ingest_scoreboard
from realtime.channel_layers import layer_settings
from support.livestack import Daphne, database_url
from support.net import free_port
from support.payloads import at_minute, board
from support.wsclient import session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LAYERS = ("redis", "pubsub")
IDLE_SECONDS = 65


@pytest.fixture
def servers(redis_client: Any) -> Iterator[dict[str, Daphne]]:
    started: dict[str, Daphne] = {}
    try:
        for layer in LAYERS:
            started[layer] = Daphne(database_url(), free_port(), CHANNEL_LAYER=layer)
            started[layer].start()
        yield started
    finally:
        for daphne in started.values():
            daphne.stop()


class Watched:
    """One socket and everything that happened to it."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.messages: list[tuple[float, dict[str, Any]]] = []
        self.close_code: int | None = None
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            async for frame in self.socket:
                self.messages.append((time.monotonic(), json.loads(frame)))
        except ConnectionClosed:
            pass
        self.close_code = self.socket.close_code if self.socket.close_code is not None else -1

    async def next_of(self, kind: str, after: float, timeout: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, message in self.messages:
                if at >= after and message["type"] == kind:
                    return message
            assert self.close_code is None, f"closed with {self.close_code}"
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {kind} within {timeout} s")


def _poll(layer: str, home: int, away: int) -> None:
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    layers = {"default": layer_settings(layer, settings.REDIS_URL, prefix=prefix)}
    with override_settings(CHANNEL_LAYERS=layers), transaction.atomic():
        ingest_scoreboard(parse_scoreboard(board(at_minute(5.5, home, away))))


async def test_idle_staff_sockets_stay_open_and_get_the_next_push_on_every_layer(
    servers: dict[str, Daphne],
) -> None:
    cookie = (await database_sync_to_async(session_cookie)()).decode()
    watched: dict[str, Watched] = {}
    for layer, daphne in servers.items():
        socket = await connect(
            f"ws://127.0.0.1:{daphne.port}/ws/scores/",
            origin=f"http://127.0.0.1:{daphne.port}",  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
        )
        watched[layer] = Watched(socket)
        await watched[layer].next_of("snapshot", after=0)

    await asyncio.sleep(IDLE_SECONDS)  # idle: nothing is pushed, nothing may close

    for home, (layer, client) in enumerate(watched.items(), start=10):
        assert client.close_code is None, f"{layer}: closed with {client.close_code} while idle"
        pushed_at = time.monotonic()
        await database_sync_to_async(_poll)(layer, home, 3)
        update = await client.next_of("score_update", after=pushed_at)
        assert update["game"]["home"]["score"] == home, layer
    for layer, client in watched.items():
        assert client.close_code is None, f"{layer}: closed with {client.close_code}"
        await client.socket.close()
        await client.reader
    for layer, daphne in servers.items():
        log = daphne.log.read_text(errors="replace")
        assert "Traceback" not in log, f"{layer} daphne logged a traceback: {daphne.log}"
        # The layer retries a failed channel read rather than dropping the socket; on an
        # idle, healthy Redis there must be nothing to retry (redis-py 8's 5 s read
        # timeout against the 5 s blocking pop failed here every few seconds).
        assert "channel read failed" not in log, f"{layer}: {daphne.log}"
