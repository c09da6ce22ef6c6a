"""The accuracy page's counts add up (issue 19, Why 5): every forecast game is scored,
waiting, stale or without that forecast, and the page says which."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from dashboard.accuracy import accuracy_report, csv_rows
from games.feed.types import GameStatus
from games.models import Game
from predictions.models import Prediction

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 2, 10)


def forecast(i: int, status: int, half: int | None, final: int | None, point: float | None) -> None:
    game = Game.objects.create(
        game_id=f"00224000{i:02d}",
        game_date=DAY,
        home_team_id=1,
        away_team_id=2,
        home_tricode="CLE",
        away_tricode="MIN",
        status=status,
    )
    Prediction.objects.create(
        game=game,
        model_name="m",
        model_version="v",
        input_pattern=[1] * 18,
        halftime_point=2.0,
        halftime_lo90=-8.0,
        halftime_hi90=12.0,
        final_point=point,
        final_lo90=None if point is None else point - 15,
        final_hi90=None if point is None else point + 15,
        home_win_probability=0.6,
        latency_ms=1.0,
        actual_halftime=half,
        actual_final=final,
    )


def test_every_forecast_game_is_scored_waiting_stale_or_without_that_forecast(
    client: Client,
) -> None:
    final, live, stale = GameStatus.FINAL, GameStatus.LIVE, GameStatus.STALE
    forecast(1, final, 4, 10, 5.0)  # scored twice
    forecast(2, final, -3, -6, 1.0)  # scored twice
    forecast(3, final, 5, 8, None)  # an older model: no final-margin forecast
    forecast(4, live, 6, None, 3.0)  # after halftime, not over
    forecast(5, live, None, None, 3.0)  # before halftime
    forecast(6, stale, None, None, 3.0)  # left unfinished before halftime
    forecast(7, stale, 2, None, 3.0)  # left unfinished after halftime
    report = accuracy_report(DAY, DAY)
    assert report.games == 7
    assert (report.halftime_n, report.halftime_pending, report.halftime_stale) == (5, 1, 1)
    assert (report.final_n, report.final_pending, report.final_stale) == (2, 2, 2)
    assert report.final_no_forecast == 1
    assert report.counts_add_up

    user = get_user_model().objects.create_user("boss", password="pw-for-tests", is_staff=True)
    client.force_login(user)
    html = client.get("/accuracy/", {"start": str(DAY), "end": str(DAY)}).content.decode()
    counted = html.split('id="accuracy-counted"')[1].split("</p>")[0]
    assert "<strong>5</strong> scored, 1 not at halftime yet, 1 stale" in counted
    assert "<strong>2</strong> scored, 2 not over yet, 2 stale, 1 without a final" in counted
    assert "adds up to the 7 games" in counted
    rows = {row[0]: row[1] for row in csv_rows(report)}
    assert rows["halftime never reached: stale game (not scored)"] == "1"
