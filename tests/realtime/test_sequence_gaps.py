"""Per-game sequence numbers: a dropped message is detected by the client and repaired."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from games.feed.parser import parse_scoreboard
from games.models import Game
from games.services import ingest_scoreboard
from realtime import broadcast
from support.payloads import at_minute, board
from support.wsclient import staff_connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
GAME = "0042200163"


@pytest.fixture(autouse=True)
async def fresh_layer(redis_client: Any) -> None:
    await get_channel_layer().flush()


def poll(minute: float, home: int, away: int) -> None:
    """A poll of today's board (so the game is in every snapshot)."""
    today = timezone.localdate().isoformat()
    with transaction.atomic():
        ingest_scoreboard(parse_scoreboard(board(at_minute(minute, home, away), date=today)))


async def scoreboard_message(client: Any) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = await client.receive_json_from(timeout=5)
        if message["type"] in ("score_update", "game_final", "prediction"):
            return message


async def test_seq_grows_by_one_per_pushed_change_and_survives_in_the_database() -> None:
    await database_sync_to_async(poll)(3.5, 5, 2)
    client = await staff_connection()
    snapshot = await client.receive_json_from(timeout=5)
    [game] = [g for g in snapshot["games"] if g["game_id"] == GAME]
    start = game["seq"]
    for n, home in enumerate((7, 9, 11), start=1):
        await database_sync_to_async(poll)(3.5 + n, home, 2)
        message = await scoreboard_message(client)
        assert (message["game_id"], message["seq"]) == (GAME, start + n)
        assert message["game"]["seq"] == message["seq"]
    await database_sync_to_async(poll)(6.5, 11, 2)  # the same state again: nothing new
    assert await client.receive_nothing(timeout=0.3)
    stored = await database_sync_to_async(Game.objects.get)()
    assert stored.seq == start + 3
    await client.disconnect()


async def test_a_client_that_misses_a_message_sees_the_gap_and_a_resync_repairs_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await database_sync_to_async(poll)(3.5, 5, 2)
    client = await staff_connection()
    await client.receive_json_from(timeout=5)  # snapshot (of today's games)
    await database_sync_to_async(poll)(4.5, 7, 2)
    known = (await scoreboard_message(client))["seq"]  # the client's view: seq, 7-2

    real_send = broadcast.send_now
    monkeypatch.setattr(broadcast, "send_now", lambda batches: None)  # this push is lost
    await database_sync_to_async(poll)(5.5, 9, 4)
    monkeypatch.setattr(broadcast, "send_now", real_send)
    await database_sync_to_async(poll)(6.5, 12, 4)

    message = await scoreboard_message(client)
    assert message["seq"] == known + 2  # a jump: version known + 1 never arrived
    await client.send_json_to({"action": "resync", "seqs": {GAME: known}})
    repaired = await client.receive_json_from(timeout=5)
    assert (repaired["type"], repaired["reason"]) == ("snapshot", "resync")
    [game] = [g for g in repaired["games"] if g["game_id"] == GAME]
    stored = await database_sync_to_async(Game.objects.get)()
    assert (game["seq"], game["home"]["score"], game["away"]["score"]) == (
        stored.seq,
        stored.home_score,
        stored.away_score,
    )
    assert game["seq"] == known + 2
    await client.disconnect()


@pytest.mark.parametrize(
    ("seqs", "reply"),
    [
        ("garbage", "error"),
        ([1, 2], "error"),
        ({GAME: -1}, "error"),
        ({GAME: "7"}, "error"),
        ({GAME: True}, "error"),
        ({GAME: 1.5}, "error"),
        ({str(n): 1 for n in range(501)}, "error"),
        ({GAME: 0}, "snapshot"),  # stale
        ({GAME: 10**12}, "snapshot"),  # from the future (e.g. a restored database)
        ({"not-a-game": 3}, "snapshot"),
        (None, "snapshot"),
    ],
)
async def test_stale_future_or_garbage_seqs_get_an_error_or_a_snapshot_never_a_crash(
    seqs: Any, reply: str
) -> None:
    await database_sync_to_async(poll)(3.5, 5, 2)
    client = await staff_connection()
    await client.receive_json_from(timeout=5)
    frame: dict[str, Any] = {"action": "resync"}
    if seqs is not None:
        frame["seqs"] = seqs
    await client.send_json_to(frame)
    answer = await client.receive_json_from(timeout=5)
    assert answer["type"] == reply
    if reply == "error":
        assert answer["code"] == "invalid_seq"
    # The connection is still up and serving.
    await client.send_json_to({"action": "subscribe", "game_id": GAME})
    assert (await client.receive_json_from(timeout=5))["type"] == "subscribed"
    await client.disconnect()
