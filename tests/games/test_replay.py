from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from forecasting.history_table import read_history
from games.feed.parser import parse_scoreboard
from games.feed.replay import ReplayBoard, ReplayNight, ReplaySchedule
from games.feed.select import build_replay_feed
from games.feed.types import GameStatus
from games.models import Game, MinuteDifferential
from games.services import poll_scoreboard
from predictions.models import Prediction
from predictions.registry import load_forecaster

STARTED = dt.datetime(2026, 11, 24, 19, 0, tzinfo=dt.UTC)


@pytest.fixture
def night() -> ReplayNight:
    return ReplayNight.from_file(settings.REPLAY_FILE)


def test_replay_payloads_are_in_the_live_schema_and_parse_cleanly(night: ReplayNight) -> None:
    replay = ReplayBoard(night, ReplaySchedule(60, 1, 2), 10.0)
    for tick in range(replay.last_tick() + 2):
        result = parse_scoreboard(replay.payload(tick, STARTED))
        assert result.rejected == []
        assert len(result.games) == len(night.games)


def test_the_replay_advances_one_game_minute_per_poll_with_breaks(night: ReplayNight) -> None:
    replay = ReplayBoard(night, ReplaySchedule(60, 1, 2), 10.0)
    first = [parse_scoreboard(replay.payload(t, STARTED)).games[0] for t in range(18)]
    assert [g.status for g in first[:2]] == [2, 2]
    assert [g.status_text for g in first[:3]] == ["Q1 11:00", "Q1 10:00", "Q1 09:00"]
    assert first[11].status_text == "End of Q1" and first[11].clock_seconds == 0.0
    assert first[12].status_text == "End of Q1" and first[12].clock_seconds is None  # break
    assert first[13].status_text == "Q2 11:00"
    later = parse_scoreboard(replay.payload(0, STARTED)).games[-1]
    assert later.status == 1 and later.start_time is not None and later.start_time > STARTED


def test_a_replayed_game_ends_final_with_its_real_score(night: ReplayNight) -> None:
    replay = ReplayBoard(night, ReplaySchedule(60, 1, 2), 10.0)
    games = parse_scoreboard(replay.payload(replay.last_tick(), STARTED)).games
    assert all(g.status == 3 for g in games)
    overtime = [g for g in games if g.period > 4]
    assert overtime and all(g.status_text.startswith("Final/OT") for g in overtime)
    for game, recorded in zip(games, night.games, strict=True):
        assert (game.home.score, game.away.score) == recorded.scores[-1]


@pytest.mark.django_db(transaction=True)
def test_replaying_a_night_end_to_end_makes_real_predictions(
    redis_client: Any, eager_celery: None
) -> None:
    feed = build_replay_feed()
    feed.reset()
    history = {row.game_id: row for row in read_history(settings.HISTORY_FILE)}
    for _ in range(feed.board.last_tick() + 1):
        poll_scoreboard(feed)

    games = list(Game.objects.all())
    assert len(games) == len(feed.board.night.games)
    assert all(game.status == GameStatus.FINAL for game in games)
    forecaster = load_forecaster()
    for game in games:
        recorded = history[game.game_id]
        minutes = list(
            MinuteDifferential.objects.filter(game=game).values_list("differential", flat=True)
        )
        # Live minute semantics on replayed polls equal the training table exactly.
        assert minutes == list(recorded.minutes)
        prediction = Prediction.objects.get(game=game)
        assert prediction.input_pattern == list(recorded.minutes[:18])
        assert prediction.input_imputed_minutes == []
        assert prediction.model_name == forecaster.name
        assert prediction.halftime_lo90 <= prediction.halftime_point <= prediction.halftime_hi90
        assert prediction.latency_ms > 0
    assert not MinuteDifferential.objects.filter(imputed=True).exists()


@pytest.mark.django_db(transaction=True)
def test_predictions_learn_their_actual_outcomes_at_halftime_and_final(
    redis_client: Any, eager_celery: None
) -> None:
    feed = build_replay_feed()
    history = {row.game_id: row for row in read_history(settings.HISTORY_FILE)}
    halftime_tick = 30  # every game of the first wave is past minute 24 by now
    for _ in range(halftime_tick):
        poll_scoreboard(feed)
    first = feed.board.night.games[0].game_id
    prediction = Prediction.objects.get(game_id=first)
    assert prediction.actual_halftime == history[first].halftime_diff
    assert prediction.actual_final is None
    for _ in range(feed.board.last_tick() + 1 - halftime_tick):
        poll_scoreboard(feed)
    for prediction in Prediction.objects.all():
        recorded = history[prediction.game_id]
        assert (prediction.actual_halftime, prediction.actual_final) == (
            recorded.halftime_diff,
            recorded.final_diff,
        )
        assert prediction.halftime_error == recorded.halftime_diff - prediction.halftime_point


SHARED_PBP = settings.BASE_DIR.parent / "shared/data/pbp/gabriel1200_playbyplay/regular_season"


@pytest.mark.skipif(not SHARED_PBP.is_dir(), reason="needs ../shared/data play-by-play")
def test_the_replay_can_play_any_date_of_a_playbyplay_directory(
    settings: Any, redis_client: Any, tmp_path: Path
) -> None:
    """Exported offline (``export_replay_night``), played from the file."""
    from pipelines.history import build_replay_night

    night = tmp_path / "night.json"
    night.write_text(json.dumps(build_replay_night(SHARED_PBP, dt.date(2022, 1, 17))))
    settings.REPLAY_FILE, settings.REPLAY_DATE = night, None
    feed = build_replay_feed()
    assert feed.board.night.date == dt.date(2022, 1, 17)
    history = {row.game_id: row for row in read_history(settings.HISTORY_FILE, [2022])}
    final = parse_scoreboard(feed.board.payload(feed.board.last_tick(), STARTED))
    assert final.rejected == [] and len(final.games) == len(feed.board.night.games) > 1
    for game in final.games:
        assert game.differential == history[game.game_id].final_diff
