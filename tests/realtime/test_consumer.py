from __future__ import annotations

from typing import Any

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from games.feed.parser import parse_scoreboard
from games.services import ingest_scoreboard
from livescores.asgi import application
from realtime import messages, protocol
from support.payloads import at_minute, board
from support.wsclient import staff_connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
# How long to wait for a frame that must come (generous: CI machines are shared; a frame
# that must not come is checked with receive_nothing's short wait).
REPLY_SECONDS = 10


async def connect() -> WebsocketCommunicator:
    """A signed-in staff client (anonymous ones are refused: tests/dashboard)."""
    return await staff_connection()


@pytest.fixture(autouse=True)
async def fresh_layer(redis_client: Any) -> None:
    layer = get_channel_layer()
    await layer.flush()


async def reply(communicator: WebsocketCommunicator) -> dict[str, Any]:
    """The next frame addressed to this socket alone, passing over any broadcast (a
    `board` or game message of an earlier poll may arrive in between: the protocol allows
    it, and the test is about the answer)."""
    while True:
        frame: dict[str, Any] = await communicator.receive_json_from(timeout=REPLY_SECONDS)
        if frame["type"] in protocol.types_where(audience="requester"):
            return frame


def poll(payload: dict[str, Any]) -> None:
    from django.db import transaction

    with transaction.atomic():
        ingest_scoreboard(parse_scoreboard(payload))


async def test_it_sends_a_snapshot_of_todays_games_on_connect() -> None:
    from channels.db import database_sync_to_async
    from django.utils import timezone

    # Dated today: "today's games" no longer carries games live from long ago.
    today = timezone.localdate().isoformat()
    await database_sync_to_async(poll)(board(at_minute(3.5, 7, 4), date=today))
    communicator = await connect()
    snapshot = await communicator.receive_json_from(timeout=REPLY_SECONDS)
    assert snapshot["type"] == "snapshot" and snapshot["version"] == messages.API_VERSION
    [game] = snapshot["games"]
    assert (game["game_id"], game["home"]["score"], game["away"]["score"]) == ("0042200163", 7, 4)
    assert (game["pattern_progress"], game["pattern_length"], game["prediction"]) == (3, 18, None)
    await communicator.disconnect()


async def test_a_client_receives_a_real_update_after_a_poll_commits() -> None:
    from channels.db import database_sync_to_async

    communicator = await connect()
    await communicator.receive_json_from(timeout=REPLY_SECONDS)  # snapshot
    await database_sync_to_async(poll)(board(at_minute(5.5, 12, 9)))
    update = await communicator.receive_json_from(timeout=REPLY_SECONDS)
    assert update["type"] == "score_update"
    assert (update["game"]["home"]["score"], update["game"]["away"]["score"]) == (12, 9)
    assert update["game"]["clock"] == "6:30"
    await communicator.disconnect()


async def test_a_subscriber_gets_the_game_detail_stream() -> None:
    from channels.db import database_sync_to_async

    await database_sync_to_async(poll)(board(at_minute(1.5, 2, 0)))
    communicator = await connect()
    await communicator.receive_json_from(timeout=REPLY_SECONDS)
    await communicator.send_json_to({"action": "subscribe", "game_id": "0042200163"})
    assert (await communicator.receive_json_from(timeout=REPLY_SECONDS))["type"] == "subscribed"
    await database_sync_to_async(poll)(board(at_minute(2.5, 4, 0)))
    types = [
        (await communicator.receive_json_from(timeout=REPLY_SECONDS))["type"] for _ in range(2)
    ]
    assert sorted(types) == ["pattern_progress", "score_update"]
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.send_json_to({"action": "unsubscribe", "game_id": "0042200163"})
    assert (await communicator.receive_json_from(timeout=REPLY_SECONDS))["type"] == "unsubscribed"
    await database_sync_to_async(poll)(board(at_minute(3.5, 6, 0)))
    assert (await communicator.receive_json_from(timeout=REPLY_SECONDS))["type"] == "score_update"
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "invalid_json"),
        ('{"action": "dance"}', "unknown_action"),
        ('{"action": "subscribe", "game_id": "0000000000"}', "unknown_game"),
        ("[1, 2]", "invalid_message"),
        ('{"action": "resync", "id": true}', "invalid_id"),
    ],
)
async def test_bad_frames_get_an_error_and_the_connection_stays_open(frame: str, code: str) -> None:
    communicator = await connect()
    await communicator.receive_json_from(timeout=REPLY_SECONDS)
    await communicator.send_to(text_data=frame)
    error = await reply(communicator)
    assert (error["type"], error["code"], error["version"]) == ("error", code, messages.API_VERSION)
    await communicator.send_to(text_data='{"action": "dance"}')
    assert (await reply(communicator))["type"] == "error"
    await communicator.disconnect()


async def test_a_request_id_is_echoed_on_its_reply_and_on_its_error() -> None:
    communicator = await connect()
    await communicator.receive_json_from(timeout=2)
    await communicator.send_json_to({"action": "resync", "id": "r-1"})
    snapshot = await communicator.receive_json_from(timeout=2)
    assert (snapshot["type"], snapshot["reason"], snapshot["id"]) == ("snapshot", "resync", "r-1")
    await communicator.send_json_to({"action": "subscribe", "game_id": "0000000000", "id": 7})
    error = await communicator.receive_json_from(timeout=2)
    assert (error["code"], error["game_id"], error["id"]) == ("unknown_game", "0000000000", 7)
    assert error["detail"] == "no game '0000000000'"
    await communicator.send_json_to({"action": "dance", "id": "d"})
    error = await communicator.receive_json_from(timeout=2)
    assert (error["code"], error["game_id"], error["id"]) == ("unknown_action", None, "d")
    await communicator.send_json_to({"action": "resync"})
    assert "id" not in await communicator.receive_json_from(timeout=2)
    await communicator.disconnect()


async def test_an_oversize_frame_gets_frame_too_large_then_a_4413_close_with_a_reason() -> None:
    communicator = await connect()
    await communicator.receive_json_from(timeout=2)
    await communicator.send_to(text_data="x" * (messages.MAX_FRAME_BYTES + 1))
    error = await communicator.receive_json_from(timeout=2)
    assert error["code"] == "frame_too_large"
    assert error["detail"] == "a frame of 65537 bytes is over the limit of 65536 bytes"
    close = await communicator.receive_output(timeout=2)
    assert (close["type"], close["code"]) == ("websocket.close", messages.CLOSE_FRAME_TOO_LARGE)
    assert close["reason"] == f"frame_too_large: {error['detail']}"


async def test_a_foreign_origin_is_refused() -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/scores/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected
