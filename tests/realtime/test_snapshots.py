"""A resync storm is cheap: one snapshot read serves every socket that asked at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from games.feed.parser import parse_scoreboard
from games.services import ingest_scoreboard, track_board
from realtime.snapshots import SNAPSHOT_BUILDS, SharedBuild
from support.payloads import at_minute, board
from support.wsclient import staff_connection

GAME, OTHER = "0042200163", "0042200164"


async def test_requests_at_once_share_one_build_and_none_gets_an_older_value() -> None:
    builds: list[int] = []
    release = asyncio.Event()

    async def build() -> int:
        builds.append(len(builds) + 1)
        await release.wait()
        return builds[-1]

    shared = SharedBuild(build)
    first = [asyncio.ensure_future(shared.get()) for _ in range(50)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # build 1 is running now
    later = [asyncio.ensure_future(shared.get()) for _ in range(50)]  # arrived during it
    await asyncio.sleep(0)
    release.set()
    assert set(await asyncio.gather(*first)) == {1}
    assert set(await asyncio.gather(*later)) == {2}  # a build that started after them
    assert shared.builds == 2


async def test_a_failed_build_fails_its_requests_and_the_next_request_builds_again() -> None:
    calls = 0

    async def build() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database away")
        return calls

    shared = SharedBuild(build)
    with pytest.raises(RuntimeError):
        await shared.get()
    assert await shared.get() == 2


def _poll(home: int) -> None:
    today = timezone.localdate()
    with transaction.atomic():
        payload = board(
            at_minute(5.5, home, 2), at_minute(5.5, 1, 1, OTHER), date=today.isoformat()
        )
        ingest_scoreboard(parse_scoreboard(payload))
    track_board(today)


@pytest.mark.django_db(transaction=True)
async def test_a_resync_storm_reads_the_database_at_most_twice(
    redis_client: Any, settings: Any
) -> None:
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 100
    await get_channel_layer().flush()
    await database_sync_to_async(_poll)(7)
    clients = [await staff_connection() for _ in range(40)]
    snapshots = [await c.receive_json_from(timeout=5) for c in clients]
    seqs = {g["game_id"]: g["seq"] for g in snapshots[0]["games"]}
    await database_sync_to_async(_poll)(9)  # GAME moves on; OTHER does not
    for client in clients:
        assert (await client.receive_json_from(timeout=5))["type"] == "score_update"
    before = SNAPSHOT_BUILDS._value.get()
    await asyncio.gather(*(c.send_json_to({"action": "resync", "seqs": seqs}) for c in clients))
    replies = await asyncio.gather(*(c.receive_json_from(timeout=5) for c in clients))
    assert SNAPSHOT_BUILDS._value.get() - before <= 2
    for reply in replies:
        assert (reply["type"], reply["reason"]) == ("snapshot", "resync")
        assert [g["game_id"] for g in reply["games"]] == [GAME]  # the client is behind on it
        assert reply["current"] == [OTHER]  # and current on this one: nothing sent for it
    for client in clients:
        await client.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_null_seqs_is_an_error_not_a_snapshot(redis_client: Any) -> None:
    await get_channel_layer().flush()
    client = await staff_connection()
    await client.receive_json_from(timeout=5)
    await client.send_json_to({"action": "resync", "seqs": None})
    reply = await client.receive_json_from(timeout=5)
    assert (reply["type"], reply["code"]) == ("error", "invalid_seq")
    await client.disconnect()
