"""What ``predictions`` does when ``games`` announces something (connected in ``ready``)."""

from __future__ import annotations

from typing import Any

from games import signals
from predictions.outcomes import record_outcomes


def queue_prediction(game_id: str) -> None:
    from predictions.tasks import predict_game

    predict_game.delay(game_id)


def on_halftime_forecast_due(sender: Any, game_id: str, **kwargs: Any) -> None:
    queue_prediction(game_id)


def on_outcomes_known(
    sender: Any, outcomes: dict[str, tuple[int | None, int | None]], **kwargs: Any
) -> dict[str, dict[str, Any]]:
    return record_outcomes(outcomes)


def connect() -> None:
    signals.halftime_forecast_due.connect(on_halftime_forecast_due, dispatch_uid="predictions")
    signals.outcomes_known.connect(on_outcomes_known, dispatch_uid="predictions")
