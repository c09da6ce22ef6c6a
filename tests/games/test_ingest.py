from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from games.feed.parser import parse_scoreboard
from games.models import Game, MinuteDifferential, Snapshot
from games.services import ingest_scoreboard
from realtime import messages
from support.payloads import at_minute, board, game_json

pytestmark = pytest.mark.django_db


def ingest(payload: dict[str, Any]):  # type: ignore[no-untyped-def]
    return ingest_scoreboard(parse_scoreboard(payload))


def test_it_persists_a_real_scoreboard(scoreboard_payload: dict[str, Any]) -> None:
    result = ingest(scoreboard_payload)

    assert result.games == 3
    gsw = Game.objects.get(pk="0042200163")
    assert (gsw.home_tricode, gsw.home_score, gsw.away_score, gsw.period) == ("GSW", 39, 30, 2)
    assert gsw.last_closed_minute == 16  # 7:15 left in Q2 = elapsed 1005 s = minute 16.75
    assert Snapshot.objects.count() == 3
    # The poller saw each game only once: everything before is imputed from 0-0.
    assert MinuteDifferential.objects.filter(game=gsw, imputed=False).count() == 0


def test_re_polling_the_same_payload_changes_nothing(
    scoreboard_payload: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    ingest(scoreboard_payload)
    counts = (Game.objects.count(), Snapshot.objects.count(), MinuteDifferential.objects.count())

    with CaptureQueriesContext(connection) as queries:
        result = ingest(scoreboard_payload)

    assert (result.snapshots, result.minutes) == (0, 0)
    assert (
        Game.objects.count(),
        Snapshot.objects.count(),
        MinuteDifferential.objects.count(),
    ) == counts
    writes = [
        q["sql"]
        for q in queries
        if not q["sql"].startswith(("SELECT", "SAVEPOINT", "RELEASE", "SET LOCAL"))
    ]
    assert writes == []


def test_a_poll_costs_a_fixed_number_of_queries_whatever_the_slate(
    django_assert_max_num_queries: Any,
) -> None:
    slate = [at_minute(5, 10, 8, game_id=f"00224000{i:02d}") for i in range(15)]
    ingest(board(*[at_minute(4, 8, 8, game_id=g["gameId"]) for g in slate]))
    # SET LOCAL, lock, game upsert, snapshots, minutes, the changed games' win-probability
    # series (one query for the slate) (+ savepoint bookkeeping in tests)
    with django_assert_max_num_queries(8):
        result = ingest(board(*slate))
    assert result.minutes == 15 and result.snapshots == 15


def test_a_snapshot_is_written_only_when_the_state_changes() -> None:
    ingest(board(at_minute(1.5, 2, 0)))
    ingest(board(at_minute(1.5, 2, 0)))
    ingest(board(at_minute(1.75, 2, 0)))
    ingest(board(at_minute(1.75, 2, 0)))
    assert Snapshot.objects.count() == 2


def test_minutes_close_across_the_quarter_break_and_halftime() -> None:
    payloads = [at_minute(m + 0.5, m, 0) for m in range(0, 12)]
    payloads.append(game_json(period=1, clock="PT00M00.00S", home=13, away=10, text="End of Q1"))
    payloads.append(game_json(period=1, clock="", home=13, away=10, text="End of Q1"))
    payloads += [at_minute(m + 0.5, 13 + m, 10) for m in range(12, 24)]
    payloads.append(game_json(period=2, clock="", home=40, away=30, text="Half"))
    for payload in payloads:
        ingest(board(payload))

    rows = {r.minute: r for r in MinuteDifferential.objects.all()}
    assert sorted(rows) == list(range(1, 25))
    assert rows[12].differential == 3 and not rows[12].imputed
    assert rows[13].differential == 13 + 12 - 10  # state at 12.5 min
    assert rows[24].differential == 10 and not rows[24].imputed


def test_a_status_that_regresses_is_ignored_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ingest(board(game_json(status=3, period=4, clock="", home=100, away=90)))
    ingest(board(at_minute(40, 80, 80)))
    game = Game.objects.get()
    assert (game.status, game.home_score) == (3, 100)
    assert "ignored a state: status regressed from final" in caplog.text


def test_a_game_is_closed_through_overtime_when_it_ends() -> None:
    ingest(board(at_minute(47.5, 100, 98)))
    ingest(board(game_json(period=5, clock="", home=110, away=104, status=3, text="Final/OT")))
    game = Game.objects.get()
    assert game.last_closed_minute == 53
    assert MinuteDifferential.objects.get(minute=53).differential == 6


@pytest.mark.django_db(transaction=True)
def test_minute_18_claims_the_forecast_exactly_once_with_two_concurrent_polls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queued: list[str] = []
    monkeypatch.setattr("predictions.receivers.queue_prediction", queued.append)
    ingest(board(at_minute(17.5, 30, 25)))
    barrier = threading.Barrier(2)
    results: list[list[str]] = []

    def poll() -> None:
        barrier.wait()
        try:
            results.append(ingest(board(at_minute(18.2, 32, 25))).predictions_queued)
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [[], ["0042200163"]]
    assert queued == ["0042200163"]
    assert MinuteDifferential.objects.filter(minute=18).count() == 1
    ingest(board(at_minute(19.5, 34, 25)))
    assert queued == ["0042200163"]


def test_minute_18_first_seen_after_halftime_queues_no_forecast(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[str] = []
    monkeypatch.setattr("predictions.receivers.queue_prediction", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest(
            board(game_json(period=3, clock="PT10M00.00S", home=60, away=50, text="Q3"))
        )
    assert result.predictions_queued == [] and queued == []


def test_pushes_are_sent_only_after_commit(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, list[dict[str, Any]]]] = []
    monkeypatch.setattr("realtime.broadcast.send_now", sent.extend)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ingest(board(at_minute(1.5, 2, 0)))
    assert sent == []
    for callback in callbacks:
        callback()
    groups = [group for group, _ in sent]
    assert groups == ["scoreboard", "game.0042200163"]
    scoreboard_message = sent[0][1][0]
    assert (
        scoreboard_message["type"] == "score_update"
        and scoreboard_message["version"] == messages.API_VERSION
    )
    assert scoreboard_message["game"]["home"]["score"] == 2
    progress = sent[1][1][0]
    assert progress["type"] == "pattern_progress"
    assert progress["minutes"] == [
        {"minute": 1, "differential": 0, "home_score": 0, "away_score": 0, "imputed": True}
    ]


@pytest.mark.parametrize(("synchronous", "expected"), [(False, 1), (True, 0)])
def test_a_poll_commits_without_waiting_for_disk_unless_configured(
    settings: Any, synchronous: bool, expected: int
) -> None:
    settings.POLL_SYNCHRONOUS_COMMIT = synchronous
    with CaptureQueriesContext(connection) as queries:
        ingest(board(at_minute(1.5, 2, 0)))
    sql = [q["sql"] for q in queries]
    assert sql.count("SET LOCAL synchronous_commit TO OFF") == expected
