"""The protocol's edges on real daphne processes: close reasons on the wire, one frame
limit (the transport's and the application's), and 1001 for every socket on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from realtime.messages import MAX_FRAME_BYTES
from support.livestack import Daphne, database_url
from support.net import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def daphne(django_db_setup: None) -> Iterator[Daphne]:
    server = Daphne(database_url(), free_port(), WS_PUBLIC_STREAM="true")
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def open_socket(server: Daphne, **kw: Any) -> ClientConnection:
    socket = await connect(
        f"ws://127.0.0.1:{server.port}/ws/scores/",
        origin=f"http://127.0.0.1:{server.port}",  # type: ignore[arg-type]
        max_size=None,
        **kw,
    )
    assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "snapshot"
    return socket


async def until_closed(socket: ClientConnection) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    try:
        async for frame in socket:
            received.append(json.loads(frame))
    except ConnectionClosed:
        pass
    return received


@pytest.mark.parametrize("size", [MAX_FRAME_BYTES + 1, 70_000, 2 * 1024 * 1024])
def test_a_frame_over_the_limit_always_gets_the_error_and_a_4413_close(
    daphne: Daphne, size: int
) -> None:
    async def run() -> None:
        socket = await open_socket(daphne)
        await socket.send("x" * size)
        received = await asyncio.wait_for(until_closed(socket), 10)
        errors = [m for m in received if m["type"] == "error"]
        assert [e["code"] for e in errors] == ["frame_too_large"]
        assert f"a frame of {size} bytes" in errors[0]["detail"]
        assert socket.close_code == 4413
        assert socket.close_reason == f"frame_too_large: {errors[0]['detail']}"

    asyncio.run(run())


def test_a_frame_at_the_limit_is_read(daphne: Daphne) -> None:
    async def run() -> None:
        socket = await open_socket(daphne)
        frame = json.dumps({"action": "resync", "id": "r"})
        await socket.send(frame + " " * (MAX_FRAME_BYTES - len(frame)))
        reply = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert (reply["type"], reply["id"]) == ("snapshot", "r")
        await socket.close()

    asyncio.run(run())


def test_an_application_close_carries_its_reason_on_the_wire(django_db_setup: None) -> None:
    server = Daphne(database_url(), free_port())  # not public: anonymous is refused
    server.start()
    try:

        async def run() -> None:
            socket = await connect(
                f"ws://127.0.0.1:{server.port}/ws/scores/",
                origin=f"http://127.0.0.1:{server.port}",  # type: ignore[arg-type]
            )
            received = await asyncio.wait_for(until_closed(socket), 10)
            assert received[0]["code"] == "unauthorized"
            assert socket.close_code == 4401
            assert socket.close_reason == "unauthorized: sign in as staff"

        asyncio.run(run())
    finally:
        server.stop()


def test_sigterm_closes_every_socket_with_1001_before_the_process_exits(daphne: Daphne) -> None:
    async def run() -> None:
        sockets = [await open_socket(daphne) for _ in range(5)]
        readers = [asyncio.ensure_future(until_closed(s)) for s in sockets]
        assert daphne.process is not None
        started = time.monotonic()
        daphne.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(asyncio.gather(*readers), 10)
        assert [s.close_code for s in sockets] == [1001] * 5
        assert {s.close_reason for s in sockets} == {
            "going_away: the server is restarting; reconnect"
        }
        assert time.monotonic() - started < 5

    asyncio.run(run())
    assert daphne.process is not None
    assert daphne.process.wait(timeout=10) is not None  # and then it exits
