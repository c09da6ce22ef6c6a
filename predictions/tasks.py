from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from predictions.services import (
    Moment,
    PatternIncomplete,
    make_live_forecasts,
    make_prediction,
    record_outcomes,
)


@shared_task(
    autoretry_for=(PatternIncomplete, OperationalError),
    retry_backoff=1,
    retry_backoff_max=16,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def predict_game(game_id: str) -> int:
    return make_prediction(game_id).pk


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=1,
    retry_backoff_max=16,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def forecast_live_states(moments: list[dict[str, object]]) -> int:
    """The live forecasts of the states one poll committed (``Moment.as_task_argument``)."""
    return make_live_forecasts([Moment.from_task_argument(m) for m in moments])


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=1,
    retry_backoff_max=16,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def record_game_outcomes(outcomes: dict[str, list[int | None]]) -> int:
    """The outcomes one poll observed ({game_id: [halftime, final]}) on the predictions."""
    return record_outcomes({game_id: (h, f) for game_id, (h, f) in outcomes.items()})
