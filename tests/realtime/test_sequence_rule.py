"""One sequence rule for every message, checked on the schemas and on a replayed night.

The rule (docs/websocket-api.md, "Sequence numbers"): a message that bumps a game's
``seq`` goes to every socket; a message only some sockets receive never bumps, it
carries the version it belongs to. The schemas say which is which (``x-seq``,
``x-audience``); the recorded night (support/night.py) shows the server obeys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from realtime import messages
from realtime.protocol import SCHEMA_DIR, ProtocolError, load_rules, rules
from support.client import ClientState
from support.night import RecordedNight

AUDIENCE_OF_GROUP = {"scoreboard": "all", "game": "subscribers", "alerts": "staff"}
# The night is played with database access (a session fixture); marking its tests tells
# pytest-django to set the test database up.
whole_night = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_every_message_schema_states_its_sequence_rule_and_audience() -> None:
    schemas = sorted(p for p in SCHEMA_DIR.glob("*.json") if p.stem != "common")
    assert {p.stem for p in schemas} == set(rules())
    for path in schemas:
        schema = json.loads(path.read_text())
        assert schema["x-seq"] in ("bumps", "carries", "board", "alerts", "none"), path.name
        assert schema["x-audience"] in ("all", "subscribers", "staff", "requester"), path.name
    assert {k for k, r in rules().items() if r.seq == "bumps"} == {
        "score_update",
        "game_final",
        "prediction",
        "forecast.update",
    }
    assert all(r.audience == "all" for r in rules().values() if r.seq == "bumps")
    # Alerts go to staff sockets only, so they never bump a game's seq: they have their own.
    assert {k: r.audience for k, r in rules().items() if r.seq == "alerts"} == {"alert": "staff"}


@pytest.mark.parametrize(
    ("annotations", "problem"),
    [
        ({}, "x-seq must be one of"),
        ({"x-seq": "bumps"}, "x-audience must be one of"),
        ({"x-seq": "bumps", "x-audience": "subscribers"}, "bumps a game's seq but goes to"),
        ({"x-seq": "bumps", "x-audience": "staff"}, "bumps a game's seq but goes to"),
        ({"x-seq": "alerts", "x-audience": "subscribers"}, "versions the alerts but goes to"),
    ],
)
def test_a_schema_without_its_rule_or_breaking_it_is_refused(
    tmp_path: Path, annotations: dict[str, str], problem: str
) -> None:
    schema = {"title": "t", **annotations, "properties": {"type": {"const": "play"}}}
    (tmp_path / "play.json").write_text(json.dumps(schema))
    with pytest.raises(ProtocolError, match=problem):
        load_rules(tmp_path)


@whole_night[0]
@whole_night[1]
def test_the_server_sends_each_message_to_the_audience_its_schema_names(
    night: RecordedNight,
) -> None:
    kinds = set()
    for _, batch, message in night.sent():
        audience = AUDIENCE_OF_GROUP[batch.group.split(".")[0]]
        assert rules()[message["type"]].audience == audience, (batch.group, message["type"])
        kinds.add(message["type"])
    assert kinds == {
        "alert",
        "board",
        "score_update",
        "game_final",
        "prediction",
        "forecast.update",
        "pattern_progress",
    }
    requested = {f["type"] for frames in night.frames.values() for f in frames} - kinds
    assert {rules()[kind].audience for kind in requested} == {"requester"}


@whole_night[0]
@whole_night[1]
def test_every_bumping_message_reached_every_socket_once_in_order(night: RecordedNight) -> None:
    final_seq = {row["game_id"]: row["seq"] for row in night.rows["game"]}
    bumping = {k for k, r in rules().items() if r.seq == "bumps"}
    for name, frames in night.frames.items():
        seen: dict[str, list[int]] = {}
        start: dict[str, int] = {}
        for frame in frames:
            if frame["type"] == "snapshot" and frame["reason"] == "connect":
                start = {g["game_id"]: g["seq"] for g in frame["games"]}
            elif frame["type"] in bumping:
                seen.setdefault(frame["game_id"], []).append(frame["seq"])
        assert set(seen) == set(final_seq), name
        for game_id, seqs in seen.items():
            first = start.get(game_id, 0) + 1
            assert seqs == list(range(first, final_seq[game_id] + 1)), (name, game_id)


def _client(frames: list[dict[str, Any]]) -> ClientState:
    state = ClientState()
    for frame in frames:
        assert state.apply(frame) != "gap", frame
    return state


@whole_night[0]
@whole_night[1]
def test_a_stale_state_plus_the_events_equals_a_fresh_snapshot(night: RecordedNight) -> None:
    fresh = ClientState()
    fresh.apply(night.fresh_snapshot)
    for message in night.fresh_subscribed.values():
        fresh.apply(message)
    for name, frames in night.frames.items():
        state = _client(frames)
        assert state.board == fresh.board, name
        assert state.seqs == fresh.seqs, name
        assert (state.alert_seq, state.alerts) == (fresh.alert_seq, fresh.alerts), name
        assert state.games == fresh.games, name
        for game_id, curve in state.curves.items():
            whole = fresh.curves[game_id]
            assert curve.items() <= whole.items(), (name, game_id)
            followed = game_id in night.subscriptions[name] or name == "early"
            assert curve == whole or not followed, (name, game_id)
        for game_id in night.subscriptions[name]:
            assert state.minutes[game_id] == fresh.minutes[game_id], (name, game_id)


@whole_night[0]
@whole_night[1]
def test_a_resync_with_seqs_sends_only_the_games_the_client_is_not_current_on(
    night: RecordedNight,
) -> None:
    late = night.frames["late"]
    resyncs = [f for f in late if f["type"] == "snapshot" and f["reason"] == "resync"]
    first, last = resyncs
    board_games = {row["game_id"] for row in night.rows["game"]}
    assert first["games"] == [] and set(first["current"]) == board_games
    [stale] = last["games"]
    assert set(last["current"]) == board_games - {stale["game_id"]}
    assert len(json.dumps(last)) < len(json.dumps(night.fresh_snapshot)) / 3


def _bytes_by_minute(night: RecordedNight, game_id: str) -> dict[str, dict[str, list[int]]]:
    """Encoded size of each incremental message about ``game_id``, early vs late."""
    sizes: dict[str, dict[str, list[int]]] = {}
    for _, _, message in night.sent():
        if message.get("game_id") != game_id:
            continue
        if message["type"] in ("score_update", "game_final"):
            minute = message["game"]["elapsed_seconds"] / 60
        elif message["type"] == "forecast.update":
            minute = message["forecast"]["elapsed_seconds"] / 60
        elif message["type"] == "pattern_progress":
            minute = message["minutes"][-1]["minute"]
        else:
            continue  # prediction: once per game, at minute 18
        phase = "early" if minute <= 4 else "late" if minute >= 44 else None
        if phase:
            size = len(json.dumps(message))
            if message["type"] == "pattern_progress":  # a poll may close two minutes
                size //= len(message["minutes"])
            sizes.setdefault(message["type"], {}).setdefault(phase, []).append(size)
    return sizes


@whole_night[0]
@whole_night[1]
def test_each_message_and_each_poll_cost_the_same_late_in_a_game_as_early(
    night: RecordedNight,
) -> None:
    for game in night.rows["game"]:
        game_id = game["game_id"]
        sizes = _bytes_by_minute(night, game_id)
        for kind in ("score_update", "forecast.update", "pattern_progress"):
            early, late = sizes[kind]["early"], sizes[kind]["late"]
            assert max(late) <= 1.2 * max(early), (game_id, kind, max(early), max(late))
        # The poll that moved the game at minute <= 4 and at >= 44: its own queries.
        early_polls, late_polls = [], []
        for poll, _, message in night.sent("score_update"):
            if message["game_id"] == game_id:
                minute = message["game"]["elapsed_seconds"] / 60
                if minute <= 4:
                    early_polls.append(poll.queries)
                elif minute >= 44:
                    late_polls.append(poll.queries)
        assert early_polls and late_polls, game_id
        assert max(late_polls) <= 1.2 * max(early_polls), (game_id, early_polls, late_polls)
        forecasts = [t for t in night.tasks if t.kind == "forecast" and t.game_id == game_id]
        early_tasks = [t.queries for t in forecasts if t.minute <= 4]
        late_tasks = [t.queries for t in forecasts if t.minute >= 44]
        assert max(late_tasks) <= 1.2 * max(early_tasks), (game_id, early_tasks, late_tasks)


def test_the_snapshot_bounds_a_curve_and_keeps_its_ends() -> None:
    series: list[Any] = [{"elapsed_seconds": 60.0 * m} for m in range(1, 58)]
    thinned = messages.thin_curve(series)
    assert len(thinned) == messages.SNAPSHOT_CURVE_POINTS
    assert (thinned[0], thinned[-1]) == (series[0], series[-1])
    assert messages.thin_curve(series[:5]) == series[:5]
