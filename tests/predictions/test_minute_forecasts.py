"""The forecast after every closed minute: stored once per (game, minute, model version),
computed off the poll path from database rows, pushed after commit with the next seq."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from forecasting.minute_model import team_strength_from_results
from games.feed.parser import parse_scoreboard
from games.feed.types import GameStatus
from games.models import Game
from games.services import ingest_scoreboard
from predictions import services
from predictions.models import MinuteForecast
from predictions.registry import load_minute_model
from predictions.services import (
    forecast_minute,
    is_forecast_minute,
    team_strengths,
)
from predictions.tasks import forecast_minutes
from realtime import broadcast, messages
from realtime.payloads import forecast_point, win_probabilities
from support.payloads import at_minute, board, game_json

GAME = "0042200163"
Sent = list[tuple[str, list[dict[str, Any]]]]


@pytest.fixture(autouse=True)
def no_cached_strengths() -> None:
    services._strengths.cache_clear()  # each test builds its own season


def poll(payload: dict[str, Any]) -> None:
    with transaction.atomic():
        ingest_scoreboard(parse_scoreboard(board(payload)))


def play_through_overtime() -> None:
    """A whole game, one poll per minute, tied after regulation, won in overtime."""
    for minute in range(48):
        poll(at_minute(minute + 0.5, 2 * minute, 2 * minute - minute % 3))
    poll(game_json(period=5, clock="PT03M30.00S", home=96, away=96, text="OT1"))  # 48, 49
    poll(game_json(period=5, clock="", home=104, away=99, status=3, text="Final/OT"))  # ..53


def forecast_updates(sent: Sent) -> list[tuple[str, dict[str, Any]]]:
    return [(group, m) for group, ms in sent for m in ms if m["type"] == "forecast.update"]


def test_the_forecast_minutes_are_1_to_47_and_every_overtime_minute_but_a_periods_last() -> None:
    minutes = [m for m in range(69) if is_forecast_minute(m)]
    assert minutes == [
        *range(1, 48),
        *range(49, 53),
        *range(54, 58),
        *range(59, 63),
        *range(64, 68),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_replayed_game_gets_one_forecast_per_closed_minute_pushed_with_the_next_seq(
    eager_celery: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: Sent = []
    monkeypatch.setattr(broadcast, "send_now", sent.extend)
    monkeypatch.setattr("predictions.receivers.queue_prediction", lambda game_id: None)
    play_through_overtime()

    version = load_minute_model().version
    rows = list(MinuteForecast.objects.filter(game_id=GAME).order_by("minute"))
    expected = [*range(1, 48), *range(49, 53)]
    assert [row.minute for row in rows] == expected
    assert {row.model_version for row in rows} == {version}
    assert all(0 <= r.home_win_prob <= 1 and r.lo95 <= r.lo90 <= r.hi90 <= r.hi95 for r in rows)
    # Every forecast reached the scoreboard group (every socket is in it) once, in minute
    # order, each as its own version of the game: no seq is shared with another message.
    updates = forecast_updates(sent)
    assert {group for group, _ in updates} == {messages.SCOREBOARD_GROUP}
    scoreboard = [m for _, m in updates]
    assert [m["forecast"]["minute"] for m in scoreboard] == expected
    assert scoreboard[0]["forecast"] == {**forecast_point(rows[0]), "model_version": version}
    seqs = [m["seq"] for group, ms in sent if group == messages.SCOREBOARD_GROUP for m in ms]
    assert seqs == list(range(1, len(seqs) + 1))
    assert Game.objects.get(pk=GAME).seq == seqs[-1]
    # The game's series, as every game object carries it.
    assert [p["minute"] for p in win_probabilities([GAME])[GAME]] == expected

    # The same task again (a retry, a duplicate delivery): nothing new, nothing sent.
    sent.clear()
    seq = Game.objects.get(pk=GAME).seq
    assert forecast_minutes({GAME: list(range(1, 54))}) == 0
    assert MinuteForecast.objects.count() == len(expected)
    assert Game.objects.get(pk=GAME).seq == seq and sent == []


@pytest.mark.django_db
def test_forecast_update_is_sent_only_after_commit_with_the_games_next_seq(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: Sent = []
    monkeypatch.setattr(broadcast, "send_now", sent.extend)
    with django_capture_on_commit_callbacks(execute=False):  # no task queued
        for minute in (0.5, 1.5, 2.5):
            poll(at_minute(minute, 3 * int(minute), int(minute)))
    before = Game.objects.get(pk=GAME).seq

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = forecast_minute(GAME, 2)
    assert row is not None and sent == []
    for callback in callbacks:
        callback()
    [(group, [message])] = sent
    assert group == messages.SCOREBOARD_GROUP and message["type"] == "forecast.update"
    assert (message["game_id"], message["seq"]) == (GAME, before + 1)
    assert message["forecast"]["minute"] == 2
    assert Game.objects.get(pk=GAME).seq == before + 1


@pytest.mark.django_db
def test_the_task_costs_a_fixed_number_of_queries_per_minute(
    django_capture_on_commit_callbacks: Any, django_assert_num_queries: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        for minute in range(30):
            poll(at_minute(minute + 0.5, 2 * minute, minute))
    load_minute_model()
    # Per minute: its minutes so far (with the game's date and teams), then the game's seq
    # bumped (the row locked), the row inserted (+ savepoint and release in tests); the
    # season's results of both teams once per game and process.
    with django_assert_num_queries(1 + 1 + 2 + 2):
        assert forecast_closed({GAME: [28]}) == 1
    with django_assert_num_queries(2 * (1 + 2 + 2)):
        assert forecast_closed({GAME: [10, 29]}) == 2


def forecast_closed(closed: dict[str, list[int]]) -> int:
    return int(forecast_minutes.run(closed))


@pytest.mark.django_db
def test_team_strength_counts_the_seasons_finished_games_before_the_date_only() -> None:
    poll(at_minute(3.5, 8, 4))
    game = Game.objects.get(pk=GAME)
    game.game_date = dt.date(2025, 2, 10)
    game.save()
    home, away = game.home_team_id, game.away_team_id

    def past(pk: str, day: dt.date, teams: tuple[int, int], score: tuple[int, int], **kw: Any):  # type: ignore[no-untyped-def]
        other = Game.objects.get(pk=GAME)
        other.pk, other.game_date, other.status = pk, day, kw.get("status", GameStatus.FINAL)
        other.home_team_id, other.away_team_id = teams
        other.home_score, other.away_score = score
        other.save(force_insert=True)

    past("0022400001", dt.date(2024, 11, 1), (home, 99), (110, 100))  # counts: home +10
    past("0022400002", dt.date(2025, 1, 5), (99, home), (120, 101))  # counts: home -19
    past("0022400003", dt.date(2025, 1, 6), (away, home), (90, 95))  # both: away -5, home +5
    past("0022300004", dt.date(2024, 4, 1), (home, away), (130, 90))  # last season
    past("0022400005", dt.date(2025, 2, 10), (home, away), (130, 90))  # the same day
    past("0022400006", dt.date(2025, 2, 1), (away, 98), (100, 90), status=GameStatus.LIVE)

    strength_home, strength_away = team_strengths(game)
    day = game.game_date
    assert strength_home == team_strength_from_results(
        [(dt.date(2024, 11, 1), 10), (dt.date(2025, 1, 5), -19), (dt.date(2025, 1, 6), 5)], day
    )
    assert strength_away == team_strength_from_results([(dt.date(2025, 1, 6), -5)], day)
    assert (strength_home.games, strength_away.games) == (3, 1)


@pytest.mark.django_db
def test_the_series_holds_the_newest_forecast_of_each_minute_in_minute_order(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        poll(at_minute(3.5, 8, 4))
    point = {"final_margin": 1.0, "lo90": -9, "hi90": 9}
    wide = {"lo95": -12, "hi95": 12}
    for minute, version, prob in ((2, "old", 0.6), (1, "old", 0.55), (2, "new", 0.7)):
        MinuteForecast.objects.create(
            game_id=GAME, minute=minute, model_version=version, **{**point, **wide},
            home_win_prob=prob,
        )  # fmt: skip
    series = win_probabilities([GAME, "0000000000"])
    assert [(p["minute"], p["home_win_prob"]) for p in series[GAME]] == [(1, 0.55), (2, 0.7)]
    assert series["0000000000"] == []


@pytest.mark.django_db
def test_the_game_admin_shows_the_minute_forecasts_inline_read_only(
    admin_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        for minute in (0.5, 1.5, 2.5):
            poll(at_minute(minute, 3 * int(minute), int(minute)))
    made = [forecast_minute(GAME, minute) for minute in (1, 2)]
    html = admin_client.get(f"/admin/games/game/{GAME}/change/").content.decode()
    assert "Minute forecasts" in html
    for row in made:
        assert row is not None
        assert f"{row.home_win_prob}" in html and row.model_version in html
    assert 'name="minute_forecasts-0-home_win_prob"' not in html  # shown, not editable
    assert 'name="minute_forecasts-0-DELETE"' not in html
