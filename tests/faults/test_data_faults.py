"""Feed data that contradicts what was stored: corrections, regressions, vanishing, rollover."""

from __future__ import annotations

from typing import Any

import pytest

from games.feed.types import GameStatus
from games.models import Game, Snapshot
from games.services import poll_scoreboard
from realtime.payloads import current_games
from support.payloads import at_minute, board, game_json
from support.rows import StaticFeed, counts, minutes_of

pytestmark = pytest.mark.django_db

OTHER = "0042200173"


def poll(*payloads: dict[str, Any]) -> None:
    feed = StaticFeed(*payloads)
    for _ in payloads:
        poll_scoreboard(feed)


def test_a_score_that_goes_backwards_is_a_logged_stat_correction(
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll(board(at_minute(5.5, 12, 10)), board(at_minute(5.8, 15, 10)))

    poll(board(at_minute(6.2, 13, 10)))  # the three was a two

    game = Game.objects.get()
    assert (game.home_score, game.away_score) == (13, 10)
    assert Snapshot.objects.filter(home_score=13).count() == 1
    assert minutes_of(game.pk)[-1] == (6, 5)  # minute 6 closed on the last state before it
    assert "accepted a stat correction: score went back from 15-10 to 13-10" in caplog.text
    before = counts()
    poll(board(at_minute(6.2, 13, 10)))  # the same correction again: nothing new
    assert {**counts(), "polls": before["polls"]} == before


def test_a_live_game_that_regresses_to_scheduled_is_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll(board(at_minute(8.5, 20, 18)))
    before = counts()

    poll(board(game_json(status=1, period=0, clock="", text="7:30 pm ET")))

    game = Game.objects.get()
    assert (game.status, game.home_score, game.last_closed_minute) == (GameStatus.LIVE, 20, 8)
    assert {**counts(), "polls": before["polls"]} == before
    assert "ignored a state: status regressed to scheduled" in caplog.text


def test_a_game_that_vanishes_from_the_scoreboard_is_kept_and_comes_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll(board(at_minute(9.5, 20, 18), at_minute(2.5, 4, 4, game_id=OTHER)))
    before = counts()

    poll(board(at_minute(3.5, 6, 4, game_id=OTHER)))  # 0042200163 is gone

    game = Game.objects.get(pk="0042200163")
    assert (game.status, game.home_score, game.last_closed_minute) == (GameStatus.LIVE, 20, 9)
    assert len(minutes_of(game.pk)) == 9
    assert counts()["snapshots"] == before["snapshots"] + 1  # only the other game moved
    assert "live games missing from the 2023-04-20 scoreboard" in caplog.text
    assert "0042200163" in caplog.text

    poll(board(at_minute(11.5, 25, 22), at_minute(3.5, 6, 4, game_id=OTHER)))
    game.refresh_from_db()
    assert game.last_closed_minute == 11
    assert [m for m, _ in minutes_of(game.pk)] == list(range(1, 12))  # no gap, no duplicate


def test_a_game_live_across_the_scoreboard_rollover_keeps_its_date_and_its_minutes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    poll(board(at_minute(40.5, 90, 88)))
    caplog.set_level("INFO", logger="games.services")
    tomorrow = game_json(OTHER, status=1, period=0, clock="", text="7:00 pm ET")

    poll(board(at_minute(42.5, 95, 92), tomorrow, date="2023-04-21"))

    late = Game.objects.get(pk="0042200163")
    assert str(late.game_date) == "2023-04-20" and late.last_closed_minute == 42
    assert str(Game.objects.get(pk=OTHER).game_date) == "2023-04-21"
    assert sorted(current_games().values_list("pk", flat=True)) == ["0042200163", OTHER]
    assert "scoreboard date rolled over from 2023-04-20 to 2023-04-21" in caplog.text
    assert "still live: 0042200163" in caplog.text

    poll(
        board(
            game_json(status=3, period=4, clock="", home=101, away=99), tomorrow, date="2023-04-21"
        )
    )
    late.refresh_from_db()
    assert late.status == GameStatus.FINAL and late.last_closed_minute == 48
    assert [m for m, _ in minutes_of(late.pk)] == list(range(1, 49))
    assert list(current_games().values_list("pk", flat=True)) == [OTHER]
