"""The serving workflows of ``predictions``: the minute-18 halftime forecast (once per
game), the forecast after every closed minute, and the outcomes recorded on predictions.

Each runs in a task queued after the poll that triggered it has committed, so it never
slows a poll. Each change is a new version of its game (``Game.next_seq``) and is
announced after its own commit (``predictions.signals``); ``realtime`` turns the
announcements into client messages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import time

from django.db import IntegrityError, transaction
from django.db.models import Q

from forecasting.forecast_types import GameContext
from forecasting.minute_model import (
    OT_MINUTES,
    REGULATION_MINUTES,
    MinuteState,
    TeamStrength,
    team_strength_from_results,
)
from games.feed.types import GameStatus
from games.minutes import HALFTIME_MINUTE, PREDICTION_MINUTE
from games.models import Game, MinuteDifferential
from games.recovery import reconcile_minutes
from games.season import season_start
from games.signals import announce_on_commit
from predictions import signals
from predictions.models import MinuteForecast, Prediction
from predictions.registry import load_forecaster, load_minute_model

logger = logging.getLogger(__name__)


# --- the minute-18 halftime forecast -------------------------------------------------


class PatternIncomplete(Exception):
    """Minute 18 is not closed yet (or rows are missing)."""


def _closed_value(game_id: str, minute: int) -> int | None:
    """A minute's differential if it has closed (a slow worker may predict late)."""
    return (
        MinuteDifferential.objects.filter(game_id=game_id, minute=minute)
        .values_list("differential", flat=True)
        .first()
    )


def _pattern_rows(game_id: str) -> list[tuple[int, int, bool]]:
    return list(
        MinuteDifferential.objects.filter(game_id=game_id, minute__lte=PREDICTION_MINUTE)
        .order_by("minute")
        .values_list("minute", "differential", "imputed")
    )


def make_prediction(game_id: str) -> Prediction:
    """Forecast from the game's 18 closed minutes; returns the existing row if any.

    The latency covers reading the pattern, the forecast and writing the row.
    """
    start = time.perf_counter()
    existing = Prediction.objects.filter(game_id=game_id).first()
    if existing is not None:
        return existing
    game = Game.objects.get(pk=game_id)
    rows = _pattern_rows(game_id)
    if [minute for minute, _, _ in rows] != list(range(1, PREDICTION_MINUTE + 1)):
        raise PatternIncomplete(f"{game_id}: {len(rows)} of {PREDICTION_MINUTE} minutes closed")
    if any(imputed for _, _, imputed in rows) and reconcile_minutes(game_id):
        rows = _pattern_rows(game_id)  # minutes the poller missed, now from the play-by-play
    pattern = [differential for _, differential, _ in rows]
    context = GameContext(game.home_wins, game.home_losses, game.away_wins, game.away_losses)
    forecast = load_forecaster().forecast(pattern, context)
    prediction = Prediction(
        game=game,
        input_pattern=pattern,
        input_imputed_minutes=[minute for minute, _, imputed in rows if imputed],
        **dataclasses.asdict(forecast),  # every Forecast field is a Prediction column
        latency_ms=0.0,
        actual_halftime=_closed_value(game_id, HALFTIME_MINUTE),
        actual_final=game.differential if game.status == GameStatus.FINAL else None,
    )
    try:
        with transaction.atomic():
            prediction.latency_ms = (time.perf_counter() - start) * 1000
            seq = Game.next_seq(game_id)  # game row first, as polls lock it: no deadlock
            prediction.save(force_insert=True)
            announce_on_commit(signals.prediction_changed, prediction=prediction, seq=seq)
    except IntegrityError:  # another worker won the race: exactly one row stands
        logger.info("%s: prediction already made by another worker", game_id)
        return Prediction.objects.get(game_id=game_id)
    logger.info(
        "%s: halftime %+.1f [%d, %d] by %s in %.1f ms",
        game_id,
        prediction.halftime_point,
        prediction.halftime_lo90,
        prediction.halftime_hi90,
        prediction.model_name,
        prediction.latency_ms,
    )
    return prediction


# --- the forecast after every closed minute -----------------------------------------


def is_forecast_minute(minute: int) -> bool:
    """1..47 in regulation and every overtime minute but a period's last (48, 53, 58, ...)."""
    if minute < 1:
        return False
    if minute <= REGULATION_MINUTES:
        return minute < REGULATION_MINUTES
    return (minute - REGULATION_MINUTES) % OT_MINUTES != 0


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
    """Store and announce the forecast after ``minute``; None if it was already stored
    (or the game's minutes up to it are not all there).

    Idempotent: one row per (game, minute, model version) under a unique constraint; a
    repeat (a retried or duplicated task) computes the same forecast, finds the row
    there, and changes and announces nothing."""
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
            announce_on_commit(signals.minute_forecast_made, forecast=row, seq=seq)
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


# --- outcomes -----------------------------------------------------------------------


def record_outcomes(outcomes: dict[str, tuple[int | None, int | None]]) -> int:
    """Store actual halftime/final differentials on the games' predictions.

    ``outcomes`` maps game id to (halftime, final), either possibly None (not yet
    known). Each prediction that changes is a new version of its game: its ``seq`` is
    bumped and the change announced after commit. Idempotent: an outcome already
    stored changes and announces nothing. Returns how many predictions changed.
    """
    changed = 0
    for game_id in sorted(outcomes):
        halftime, final = outcomes[game_id]
        with transaction.atomic():
            prediction = Prediction.objects.filter(game_id=game_id).first()
            if prediction is None:
                continue  # no forecast for the game (yet): make_prediction reads them itself
            fields = []
            if halftime is not None and prediction.actual_halftime != halftime:
                prediction.actual_halftime = halftime
                fields.append("actual_halftime")
            if final is not None and prediction.actual_final != final:
                prediction.actual_final = final
                fields.append("actual_final")
            if not fields:
                continue
            seq = Game.next_seq(game_id)  # the game row first, as polls lock it: no deadlock
            prediction.save(update_fields=fields)
            announce_on_commit(signals.prediction_changed, prediction=prediction, seq=seq)
            changed += 1
    return changed
