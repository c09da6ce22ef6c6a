"""API keys on the socket: offered as a subprotocol, the key's Origins and limits, and a
key revoked or expiring while its sockets are open (4401 within the check interval)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from apikeys.models import ApiKey
from livescores.asgi import application
from realtime.guards.keys import API_PROTOCOL, KEY_PROTOCOL
from support.schemas import assert_valid

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

FOREIGN = "https://app.example.org"


@pytest.fixture(autouse=True)
async def fresh_layer(redis_client: Any) -> None:
    await get_channel_layer().flush()


issue = database_sync_to_async(ApiKey.objects.issue)


def keyed(token: str | None, origin: str | None = FOREIGN, **kw: Any) -> WebsocketCommunicator:
    headers = [(b"host", b"localhost")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    protocols = [API_PROTOCOL, *([KEY_PROTOCOL + token] if token else [])]
    return WebsocketCommunicator(
        application, "/ws/scores/", headers=headers, subprotocols=protocols
    )


async def refused_with(client: WebsocketCommunicator) -> tuple[dict[str, Any], int]:
    connected, _ = await client.connect()
    assert connected
    error = await client.receive_json_from(timeout=2)
    assert_valid(error)
    close = await client.receive_output(timeout=2)
    assert close["type"] == "websocket.close"
    return error, close["code"]


async def test_a_key_opens_the_stream_from_its_own_origin_and_never_comes_back() -> None:
    _, token = await issue("front-end", allowed_origins=[FOREIGN])
    client = keyed(token)
    connected, protocol = await client.connect()
    assert connected and protocol == API_PROTOCOL  # the key itself is never selected
    snapshot = await client.receive_json_from(timeout=2)
    assert snapshot["type"] == "snapshot"
    await client.disconnect()
    # a client that sends no Origin (a server, an app) may use it too
    server = keyed(token, origin=None)
    assert (await server.connect())[0]
    assert (await server.receive_json_from(timeout=2))["type"] == "snapshot"
    await server.disconnect()


async def test_without_a_key_a_foreign_origin_is_refused_at_the_handshake() -> None:
    connected, _ = await keyed(None).connect()
    assert not connected


async def test_an_unknown_revoked_or_expired_key_is_told_and_closed_with_4401() -> None:
    revoked, revoked_token = await issue("gone", allowed_origins=["*"])
    await database_sync_to_async(revoked.revoke)()
    _, expired_token = await issue(
        "old", allowed_origins=["*"], expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    _, good = await issue("good", allowed_origins=["*"])
    for token in (revoked_token, expired_token, good[:-2] + "xx", "lsk_nothing"):
        error, code = await refused_with(keyed(token))
        assert (error["code"], code) == ("unauthorized", 4401)
        assert "API key" in error["detail"]


async def test_a_key_from_an_origin_it_does_not_allow_is_closed_with_4403() -> None:
    key, token = await issue("front-end", allowed_origins=[FOREIGN])
    error, code = await refused_with(keyed(token, origin="https://evil.example"))
    assert code == 4403 and error["code"] == "unauthorized"
    assert key.label in error["detail"] and "https://evil.example" in error["detail"]


async def test_the_keys_own_socket_cap_holds() -> None:
    _, token = await issue("small", allowed_origins=["*"], max_sockets=2)
    open_ = []
    for _ in range(2):
        client = keyed(token)
        assert (await client.connect())[0]
        await client.receive_json_from(timeout=2)
        open_.append(client)
    error, code = await refused_with(keyed(token))
    assert (error["code"], code) == ("too_many_sockets", 4429)
    assert "2 open sockets" in error["detail"]
    await open_[0].disconnect()
    again = keyed(token)
    assert (await again.connect())[0]
    assert (await again.receive_json_from(timeout=2))["type"] == "snapshot"
    for client in (open_[1], again):
        await client.disconnect()


async def test_the_keys_own_frame_rate_holds() -> None:
    _, token = await issue("slow", allowed_origins=["*"], rate_per_second=0.01, rate_burst=2)
    client = keyed(token)
    await client.connect()
    await client.receive_json_from(timeout=2)
    for _ in range(2):  # the burst
        await client.send_json_to({"action": "resync"})
        assert (await client.receive_json_from(timeout=2))["type"] == "snapshot"
    await client.send_json_to({"action": "resync"})
    assert (await client.receive_json_from(timeout=2))["code"] == "rate_limited"
    for _ in range(3):  # another burst's worth over the rate: closed
        await client.send_json_to({"action": "resync"})
    close = await client.receive_output(timeout=2)
    assert close["code"] == 4429
    assert close["reason"] == (
        "rate_limited: kept sending over 0.01 frames a second after a rate_limited error"
    )


async def test_revoking_a_key_closes_its_open_sockets_at_once() -> None:
    key, token = await issue("front-end", allowed_origins=["*"])
    _, other_token = await issue("other", allowed_origins=["*"])
    client, other = keyed(token), keyed(other_token)
    for socket in (client, other):
        await socket.connect()
        await socket.receive_json_from(timeout=2)
    await database_sync_to_async(key.revoke)()  # as the admin's action and the command do
    error = await client.receive_json_from(timeout=5)
    assert (error["code"], error["detail"]) == ("unauthorized", "the API key was revoked")
    assert (await client.receive_output(timeout=2))["code"] == 4401
    assert await other.receive_nothing(timeout=0.5)  # another key's socket stays
    await other.disconnect()


async def test_an_expiring_key_ends_its_socket_within_the_check_interval(settings: Any) -> None:
    settings.WEBSOCKET_SESSION_CHECK_SECONDS = 0.5
    _, token = await issue(
        "short", allowed_origins=["*"], expires_at=timezone.now() + dt.timedelta(seconds=1)
    )
    client = keyed(token)
    await client.connect()
    await client.receive_json_from(timeout=2)
    started = asyncio.get_running_loop().time()
    error = await client.receive_json_from(timeout=5)
    assert error["detail"] == "the API key was expired"
    assert (await client.receive_output(timeout=2))["code"] == 4401
    assert asyncio.get_running_loop().time() - started < 1 + 2 * 0.5 + 0.5


async def test_a_revocation_by_update_is_caught_by_the_periodic_check(settings: Any) -> None:
    settings.WEBSOCKET_SESSION_CHECK_SECONDS = 0.5
    key, token = await issue("front-end", allowed_origins=["*"])
    client = keyed(token)
    await client.connect()
    await client.receive_json_from(timeout=2)
    update = ApiKey.objects.filter(pk=key.pk).update  # sends no signal
    await database_sync_to_async(update)(revoked_at=timezone.now())
    error = await client.receive_json_from(timeout=3)
    assert error["detail"] == "the API key was revoked"
    assert (await client.receive_output(timeout=2))["code"] == 4401


async def test_a_bogus_key_does_not_smuggle_a_staff_cookie_past_the_origin_check() -> None:
    """Offering a key skips the ALLOWED_HOSTS Origin check, so a key socket never reads
    the session cookie: a foreign page with a staff member's cookie and a made-up key
    gets 4401, not the stream (cross-site WebSocket hijacking stays closed)."""
    from support.wsclient import session_cookie

    cookie = await database_sync_to_async(session_cookie)()
    client = WebsocketCommunicator(
        application,
        "/ws/scores/",
        headers=[
            (b"host", b"localhost"),
            (b"origin", b"https://evil.example"),
            (b"cookie", cookie),
        ],
        subprotocols=[API_PROTOCOL, KEY_PROTOCOL + "lsk_000000000000_made-up"],
    )
    error, code = await refused_with(client)
    assert (error["code"], code) == ("unauthorized", 4401)
