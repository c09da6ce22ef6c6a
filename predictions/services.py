"""Make the minute-18 forecast for a game, once."""

from __future__ import annotations

import dataclasses
import logging
import time

from django.db import IntegrityError, transaction

from games import events
from games.minutes import HALFTIME_MINUTE, PREDICTION_MINUTE
from games.models import Game, GameStatus, MinuteDifferential
from games.recovery import reconcile_minutes
from predictions.forecasting import GameContext, load_forecaster
from predictions.models import Prediction

logger = logging.getLogger(__name__)


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
            message = events.prediction_message(game_id, seq, prediction.as_payload())
            events.send_on_commit([(events.SCOREBOARD_GROUP, [message])])
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
