"""The forecast after every closed minute: computed from database rows, stored once, pushed.

Queued (``predictions.tasks.forecast_minutes``) after the poll that closed the minutes
has committed, so it never slows a poll. Idempotent: one row per (game, minute, model
version) under a unique constraint; a repeat (a retried or duplicated task) computes
the same forecast, finds the row there, and changes and sends nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Q

from games import events
from games.events import WinProbabilityPoint
from games.models import Game, GameStatus, MinuteDifferential
from predictions.minute_model import (
    OT_MINUTES,
    REGULATION_MINUTES,
    MinuteState,
    TeamStrength,
    load_minute_model,
    team_strength_from_results,
)
from predictions.models import MinuteForecast

logger = logging.getLogger(__name__)

SEASON_START_MONTH = 8  # an NBA season runs October to June: August 1st starts a new one


def is_forecast_minute(minute: int) -> bool:
    """1..47 in regulation and every overtime minute but a period's last (48, 53, 58, ...)."""
    if minute < 1:
        return False
    if minute <= REGULATION_MINUTES:
        return minute < REGULATION_MINUTES
    return (minute - REGULATION_MINUTES) % OT_MINUTES != 0


def season_start(day: dt.date) -> dt.date:
    year = day.year if day.month >= SEASON_START_MONTH else day.year - 1
    return dt.date(year, SEASON_START_MONTH, 1)


def team_strengths(game: Game) -> tuple[TeamStrength, TeamStrength]:
    """Home and away records from the season's finished games before the game's date."""
    return _strengths(game.game_date, game.home_team_id, game.away_team_id)


@functools.lru_cache(maxsize=512)
def _strengths(day: dt.date, home: int, away: int) -> tuple[TeamStrength, TeamStrength]:
    """Cached per process: games before ``day`` are over, so a game's pre-game strength
    is read once, not after each of its 50-odd minutes."""
    teams = (home, away)
    rows = Game.objects.filter(
        Q(home_team_id__in=teams) | Q(away_team_id__in=teams),
        status=GameStatus.FINAL,
        game_date__gte=season_start(day),
        game_date__lt=day,
    ).values_list("game_date", "home_team_id", "away_team_id", "home_score", "away_score")
    results: dict[int, list[tuple[dt.date, int]]] = {team: [] for team in teams}
    for played, home_id, away_id, home_score, away_score in rows:
        if home_id in results:
            results[home_id].append((played, home_score - away_score))
        if away_id in results:
            results[away_id].append((played, away_score - home_score))
    return (
        team_strength_from_results(results[home], day),
        team_strength_from_results(results[away], day),
    )


def forecast_minute(game_id: str, minute: int) -> MinuteForecast | None:
    """Store and push the forecast after ``minute``; None if it was already stored
    (or the game's minutes up to it are not all there)."""
    model = load_minute_model()
    rows = list(  # the minutes so far, each with the game's date and teams (one query)
        MinuteDifferential.objects.filter(game_id=game_id, minute__lte=minute)
        .order_by("minute")
        .values_list("differential", "game__game_date", "game__home_team_id", "game__away_team_id")
    )
    if len(rows) != minute:
        logger.warning("%s: minute %d not forecast: %d minutes stored", game_id, minute, len(rows))
        return None
    _, day, home_id, away_id = rows[0]
    home, away = _strengths(day, home_id, away_id)
    series = tuple(differential for differential, *_ in rows)
    forecast = model.forecast(MinuteState(minute, series, home, away))
    row = MinuteForecast(
        game_id=game_id,
        minute=minute,
        model_version=model.version,
        home_win_prob=forecast.home_win_prob,
        final_margin=forecast.final_margin,
        lo90=forecast.interval90[0],
        hi90=forecast.interval90[1],
        lo95=forecast.interval95[0],
        hi95=forecast.interval95[1],
    )
    try:
        with transaction.atomic():
            seq = Game.next_seq(game_id)  # the game row first, as polls lock it: no deadlock
            row.save(force_insert=True)
            message = events.forecast_update_message(game_id, seq, row.as_payload())
            # Every socket is in the scoreboard group (subscribers too): once reaches all.
            events.send_on_commit([(events.SCOREBOARD_GROUP, [message])])
    except IntegrityError:  # stored before (a repeat): the seq bump is rolled back with it
        return None
    return row


def forecast_closed_minutes(closed: dict[str, list[int]]) -> int:
    """Forecast every forecast minute of ``closed`` ({game_id: minutes}); how many were new."""
    made = 0
    for game_id, minutes in sorted(closed.items()):
        for minute in sorted(m for m in minutes if is_forecast_minute(m)):
            made += forecast_minute(game_id, minute) is not None
    return made


def win_probability_series(game_ids: Sequence[str]) -> dict[str, list[WinProbabilityPoint]]:
    """Each game's newest forecast per minute, ordered by minute (one query)."""
    rows = (
        MinuteForecast.objects.filter(game_id__in=list(game_ids))
        .order_by("game_id", "minute", "-id")
        .distinct("game_id", "minute")
    )
    series: dict[str, list[WinProbabilityPoint]] = {}
    for row in rows:
        series.setdefault(row.game_id, []).append(row.as_point())
    return series
