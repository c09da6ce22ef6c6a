"""The WebSocket API as documented: who may connect, and every real message vs its schema."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from games.feed.game_feed import ReplayGameFeed
from games.feed.select import build_replay_feed
from games.models import Play
from games.play_services import follow_games
from games.services import poll_scoreboard
from realtime.messages import API_VERSION, SNAPSHOT_CURVE_POINTS
from support.client import ClientState, state_key
from support.schemas import MESSAGE_TYPES, assert_valid
from support.wsclient import communicator, session_cookie, staff_connection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture(autouse=True)
async def fresh_layer(redis_client: Any) -> None:
    await get_channel_layer().flush()


async def drain(client: WebsocketCommunicator, timeout: float = 0.3) -> list[dict[str, Any]]:
    """Every message the client has been sent so far."""
    messages = []
    while not await client.receive_nothing(timeout=timeout):
        messages.append(await client.receive_json_from(timeout=1))
    return messages


async def test_an_anonymous_client_is_told_why_and_closed_with_4401() -> None:
    client = await communicator()
    connected, _ = await client.connect()
    assert connected  # accepted, so the close code reaches the browser
    error = await client.receive_json_from(timeout=2)
    assert_valid(error)
    assert error["code"] == "unauthorized"
    assert (await client.receive_output(timeout=2)) == {
        "type": "websocket.close",
        "code": 4401,
        "reason": "unauthorized: sign in as staff",
    }


async def test_a_signed_in_user_who_is_not_staff_is_closed_with_4403() -> None:
    cookie = await database_sync_to_async(session_cookie)("fan", staff=False)
    client = await communicator(cookie=cookie)
    await client.connect()
    assert (await client.receive_json_from(timeout=2))["code"] == "unauthorized"
    assert (await client.receive_output(timeout=2))["code"] == 4403


async def test_the_public_stream_setting_lets_anonymous_clients_read(settings: Any) -> None:
    settings.WS_PUBLIC_STREAM = True
    client = await communicator()
    connected, _ = await client.connect()
    assert connected
    snapshot = await client.receive_json_from(timeout=2)
    assert_valid(snapshot)
    await client.disconnect()


def _poll(feed: Any, times: int) -> None:
    """Polls as the worker makes them: the scoreboard, then the games' own plays."""
    plays = ReplayGameFeed(feed.night)
    for _ in range(times):
        poll_scoreboard(feed)
        follow_games(plays)


async def test_every_message_of_a_replayed_game_matches_its_published_schema(
    eager_celery: None,
) -> None:
    feed = await database_sync_to_async(build_replay_feed)()
    await database_sync_to_async(feed.reset)()
    client = await staff_connection()  # before the first poll: the board appears later
    seen: list[dict[str, Any]] = [await client.receive_json_from(timeout=5)]  # snapshot
    await database_sync_to_async(_poll)(feed, 1)  # the night's games exist, scheduled or live
    game_id = feed.board.night.games[0].game_id
    await client.send_json_to({"action": "subscribe", "game_id": game_id})
    for frame in ("{not json", '{"action": "dance"}', '{"action": "subscribe", "game_id": "1"}'):
        await client.send_to(text_data=frame)

    # Poll until the subscribed game is final: the real ingest and forecast paths send the rest.
    for _ in range(feed.board.last_tick() + 1):
        await database_sync_to_async(_poll)(feed, 4)
        seen += await drain(client, timeout=0.05)
        if any(m["type"] == "game_final" and m["game"]["game_id"] == game_id for m in seen):
            break
    await client.send_json_to({"action": "plays", "game_id": game_id, "after": 0})
    seen += await drain(client)
    await client.send_json_to({"action": "unsubscribe", "game_id": game_id})
    seen += await drain(client)
    await client.disconnect()

    # A client joining now gets predictions in its snapshot and the full minute list.
    late = await staff_connection()
    late_snapshot = await late.receive_json_from(timeout=5)
    seen.append(late_snapshot)
    await late.send_json_to({"action": "subscribe", "game_id": game_id})
    subscribed = await late.receive_json_from(timeout=5)
    seen.append(subscribed)
    await late.send_to(text_data="x" * (64 * 1024 + 1))  # an error, then the close
    seen.append(await late.receive_json_from(timeout=5))
    assert (await late.receive_output(timeout=5))["code"] == 4413

    for message in seen:
        assert_valid(message)
    assert {m["type"] for m in seen} == set(MESSAGE_TYPES)
    assert {m["code"] for m in seen if m["type"] == "error"} == {
        "invalid_json",
        "unknown_action",
        "unknown_game",
        "frame_too_large",
    }
    forecasts = [m for m in seen if m["type"] == "prediction" and m["game_id"] == game_id]
    assert forecasts and forecasts[0]["prediction"]["halftime"]["actual"] is None
    # The actual outcomes arrive as the game's next versions: prediction messages of their
    # own, after the update that revealed them (a game update never carries a prediction).
    assert [m["prediction"]["halftime"]["actual"] is not None for m in forecasts] == [
        False,
        True,
        True,
    ]
    assert [m["prediction"]["final"]["actual"] for m in forecasts][:2] == [None, None]
    assert forecasts[-1]["prediction"]["final"]["actual"] == subscribed["game"]["differential"]
    final = next(m for m in seen if m["type"] == "game_final" and m["game_id"] == game_id)
    # After the final: the recorded outcome, and the live forecast of the final state
    # unless the buzzer's state (no time left, the same score) was forecast already.
    after_final = [
        m["type"]
        for m in seen
        if m.get("game_id") == game_id
        and m.get("seq", 0) > final["seq"]
        and m["type"] in ("prediction", "forecast.update")
    ]
    assert after_final.count("prediction") == 1, after_final
    assert set(after_final) <= {"prediction", "forecast.update"}, after_final
    assert all(
        "prediction" not in m["game"]
        for m in seen
        if "game" in m
        and m["type"]
        in (
            "score_update",
            "game_final",
        )
    )
    # One scoreboard message per version of the game, each exactly once (a subscriber
    # too): its seq climbs 1, 2, 3, ...
    scoreboard = [
        m["seq"]
        for m in seen[1:]
        if m["type"] in ("score_update", "game_final", "prediction", "forecast.update")
        and m["game_id"] == game_id
    ]
    in_order = [
        m["seq"]
        for m in seen[1:]
        if m["type"] in ("score_update", "game_final", "prediction", "forecast.update")
        and m["game_id"] == game_id
    ]
    assert in_order == sorted(in_order)
    first = seen[0]["games"]
    start = next((g["seq"] for g in first if g["game_id"] == game_id), 0)
    assert scoreboard == list(range(start + 1, start + 1 + len(scoreboard)))
    assert subscribed["seq"] == scoreboard[-1] == subscribed["game"]["seq"]
    assert subscribed["game"]["status"] == "final" and subscribed["game"]["prediction"]
    assert [m["minute"] for m in subscribed["minutes"]] == list(
        range(1, len(subscribed["minutes"]) + 1)
    )
    assert len(subscribed["minutes"]) >= 48

    # The win-probability curve: one forecast.update per state of the game a poll
    # committed (its game time and score, from tip-off to the final); a client joining now
    # gets the whole series, in game-time order, in subscribed, and at most
    # SNAPSHOT_CURVE_POINTS of it (the first and the newest among them) in its snapshot.
    ours = [m for m in seen if m.get("game_id") == game_id]
    updates = [state_key(m["forecast"]) for m in ours if m["type"] == "forecast.update"]
    versions = {
        (m["game"]["elapsed_seconds"], m["game"]["home"]["score"], m["game"]["away"]["score"])
        for m in ours
        if m["type"] in ("score_update", "game_final") and m["game"]["period"] >= 1
    }
    expected = sorted(versions)
    assert sorted(updates) == expected and len(set(updates)) == len(updates)
    assert [state_key(p) for p in subscribed["game"]["win_probability"]] == expected
    assert subscribed["game"]["win_probability"][-1]["home_win_prob"] in (0.0, 1.0)  # decided
    late_game = next(g for g in late_snapshot["games"] if g["game_id"] == game_id)
    thinned = [state_key(point) for point in late_game["win_probability"]]
    assert len(expected) > SNAPSHOT_CURVE_POINTS == len(thinned)
    assert thinned == sorted(set(thinned)) and set(thinned) <= set(expected)
    assert (thinned[0], thinned[-1]) == (expected[0], expected[-1])
    # Plays: only the subscribed game's reach this socket, batched, chained without a gap
    # (each batch's ``previous`` is the one before's ``last``), in orderNumber order.
    plays = [m for m in seen if m["type"] == "play"]
    assert plays and {m["game_id"] for m in plays} == {game_id}
    assert all(len(m["plays"]) <= 20 for m in plays)
    assert [m["previous"] for m in plays[1:]] == [m["last"] for m in plays[:-1]]
    numbers = [p["order_number"] for m in plays for p in m["plays"]]
    assert numbers == sorted(numbers)
    assert {m["seq"] for m in plays} <= set(scoreboard) | {start}
    boxes = [m for m in seen if m["type"] == "boxscore" and m["game_id"] == game_id]
    final_box = {t["side"]: t for m in boxes for t in m["teams"]}
    assert final_box["home"]["points"] == subscribed["game"]["home"]["score"]
    [page] = [m for m in seen if m["type"] == "play_page"]
    paged = [p["order_number"] for p in page["plays"]]
    assert len(paged) == 100 and page["more"] and paged == sorted(paged)
    assert [n for n in numbers if n <= paged[-1]] == [n for n in paged if n >= numbers[0]]
    assert len(subscribed["plays"]) == 30 and subscribed["plays"][-1]["order_number"] == numbers[-1]
    assert subscribed["plays"][-1]["action_type"] == "game"
    # The reference client rebuilds the game's plays and box score from these frames alone.
    state = ClientState()
    upto = next(i for i, m in enumerate(seen) if m["type"] == "unsubscribed")
    outcomes = [state.apply(m) for m in seen[:upto]]
    assert "play_gap" not in outcomes and state.play_gaps == 0
    stored = await database_sync_to_async(
        lambda: list(
            Play.objects.filter(game_id=game_id).present().values_list("order_number", flat=True)
        )
    )()
    assert [p["order_number"] for p in state.play_list(game_id)] == stored
    assert (
        state.boxscores[game_id]["teams"]["home"]["points"] == subscribed["game"]["home"]["score"]
    )
    flow = subscribed["boxscore"]["flow"]
    assert sum(flow["line_score"]["home"]) == subscribed["game"]["home"]["score"]
    # Incremental messages carry no curve: their size does not grow with the game.
    assert all(
        "win_probability" not in m["game"]
        for m in seen
        if m["type"] in ("score_update", "game_final")
    )


async def test_a_schema_rejects_a_message_that_breaks_the_contract() -> None:
    client = await staff_connection()
    snapshot = await client.receive_json_from(timeout=2)
    await client.disconnect()
    del snapshot["version"]
    with pytest.raises(AssertionError):
        assert_valid(snapshot)
    with pytest.raises(AssertionError):
        assert_valid({**snapshot, "version": API_VERSION, "surprise": True})


async def test_plays_are_only_for_a_subscribed_game_and_after_is_checked() -> None:
    feed = await database_sync_to_async(build_replay_feed)()
    await database_sync_to_async(feed.reset)()
    await database_sync_to_async(_poll)(feed, 6)
    game_id = feed.board.night.games[0].game_id
    client = await staff_connection()
    await client.receive_json_from(timeout=5)  # snapshot
    await client.send_json_to({"action": "plays", "game_id": game_id, "after": 0})
    refused = await client.receive_json_from(timeout=5)
    assert (refused["type"], refused["code"]) == ("error", "not_subscribed")
    await client.send_json_to({"action": "subscribe", "game_id": game_id})
    subscribed = await client.receive_json_from(timeout=5)
    assert_valid(subscribed)
    await client.send_json_to({"action": "plays", "game_id": game_id, "after": -1})
    assert (await client.receive_json_from(timeout=5))["code"] == "invalid_message"
    newest = subscribed["plays"][-2]["order_number"]
    await client.send_json_to({"action": "plays", "game_id": game_id, "after": newest})
    page = await client.receive_json_from(timeout=5)
    assert_valid(page)
    assert [p["order_number"] for p in page["plays"]] == [subscribed["plays"][-1]["order_number"]]
    assert page["more"] is False and page["seq"] == subscribed["seq"]
    await client.disconnect()


async def test_the_scoreboard_group_gets_no_play_level_traffic() -> None:
    feed = await database_sync_to_async(build_replay_feed)()
    await database_sync_to_async(feed.reset)()
    await database_sync_to_async(_poll)(feed, 1)
    game_id = feed.board.night.games[0].game_id
    watcher, follower = await staff_connection(), await staff_connection()
    await watcher.receive_json_from(timeout=5)
    await follower.receive_json_from(timeout=5)
    await follower.send_json_to({"action": "subscribe", "game_id": game_id})
    await follower.receive_json_from(timeout=5)
    await database_sync_to_async(_poll)(feed, 3)
    watched, followed = await drain(watcher), await drain(follower)
    await watcher.disconnect()
    await follower.disconnect()
    assert {m["type"] for m in watched} & {"play", "boxscore"} == set()
    assert any(m["type"] == "score_update" for m in watched)
    kinds = {m["type"] for m in followed if m.get("game_id") == game_id}
    assert {"play", "boxscore"} <= kinds
    assert {m["game_id"] for m in followed if m["type"] in ("play", "boxscore")} == {game_id}
