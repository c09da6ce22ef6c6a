"""load_nights: finished nights from the archive, stored as a live night would store them."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from forecasting.history_table import read_history
from games import signals as games_signals
from games.feed.archive import read_archive
from games.feed.select import build_replay_feed
from games.feed.types import GameStatus
from games.models import Board, Game, MinuteDifferential, PollRun, Snapshot
from games.services import poll_scoreboard
from predictions import signals as predictions_signals
from predictions.models import Prediction
from realtime import broadcast

ARCHIVE = Path(settings.REPLAY_ARCHIVE)
FIRST, LAST = dt.date(2025, 1, 14), dt.date(2025, 1, 15)


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_nights", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_loading_two_nights_stores_what_a_live_night_would(redis_client: Any) -> None:
    expected = {line["game_id"]: line for line in read_archive(ARCHIVE, FIRST, LAST)}
    history = {row.game_id: row for row in read_history(settings.HISTORY_FILE, [2025])}
    load("--from", FIRST.isoformat(), "--to", LAST.isoformat())

    games = {game.pk: game for game in Game.objects.all()}
    assert set(games) == set(expected)
    for game_id, game in games.items():
        line, row = expected[game_id], history[game_id]
        assert game.status == GameStatus.FINAL
        assert game.game_date.isoformat() == line["date"]
        assert [game.home_score, game.away_score] == line["final"]
        assert (game.home_wins, game.home_losses) == (line["home"]["wins"], line["home"]["losses"])
        minutes = MinuteDifferential.objects.filter(game=game).order_by("minute")
        assert [m.differential for m in minutes] == list(row.minutes)
        assert not minutes.filter(imputed=True).exists()
        assert Snapshot.objects.filter(game=game, status=GameStatus.FINAL).count() == 1
        prediction = Prediction.objects.get(game=game)
        assert prediction.input_pattern == list(row.minutes[:18])
        assert (prediction.actual_halftime, prediction.actual_final) == (
            row.halftime_diff,
            row.final_diff,
        )
    # History does not move the dashboard's current night (that is the poller's).
    assert not PollRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_loading_again_changes_nothing(redis_client: Any) -> None:
    load("--from", LAST.isoformat())
    counts = (Game.objects.count(), Snapshot.objects.count(), MinuteDifferential.objects.count())
    predictions = dict(Prediction.objects.values_list("game_id", "created_at"))
    report = load("--from", LAST.isoformat())
    assert "0 games loaded" in report and f"{counts[0]} already final" in report
    assert counts == (
        Game.objects.count(),
        Snapshot.objects.count(),
        MinuteDifferential.objects.count(),
    )
    assert dict(Prediction.objects.values_list("game_id", "created_at")) == predictions


@pytest.mark.django_db
def test_a_range_without_games_or_backwards_is_refused() -> None:
    with pytest.raises(CommandError, match="no games from 2024-12-24 to 2024-12-24"):
        load("--from", "2024-12-24")
    with pytest.raises(CommandError, match="is before"):
        load("--from", "2025-01-15", "--to", "2025-01-14")


@pytest.mark.django_db(transaction=True)
def test_the_night_being_replayed_is_refused_and_loads_once_abandoned(
    settings: Any, redis_client: Any, eager_celery: None
) -> None:
    settings.REPLAY_DATE = LAST
    feed = build_replay_feed()
    feed.reset()
    for _ in range(8):  # REPLAY_DATE=2025-01-15 ./bin/up, in the first quarter
        poll_scoreboard(feed)
    assert not Game.objects.filter(status=GameStatus.FINAL).exists()
    with pytest.raises(CommandError, match="2025-01-15 is tonight's board"):
        load("--from", FIRST.isoformat(), "--to", LAST.isoformat())
    assert not Game.objects.filter(game_date=FIRST).exists()  # refused before loading any
    Board.objects.all().delete()  # (the board moved on, the replay of that night did not)
    with pytest.raises(CommandError, match=r"2025-01-15 is being replayed.*reset_replay"):
        load("--from", LAST.isoformat())

    settings.REPLAY_DATE = FIRST  # another night's replay starts: 15 January is abandoned
    poll_scoreboard(build_replay_feed())
    assert not Game.objects.filter(game_date=LAST, status=GameStatus.LIVE).exists()
    load("--from", LAST.isoformat())
    history = {row.game_id: row for row in read_history(settings.HISTORY_FILE, [2025])}
    for game in Game.objects.filter(game_date=LAST):
        row = history[game.game_id]
        assert game.status == GameStatus.FINAL
        minutes = MinuteDifferential.objects.filter(game=game).order_by("minute")
        assert [m.differential for m in minutes] == list(row.minutes)
        prediction = Prediction.objects.get(game=game)
        assert (prediction.actual_halftime, prediction.actual_final) == (
            row.halftime_diff,
            row.final_diff,
        )


@pytest.mark.django_db(transaction=True)
def test_loading_sends_nothing_to_tonights_sockets(redis_client: Any, monkeypatch: Any) -> None:
    sent: list[Any] = []
    monkeypatch.setattr(broadcast, "send_now", lambda batches: sent.extend(batches))
    announced: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        announced.append(kwargs)

    every = [
        games_signals.games_changed,
        games_signals.board_changed,
        games_signals.minutes_closed,
        games_signals.halftime_forecast_due,
        games_signals.outcomes_known,
        predictions_signals.prediction_changed,
        predictions_signals.live_forecast_made,
    ]
    for signal in every:
        signal.connect(receiver, dispatch_uid="test-load-quiet")
    try:
        load("--from", LAST.isoformat())
    finally:
        for signal in every:
            signal.disconnect(dispatch_uid="test-load-quiet")
    assert Prediction.objects.filter(game__game_date=LAST).exists()  # it did forecast
    assert sent == [] and announced == []
