"""The live forecast at every state of a game: the state model's home win probability and
final margin, stored once per (game, state, model version), computed off the poll path from
the committed state, pushed after commit with the game's next seq."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from django.db import transaction

from forecasting.state_model import GameState
from games.feed.parser import parse_scoreboard
from games.feed.types import GameStatus
from games.models import Game
from games.services import ingest_scoreboard
from predictions import services
from predictions.models import LiveForecast
from predictions.registry import load_state_model
from predictions.services import Moment, game_state, make_live_forecast, pregame
from predictions.tasks import forecast_live_states
from realtime import broadcast, messages
from realtime.payloads import forecast_point, win_probabilities
from support.payloads import at_minute, board, game_json

GAME = "0042200163"
Sent = list[tuple[str, list[dict[str, Any]]]]


@pytest.fixture(autouse=True)
def no_cached_pregame() -> None:
    from games import plays

    services.pregame.cache_clear()  # each test builds its own season
    plays._folds.clear()  # ... and its own plays


def poll(payload: dict[str, Any]) -> None:
    with transaction.atomic():
        ingest_scoreboard(parse_scoreboard(board(payload)))


def play_through_overtime() -> list[tuple[float, int, int]]:
    """A whole game, one poll per minute, tied after regulation, won in overtime; the
    states (game seconds, home, away) the polls committed."""
    states = []
    for minute in range(48):
        home, away = 2 * minute, 2 * minute - minute % 3
        poll(at_minute(minute + 0.5, home, away))
        states.append((60 * (minute + 0.5), home, away))
    poll(game_json(period=5, clock="PT03M30.00S", home=96, away=96, text="OT1"))
    states.append((2880 + 90.0, 96, 96))
    poll(game_json(period=5, clock="", home=104, away=99, status=3, text="Final/OT"))
    states.append((2880 + 300.0, 104, 99))
    return states


def forecast_updates(sent: Sent) -> list[tuple[str, dict[str, Any]]]:
    return [(group, m) for group, ms in sent for m in ms if m["type"] == "forecast.update"]


def state_of(point: Mapping[str, Any]) -> tuple[float, int, int]:
    return (point["elapsed_seconds"], point["home_score"], point["away_score"])


@pytest.mark.django_db(transaction=True)
def test_a_replayed_game_gets_one_forecast_per_state_pushed_with_the_next_seq(
    eager_celery: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: Sent = []
    monkeypatch.setattr(broadcast, "send_now", sent.extend)
    monkeypatch.setattr("predictions.receivers.queue_prediction", lambda game_id: None)
    states = play_through_overtime()

    version = load_state_model().version
    rows = list(LiveForecast.objects.filter(game_id=GAME).order_by("elapsed_seconds"))
    assert [(r.elapsed_seconds, r.home_score, r.away_score) for r in rows] == states
    assert {row.model_version for row in rows} == {version}
    assert all(0 <= r.home_win_prob <= 1 and r.lo95 <= r.lo90 <= r.hi90 <= r.hi95 for r in rows)
    assert rows[-1].home_win_prob == 1.0 and rows[-1].period == 5  # decided: the home team won
    # Every forecast reached the scoreboard group (every socket is in it) once, in game
    # order, each as its own version of the game: no seq is shared with another message.
    updates = forecast_updates(sent)
    assert {group for group, _ in updates} == {messages.SCOREBOARD_GROUP}
    scoreboard = [m for _, m in updates]
    assert [state_of(m["forecast"]) for m in scoreboard] == states
    assert scoreboard[0]["forecast"] == {**forecast_point(rows[0]), "model_version": version}
    seqs = [m["seq"] for group, ms in sent if group == messages.SCOREBOARD_GROUP for m in ms]
    assert seqs == list(range(1, len(seqs) + 1))
    assert Game.objects.get(pk=GAME).seq == seqs[-1]
    assert [state_of(p) for p in win_probabilities([GAME])[GAME]] == states

    # The same task again (a retry, a duplicate delivery): nothing new, nothing sent.
    sent.clear()
    seq = Game.objects.get(pk=GAME).seq
    moment = Moment.of(Game.objects.get(pk=GAME)).as_task_argument()
    assert forecast_live_states.run([moment, moment]) == 0
    assert LiveForecast.objects.count() == len(states)
    assert Game.objects.get(pk=GAME).seq == seq and sent == []


@pytest.mark.django_db
def test_forecast_update_is_sent_only_after_commit_with_the_games_next_seq(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: Sent = []
    monkeypatch.setattr(broadcast, "send_now", sent.extend)
    with django_capture_on_commit_callbacks(execute=False):  # no task queued
        poll(at_minute(2.5, 6, 2))
    before = Game.objects.get(pk=GAME).seq

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = make_live_forecast(Moment.of(Game.objects.get(pk=GAME)))
    assert row is not None and sent == []
    for callback in callbacks:
        callback()
    [(group, [message])] = sent
    assert group == messages.SCOREBOARD_GROUP and message["type"] == "forecast.update"
    assert (message["game_id"], message["seq"]) == (GAME, before + 1)
    assert state_of(message["forecast"]) == (150.0, 6, 2) and message["forecast"]["period"] == 1
    assert Game.objects.get(pk=GAME).seq == before + 1


@pytest.mark.django_db
def test_the_poll_queues_one_task_for_its_games_and_none_for_a_scheduled_game(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[list[dict[str, Any]]] = []
    monkeypatch.setattr(forecast_live_states, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        poll(game_json(period=0, clock="", home=0, away=0, status=1, text="7:30 pm ET"))
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        poll(at_minute(5.25, 12, 9))
    [[moment]] = queued
    assert (moment["game_id"], moment["elapsed_seconds"], moment["period"]) == (GAME, 315.0, 1)
    assert (moment["home_score"], moment["away_score"], moment["final"]) == (12, 9, False)


@pytest.mark.django_db
def test_the_task_costs_a_fixed_number_of_queries_per_state(
    django_capture_on_commit_callbacks: Any, django_assert_num_queries: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        for minute in range(30):
            poll(at_minute(minute + 0.5, 2 * minute, minute))
    load_state_model()
    moment = Moment.of(Game.objects.get(pk=GAME))
    # The season's results of both teams once per game and process; the task's one
    # transaction (a savepoint and its release in tests); then per state: the game's seq
    # bumped (the row locked), the row inserted, in a savepoint of its own (+ release),
    # and the game's plays: how many and the newest change (one aggregate), and the rows
    # the first time in a process (then only those changed since). No earlier forecast.
    with django_assert_num_queries(1 + 2 + 1 + 1 + 2 + 2):
        assert forecast_live_states.run([moment.as_task_argument()]) == 1
    with django_assert_num_queries(1 + 1 + 1 + 2):  # pregame and the plays' fold kept now
        assert make_live_forecast(replace_score(moment, 80, 40)) is not None


def replace_score(moment: Moment, home: int, away: int) -> Moment:
    import dataclasses

    return dataclasses.replace(moment, home_score=home, away_score=away)


@pytest.mark.django_db
def test_pregame_counts_the_seasons_finished_games_before_the_date_and_last_season_apart() -> None:
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
    past("0022400003", dt.date(2025, 2, 8), (away, home), (90, 95))  # both: away -5, home +5
    past("0022300004", dt.date(2024, 4, 1), (home, away), (130, 90))  # last season: +40/-40
    past("0022400005", dt.date(2025, 2, 10), (home, away), (130, 90))  # the same day: no
    past("0022400006", dt.date(2025, 2, 1), (away, 98), (100, 90), status=GameStatus.LIVE)

    model = load_state_model()
    known = pregame(game.game_date, home, away)
    expected = model.team_strength(10 - 19 + 5, 3, 40.0) - model.team_strength(-5, 1, -40.0)
    assert known.strength == pytest.approx(expected)
    assert (known.home_rest_days, known.away_rest_days) == (2.0, 2.0)  # both played on the 8th
    # A team with no earlier game: no rest figure, and no prior season: a neutral prior.
    assert pregame(game.game_date, 1610612700, 1610612701) == services.Pregame(
        model.team_strength(0, 0, None) - model.team_strength(0, 0, None), None, None
    )


@pytest.mark.django_db
def test_the_state_is_the_scoreboards_clock_score_and_pregame_with_the_rest_unknown() -> None:
    poll(game_json(period=3, clock="PT04M12.50S", home=70, away=75, text="Q3 4:12"))
    moment = Moment.of(Game.objects.get(pk=GAME))
    state = game_state(moment)
    known = pregame(moment.game_date, moment.home_team_id, moment.away_team_id)
    assert state == GameState(
        period=3,
        seconds_left=252.5,
        margin=-5,
        strength=known.strength,
        home_rest_days=known.home_rest_days,
        away_rest_days=known.away_rest_days,
    )
    assert state.possession is None and state.fouls_home is None and state.timeouts_home is None


@pytest.mark.django_db
def test_the_series_holds_one_point_per_state_in_game_order(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        poll(at_minute(3.5, 8, 4))
    point = {"final_margin": 1.0, "lo90": -9, "hi90": 9, "lo95": -12, "hi95": 12, "period": 1}
    rows = (
        (120.0, 4, 2, "old", 0.6),
        (60.0, 2, 0, "old", 0.55),
        (120.0, 4, 2, "new", 0.7),  # the same state by a newer model: the newer row
        (120.0, 5, 2, "new", 0.72),  # a free throw with the clock stopped: a state of its own
    )
    for elapsed, home, away, version, prob in rows:
        LiveForecast.objects.create(
            game_id=GAME, elapsed_seconds=elapsed, home_score=home, away_score=away,
            model_version=version, home_win_prob=prob, **point,
        )  # fmt: skip
    series = win_probabilities([GAME, "0000000000"])
    assert [(state_of(p), p["home_win_prob"]) for p in series[GAME]] == [
        ((60.0, 2, 0), 0.55),
        ((120.0, 4, 2), 0.7),
        ((120.0, 5, 2), 0.72),
    ]
    assert series["0000000000"] == []


@pytest.mark.django_db
def test_the_game_admin_shows_the_live_forecasts_inline_read_only(
    admin_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    made = []
    for minute in (0.5, 1.5):
        with django_capture_on_commit_callbacks(execute=False):
            poll(at_minute(minute, 3 * int(minute) + 2, int(minute)))
        made.append(make_live_forecast(Moment.of(Game.objects.get(pk=GAME))))
    html = admin_client.get(f"/admin/games/game/{GAME}/change/").content.decode()
    assert "Live forecasts" in html
    for row in made:
        assert row is not None
        assert f"{row.home_win_prob}" in html and row.model_version in html
    assert 'name="live_forecasts-0-home_win_prob"' not in html  # shown, not editable
    assert 'name="live_forecasts-0-DELETE"' not in html


@pytest.mark.django_db
def test_a_broker_away_at_the_polls_commit_is_one_warning_and_the_poll_stands(
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from kombu.exceptions import OperationalError

    def away(moments: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(forecast_live_states, "delay", away)
    with django_capture_on_commit_callbacks(execute=True):
        poll(at_minute(5.25, 12, 9))
    assert Game.objects.get(pk=GAME).home_score == 12
    [record] = [r for r in caplog.records if "not queued" in r.getMessage()]
    assert (record.levelname, record.exc_info) == ("WARNING", None)


@pytest.mark.django_db
def test_with_plays_caught_up_the_state_carries_possession_fouls_bonus_and_timeouts() -> None:
    from games.feed.playbyplay import parse_playbyplay
    from games.play_services import ingest_plays
    from games.plays import Play, plays_at
    from games.playstate import AWAY, HOME
    from tests.games.test_plays import GAME as PLAYED
    from tests.games.test_plays import make_game, recorded

    game = make_game(PLAYED)
    ingest_plays(PLAYED, parse_playbyplay(recorded(PLAYED, "playbyplay"))[1])
    play = (
        Play.objects.filter(game_id=PLAYED, period=4, action_type="rebound")
        .present()
        .exclude(clock_seconds=None)
        .last()
    )
    assert play is not None and play.clock_seconds is not None
    game.status, game.period, game.clock_seconds = GameStatus.LIVE, play.period, play.clock_seconds
    game.home_score, game.away_score = play.score_home, play.score_away
    game.elapsed_seconds = play.elapsed_seconds
    game.save()
    game.refresh_from_db()
    moment = Moment.of(game)
    at = plays_at(
        PLAYED,
        game.home_team_id,
        game.away_team_id,
        play.period,
        play.clock_seconds,
        (play.score_home, play.score_away),
    )
    assert at is not None and at.state.possession is not None

    state = game_state(moment)

    assert state.possession == (1 if at.state.possession == HOME else -1)
    assert state.possession == (1 if play.team_id == game.home_team_id else -1)  # rebounder
    assert (state.fouls_home, state.fouls_away) == (at.state.fouls_home, at.state.fouls_away)
    assert (state.bonus_home, state.bonus_away) == (
        at.state.in_bonus(HOME),
        at.state.in_bonus(AWAY),
    )
    assert (state.timeouts_home, state.timeouts_away) == (
        at.state.timeouts_home,
        at.state.timeouts_away,
    )
    assert state.free_throws_pending == 0
    # The scoreboard a basket ahead of the plays: the scoreboard alone.
    ahead = dataclasses.replace(moment, home_score=moment.home_score + 2)
    assert game_state(ahead).possession is None
