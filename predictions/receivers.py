"""What ``predictions`` does when ``games`` announces something (connected in ``ready``)."""

from __future__ import annotations

from typing import Any

from games import signals
from predictions.services import is_forecast_minute
from predictions.tasks import forecast_minutes, predict_game, record_game_outcomes


def queue_prediction(game_id: str) -> None:
    predict_game.delay(game_id)


def queue_minute_forecasts(closed: dict[str, list[int]]) -> None:
    """One task for the poll's games (a single broker message, whatever the slate)."""
    due = {
        game_id: [m for m in minutes if is_forecast_minute(m)]
        for game_id, minutes in closed.items()
    }
    due = {game_id: minutes for game_id, minutes in due.items() if minutes}
    if due:
        forecast_minutes.delay(due)


def on_minutes_closed(sender: Any, closed: dict[str, list[int]], **kwargs: Any) -> None:
    queue_minute_forecasts(closed)


def on_halftime_forecast_due(sender: Any, game_id: str, **kwargs: Any) -> None:
    queue_prediction(game_id)


def on_outcomes_known(
    sender: Any, outcomes: dict[str, tuple[int | None, int | None]], **kwargs: Any
) -> None:
    record_game_outcomes.delay({game_id: list(pair) for game_id, pair in outcomes.items()})


def connect() -> None:
    signals.minutes_closed.connect(on_minutes_closed, dispatch_uid="predictions")
    signals.halftime_forecast_due.connect(on_halftime_forecast_due, dispatch_uid="predictions")
    signals.outcomes_known.connect(on_outcomes_known, dispatch_uid="predictions")
