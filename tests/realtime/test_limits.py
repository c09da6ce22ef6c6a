"""Abuse limits of the WebSocket: message rate, subscriptions per socket, sockets per user.

In-process (channels' communicator, the real channel layer and Redis) for the rules;
two real daphne processes for the per-user cap, which must hold across processes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import override_settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from games.feed.parser import parse_scoreboard
from games.services import ingest_scoreboard
from realtime.guards.limits import SLOT_TTL_SECONDS, SocketSlots, TokenBucket, slots_key
from support.livestack import Daphne, database_url
from support.net import free_port
from support.payloads import at_minute, board
from support.schemas import assert_valid
from support.wsclient import communicator, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

GAMES = ("0042200161", "0042200162", "0042200163")


async def staff_socket(username: str = "limits-staff") -> WebsocketCommunicator:
    cookie = await database_sync_to_async(session_cookie)(username)
    client = await communicator(cookie=cookie)
    connected, _ = await client.connect(timeout=5)
    assert connected
    return client


async def next_of(client: WebsocketCommunicator, *kinds: str) -> dict[str, Any]:
    """The next message of one of these types (other tests' pushes may interleave)."""
    while True:
        message = await client.receive_json_from(timeout=5)
        if message["type"] in kinds:
            return message


async def close_code(client: WebsocketCommunicator) -> int | None:
    while True:
        output = await client.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output.get("code")


def test_a_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=1000.0, burst=3)
    assert [bucket.take() for _ in range(3)] == [True] * 3
    bucket.stamp = time.monotonic()  # no time passes
    bucket.tokens = 0.0
    assert not bucket.take()
    bucket.stamp -= 0.002  # 2 ms at 1,000 a second: two tokens back
    assert bucket.take() and bucket.take()
    bucket.stamp, bucket.tokens = time.monotonic() - 3600, 0.0  # idle for long: capped at burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


@override_settings(WEBSOCKET_RATE_PER_SECOND=0.001, WEBSOCKET_RATE_BURST=3)
async def test_frames_over_the_rate_get_one_error_then_a_4429_close(redis_client: Any) -> None:
    client = await staff_socket()
    await next_of(client, "snapshot")
    for _ in range(3):  # the burst is served
        await client.send_json_to({"action": "resync"})
        assert (await next_of(client, "snapshot", "error"))["type"] == "snapshot"

    await client.send_json_to({"action": "resync"})  # the first frame over the rate
    error = await next_of(client, "snapshot", "error")
    assert_valid(error)
    assert error["code"] == "rate_limited"
    for _ in range(3):  # another burst's worth, ignoring the error
        await client.send_json_to({"action": "resync"})

    assert await close_code(client) == 4429


@override_settings(WEBSOCKET_RATE_PER_SECOND=0.001, WEBSOCKET_RATE_BURST=3)
async def test_frames_over_the_rate_are_dropped_without_closing_a_client_that_stops(
    redis_client: Any,
) -> None:
    client = await staff_socket()
    await next_of(client, "snapshot")
    for _ in range(3 + 3):  # the burst, then as many over the rate as the close allows
        await client.send_json_to({"action": "resync"})
    kinds = [(await next_of(client, "snapshot", "error"))["type"] for _ in range(4)]
    assert kinds == ["snapshot", "snapshot", "snapshot", "error"]
    assert await client.receive_nothing(timeout=0.5)  # dropped, and not closed
    await client.disconnect()


def poll_three_games() -> None:
    games = [at_minute(3.5, 5, 4, game_id=game_id) for game_id in GAMES]
    with transaction.atomic():
        ingest_scoreboard(parse_scoreboard(board(*games)))


@override_settings(WEBSOCKET_MAX_SUBSCRIPTIONS=2)
async def test_a_socket_follows_at_most_the_subscription_cap(redis_client: Any) -> None:
    await database_sync_to_async(poll_three_games)()
    client = await staff_socket()
    await next_of(client, "snapshot")
    for game_id in GAMES[:2]:
        await client.send_json_to({"action": "subscribe", "game_id": game_id})
        assert (await next_of(client, "subscribed", "error"))["type"] == "subscribed"

    await client.send_json_to({"action": "subscribe", "game_id": GAMES[2]})
    error = await next_of(client, "subscribed", "error")
    assert_valid(error)
    assert error["code"] == "too_many_subscriptions"

    # Subscribing again to a followed game is not a new subscription ...
    await client.send_json_to({"action": "subscribe", "game_id": GAMES[0]})
    assert (await next_of(client, "subscribed", "error"))["type"] == "subscribed"
    # ... and leaving one makes room.
    await client.send_json_to({"action": "unsubscribe", "game_id": GAMES[1]})
    await next_of(client, "unsubscribed")
    await client.send_json_to({"action": "subscribe", "game_id": GAMES[2]})
    assert (await next_of(client, "subscribed", "error"))["game_id"] == GAMES[2]
    await client.disconnect()


@override_settings(WEBSOCKET_MAX_SOCKETS_PER_USER=2)
async def test_a_user_over_the_socket_cap_is_refused_with_4429(redis_client: Any) -> None:
    first, second = await staff_socket(), await staff_socket()
    for client in (first, second):
        await next_of(client, "snapshot")

    third = await staff_socket()
    error = await next_of(third, "error", "snapshot")
    assert_valid(error)
    assert error["code"] == "too_many_sockets"
    assert await close_code(third) == 4429

    other_user = await staff_socket("another-staff")  # the cap is per user
    assert (await next_of(other_user, "snapshot", "error"))["type"] == "snapshot"

    await first.disconnect()  # a closed socket frees its slot
    fourth = await staff_socket()
    assert (await next_of(fourth, "snapshot", "error"))["type"] == "snapshot"
    for client in (second, other_user, fourth):
        await client.disconnect()


async def test_a_claim_that_was_not_renewed_stops_counting(redis_client: Any) -> None:
    """A daphne killed with its sockets open never releases them: their claims lapse."""
    slots = SocketSlots()
    key = slots_key(42)
    await slots.client.zadd(key, {"dead-process-socket": time.time() - 1})
    await slots.client.zadd(key, {"live-socket": time.time() + SLOT_TTL_SECONDS})
    assert await slots.claim(42, "new-socket") == 2  # the live one and this one
    assert await slots.client.zscore(key, "dead-process-socket") is None
    ttl = await slots.client.ttl(key)
    assert 0 < ttl <= SLOT_TTL_SECONDS + 1  # an idle user's key goes away too
    await slots.client.aclose()


async def test_a_burst_of_claims_waits_for_a_connection_instead_of_failing(
    redis_client: Any,
) -> None:
    """500 sockets reconnecting at once (a killed daphne's clients): redis-py's plain
    async pool refuses its 101st concurrent command ("Too many connections"), which
    closed sockets with 4503 in the 1,000-client soak; the claims' blocking pool waits."""
    slots = SocketSlots()
    counts = await asyncio.gather(*(slots.claim(43, f"socket-{n}") for n in range(500)))
    assert sorted(counts)[-1] == 500
    assert await slots.client.zcard(slots_key(43)) == 500
    await slots.client.aclose()


# --- across processes -----------------------------------------------------------------
@pytest.fixture
def two_daphnes(redis_client: Any) -> Iterator[list[Daphne]]:
    started: list[Daphne] = []
    try:
        for _ in range(2):
            started.append(Daphne(database_url(), free_port(), WEBSOCKET_MAX_SOCKETS_PER_USER="2"))
            started[-1].start()
        yield started
    finally:
        for daphne in started:
            daphne.stop()


async def open_real(daphne: Daphne, cookie: str) -> tuple[ClientConnection, dict[str, Any]]:
    socket = await connect(
        f"ws://127.0.0.1:{daphne.port}/ws/scores/",
        origin=f"http://127.0.0.1:{daphne.port}",  # type: ignore[arg-type]
        additional_headers={"Cookie": cookie},
    )
    return socket, json.loads(await asyncio.wait_for(socket.recv(), 10))


@pytest.mark.slow
async def test_the_socket_cap_holds_across_web_processes(two_daphnes: list[Daphne]) -> None:
    cookie = (await database_sync_to_async(session_cookie)("cap-staff")).decode()
    web1, web2 = two_daphnes
    first, hello = await open_real(web1, cookie)
    second, hello2 = await open_real(web2, cookie)
    assert (hello["type"], hello2["type"]) == ("snapshot", "snapshot")

    third, refusal = await open_real(web1, cookie)
    assert (refusal["type"], refusal["code"]) == ("error", "too_many_sockets")
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(third.recv(), 10)
    assert third.close_code == 4429

    await second.close()  # closing on one process frees a slot for the other
    for _ in range(50):  # web2 releases the slot as it handles the close
        fourth, hello4 = await open_real(web1, cookie)
        if hello4["type"] == "snapshot":
            break
        await fourth.close()
        await asyncio.sleep(0.2)
    assert hello4["type"] == "snapshot"
    for socket in (first, fourth):
        await socket.close()
