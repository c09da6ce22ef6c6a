"""WebSocket clients for tests, signed in the way browsers are: a Django session cookie."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from livescores.asgi import application

ORIGIN = [(b"origin", b"http://localhost"), (b"host", b"localhost")]


def session_cookie(username: str = "staff-tester", *, staff: bool = True) -> bytes:
    """A logged-in session for a (created if needed) user, as a Cookie header value."""
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": staff, "is_active": True}
    )
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def communicator(*, cookie: bytes | None = None) -> WebsocketCommunicator:
    headers = [*ORIGIN, (b"cookie", cookie)] if cookie else list(ORIGIN)
    return WebsocketCommunicator(application, "/ws/scores/", headers=headers)


async def staff_connection() -> WebsocketCommunicator:
    """A connected staff client (its first message, the snapshot, not yet read)."""
    cookie = await database_sync_to_async(session_cookie)()
    client = await communicator(cookie=cookie)
    connected, _ = await client.connect()
    assert connected
    return client
