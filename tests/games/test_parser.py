from __future__ import annotations

import copy
import datetime as dt
import logging
from typing import Any

import pytest

from games.clock import ClockFormatError, elapsed_seconds, parse_clock
from games.feed.parser import PayloadError, parse_scoreboard
from support.payloads import board, game_json


def test_it_parses_every_game_of_a_real_scoreboard(scoreboard_payload: dict[str, Any]) -> None:
    result = parse_scoreboard(scoreboard_payload)

    assert result.rejected == []
    assert result.game_date == dt.date(2023, 4, 20)
    assert [g.game_id for g in result.games] == ["0042200163", "0042200173", "0042200123"]
    gsw = result.games[0]
    assert (gsw.status, gsw.status_text, gsw.period) == (2, "Q2 07:15", 2)
    assert gsw.clock_seconds == 435.0
    assert gsw.elapsed == 720 + 720 - 435  # 7:15 left in Q2
    assert (gsw.home.tricode, gsw.home.score, gsw.away.tricode, gsw.away.score) == (
        "GSW",
        39,
        "SAC",
        30,
    )
    assert (gsw.home.team_id, gsw.home.city, gsw.home.name) == (
        1610612744,
        "Golden State",
        "Warriors",
    )
    assert (gsw.away.wins, gsw.away.losses) == (2, 0)
    assert gsw.start_time == dt.datetime(2023, 4, 21, 2, 0, tzinfo=dt.UTC)
    final = result.games[2]
    assert (final.status, final.clock_seconds, final.elapsed) == (3, None, 2880.0)
    assert (final.home.score, final.away.score) == (97, 102)


@pytest.mark.parametrize(
    ("clock", "seconds"),
    [
        ("PT05M23.00S", 323.0),
        ("PT00M45.30S", 45.3),
        ("PT12M00.00S", 720.0),
        ("PT00M00.00S", 0.0),
        ("PT04M59S", 299.0),
        ("", None),
        ("  ", None),
    ],
)
def test_it_reads_every_clock_format_seen_for_real(clock: str, seconds: float | None) -> None:
    assert parse_clock(clock) == seconds


@pytest.mark.parametrize("clock", ["5:23", "PT", "PTxxM", "05M23S", "PT05M23.00"])
def test_it_refuses_a_clock_it_does_not_know(clock: str) -> None:
    with pytest.raises(ClockFormatError):
        parse_clock(clock)


def test_overtime_periods_last_five_minutes() -> None:
    assert elapsed_seconds(5, 300) == 2880
    assert elapsed_seconds(5, 0) == 2880 + 300
    assert elapsed_seconds(6, 45.3) == pytest.approx(2880 + 300 + 254.7)
    with pytest.raises(ValueError):
        elapsed_seconds(5, 301)


def test_an_empty_clock_at_a_break_is_the_end_of_the_period() -> None:
    result = parse_scoreboard(
        board(
            game_json("0000000001", period=2, clock="", text="Half"),
            game_json("0000000002", period=1, clock="", text="End of Q1"),
            game_json("0000000003", period=3, clock="", text="Q3"),  # not started ticking
            game_json("0000000004", status=1, period=0, clock="", text="7:30 pm ET"),
        )
    )
    assert [g.elapsed for g in result.games] == [1440.0, 720.0, 1440.0, 0.0]


def test_a_malformed_game_is_rejected_with_a_reason_and_the_others_go_through(
    scoreboard_payload: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    payload = copy.deepcopy(scoreboard_payload)
    games = payload["scoreboard"]["games"]
    del games[0]["homeTeam"]["score"]
    games[1]["gameClock"] = "7:15"
    games.append("not a game")
    with caplog.at_level(logging.WARNING, logger="games.feed.parser"):
        result = parse_scoreboard(payload)

    assert [g.game_id for g in result.games] == ["0042200123"]
    reasons = {r.game_id: r.reason for r in result.rejected}
    assert reasons["0042200163"] == "missing field 'score'"
    assert "unrecognised clock '7:15'" in reasons["0042200173"]
    assert "#3" in reasons
    assert "rejected game 0042200163: missing field 'score'" in caplog.text


@pytest.mark.parametrize(
    "change",
    [
        {"gameId": "42"},
        {"gameStatus": 7},
        {"period": -1},
        {"gameTimeUTC": "2023-04-21T02:00:00"},
        {"homeTeam": None},
    ],
)
def test_it_rejects_impossible_values(change: dict[str, Any]) -> None:
    game = game_json()
    game.update(change)
    result = parse_scoreboard(board(game))
    assert result.games == [] and len(result.rejected) == 1


@pytest.mark.parametrize("payload", [None, [], {"scoreboard": {}}, {"meta": {}}, "<html>"])
def test_a_payload_that_is_not_a_scoreboard_is_an_error(payload: Any) -> None:
    with pytest.raises(PayloadError):
        parse_scoreboard(payload)
