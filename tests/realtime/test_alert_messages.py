"""Alerts over the socket: pushed to staff sockets after the alert's commit, carried by
the snapshot, versioned by the board-level alert sequence (never a game's seq), and a
missed one repaired by a resync."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from alerts.services import evaluate_game
from games.feed.parser import parse_scoreboard
from games.services import ingest_scoreboard
from support import asyncapi
from support.client import ClientState
from support.payloads import at_minute, board
from support.wsclient import communicator, staff_connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
GAME = "0042200163"


@pytest.fixture(autouse=True)
async def fresh_layer(redis_client: Any) -> None:
    await get_channel_layer().flush()


def poll_and_evaluate(minute: float, home: int, away: int) -> None:
    today = timezone.localdate().isoformat()  # on tonight's board
    with transaction.atomic():
        ingest_scoreboard(parse_scoreboard(board(at_minute(minute, home, away), date=today)))
    evaluate_game(GAME)  # the alert task, after the poll's commit


async def next_of(client: Any, kind: str) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = await client.receive_json_from(timeout=3)
        if frame["type"] == kind:
            return frame


async def test_a_staff_socket_gets_the_alert_and_the_game_seq_does_not_move() -> None:
    client = await staff_connection()
    state = ClientState()
    state.apply(await client.receive_json_from(timeout=3))
    assert (state.alert_seq, state.alerts) == (0, {})
    await database_sync_to_async(poll_and_evaluate)(44, 100, 97)
    update = await next_of(client, "score_update")
    alert = await next_of(client, "alert")
    assert asyncapi.frame_errors(alert) == []
    assert state.apply(update) == "applied" and state.apply(alert) == "applied"
    payload = alert["alert"]
    assert (alert["alert_seq"], payload["rule"], payload["key"], payload["clock"]) == (
        1,
        "clutch",
        "P4",
        "4:00",
    )
    assert (payload["home_score"], payload["away_score"], payload["active"]) == (100, 97, True)
    assert payload["rule_text"] == "clutch time" and payload["game_id"] == GAME
    assert state.seqs[GAME] == update["seq"]  # the alert carried no game version
    # The condition ends: the same alert, inactive, as the next alert version.
    await database_sync_to_async(poll_and_evaluate)(45, 109, 97)  # 9-0: no run yet
    ended = await next_of(client, "alert")
    assert (ended["alert_seq"], ended["alert"]["id"], ended["alert"]["active"]) == (
        2,
        payload["id"],
        False,
    )
    await client.disconnect()


async def test_a_missed_alert_is_a_gap_and_the_resync_repairs_it() -> None:
    client = await staff_connection()
    state = ClientState()
    state.apply(await client.receive_json_from(timeout=3))
    await database_sync_to_async(poll_and_evaluate)(1, 0, 3)
    for minute, away in ((2, 7), (3, 12)):  # a 12-0 run: one alert
        await database_sync_to_async(poll_and_evaluate)(minute, 0, away)
    frames = [await client.receive_json_from(timeout=3) for _ in range(4)]
    for frame in frames:
        if frame["type"] != "alert":  # the run's alert is "lost" on the way
            state.apply(frame)
    await database_sync_to_async(poll_and_evaluate)(44, 90, 88)  # clutch time
    assert state.apply(await next_of(client, "score_update")) == "applied"
    clutch = await next_of(client, "alert")
    assert state.apply(clutch) == "gap"  # alert_seq 2 after 0
    await client.send_json_to({"action": "resync", "seqs": state.seqs})
    snapshot = await next_of(client, "snapshot")
    assert asyncapi.frame_errors(snapshot) == []
    assert snapshot["games"] == [] and snapshot["current"] == [GAME]  # no game was missed
    state.apply(snapshot)
    # 1: the run raised, 2: clutch time raised, 3: the run over (the home team scored).
    assert (clutch["alert_seq"], state.alert_seq) == (2, 3)
    assert {a["rule"]: a["active"] for a in state.alerts.values()} == {
        "clutch": True,
        "run": False,
    }
    assert [a["rule"] for a in snapshot["alerts"]] == ["clutch", "run"]  # newest first
    await client.disconnect()


@override_settings(WS_PUBLIC_STREAM=True)
async def test_an_anonymous_public_socket_gets_no_alert() -> None:
    client = await communicator()
    connected, _ = await client.connect()
    assert connected
    snapshot = await client.receive_json_from(timeout=3)
    assert "alerts" not in snapshot and "alert_seq" not in snapshot
    await database_sync_to_async(poll_and_evaluate)(44, 100, 97)
    assert (await client.receive_json_from(timeout=3))["type"] == "score_update"
    assert await client.receive_nothing(timeout=0.5)
    await client.disconnect()
