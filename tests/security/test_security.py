"""Deployment settings, secrets, and who may read what (pages, admin, API, WebSocket)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from livescores.asgi import application

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "scores.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://scores.example.com",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "livescores.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings() -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


SHOW = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({k: getattr(s, k) for k in (
    "SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS", "SECURE_CONTENT_TYPE_NOSNIFF", "WS_PUBLIC_STREAM")}))
"""


def test_secrets_come_from_the_environment_and_production_defaults_are_secure() -> None:
    result = run(["-c", SHOW], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["SECRET_KEY"] == PRODUCTION["SECRET_KEY"]
    assert shown["DEBUG"] is False and shown["WS_PUBLIC_STREAM"] is False
    assert shown["SECURE_SSL_REDIRECT"] and shown["SESSION_COOKIE_SECURE"]
    assert shown["CSRF_COOKIE_SECURE"] and shown["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert shown["SECURE_HSTS_SECONDS"] >= 31_536_000
    missing = run(["-c", SHOW], **{**PRODUCTION, "SECRET_KEY": ""})
    assert missing.returncode != 0 and "SECRET_KEY must be set" in missing.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/games/0042200163/", "/status.json", "/models/", "/admin/", "/admin/games/game/"]
)
def test_anonymous_requests_to_dashboard_admin_and_api_are_refused(path: str) -> None:
    response = Client().get(path)
    assert response.status_code in (302, 401, 403)
    if response.status_code == 302:
        assert "login" in response["Location"]


HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]


async def closed_without_data(communicator: WebsocketCommunicator) -> dict[str, Any]:
    """Read until the close; no snapshot or update may come before it."""
    while True:
        message = await communicator.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            return message
        if message["type"] == "websocket.send":
            assert json.loads(message["text"])["type"] == "error"


@pytest.mark.django_db(transaction=True)
async def test_an_anonymous_websocket_gets_no_data(settings: Any) -> None:
    settings.WS_PUBLIC_STREAM = False
    communicator = WebsocketCommunicator(application, "/ws/scores/", headers=HEADERS)
    connected, code = await communicator.connect(timeout=5)
    if connected:
        closed = await closed_without_data(communicator)
        assert closed.get("code", 1000) >= 4000  # an application refusal, not a drop
    else:
        assert code is not None


@pytest.mark.django_db(transaction=True)
async def test_a_staff_session_opens_the_websocket(settings: Any) -> None:
    from channels.db import database_sync_to_async

    settings.WS_PUBLIC_STREAM = False

    @database_sync_to_async
    def session_cookie() -> str:
        user = get_user_model().objects.create_user("ops", password="x", is_staff=True)
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    cookie = f"{settings.SESSION_COOKIE_NAME}={await session_cookie()}".encode()
    communicator = WebsocketCommunicator(
        application, "/ws/scores/", headers=[*HEADERS, (b"cookie", cookie)]
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("origin", [b"http://evil.example", None])
async def test_a_websocket_from_a_foreign_or_missing_origin_is_refused(
    settings: Any, origin: bytes | None
) -> None:
    settings.WS_PUBLIC_STREAM = True  # even the public stream checks the origin
    headers = [(b"host", b"localhost")] + ([(b"origin", origin)] if origin else [])
    communicator = WebsocketCommunicator(application, "/ws/scores/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_an_oversized_frame_is_refused_unread(settings: Any, redis_client: Any) -> None:
    settings.WS_PUBLIC_STREAM = True
    communicator = WebsocketCommunicator(application, "/ws/scores/", headers=HEADERS)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    frame = json.dumps({"action": "subscribe", "game_id": "0042200163", "pad": "x" * 70_000})

    await communicator.send_to(text_data=frame)

    reply = await communicator.receive_json_from(timeout=5)
    while reply["type"] != "error":  # pushes of other test processes sharing Redis DB 15
        reply = await communicator.receive_json_from(timeout=5)
    assert reply["code"] == "frame_too_large"
    assert reply["detail"] == "a frame of 70059 bytes is over the limit of 65536 bytes"
    close = await communicator.receive_output(timeout=5)
    while close["type"] != "websocket.close":  # nothing subscribed: the frame was not read
        assert json.loads(close["text"])["type"] != "subscribed"
        close = await communicator.receive_output(timeout=5)
    assert close["code"] == 4413
    await communicator.disconnect()
