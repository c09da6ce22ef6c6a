"""What ``predictions`` does when ``games`` announces something (connected in ``ready``)."""

from __future__ import annotations

from typing import Any

from games import signals
from games.broker import queue_or_skip
from games.models import Game
from predictions.services import Moment, forecasts_moment
from predictions.tasks import forecast_live_states, predict_game, record_game_outcomes


def queue_prediction(game_id: str) -> None:
    predict_game.delay(game_id)


def queue_live_forecasts(games: list[Game]) -> None:
    """One task for the poll's new game states (a single broker message, whatever the
    slate); scheduled games and called-off ones have no forecast."""
    moments = [Moment.of(game).as_task_argument() for game in games if forecasts_moment(game)]
    if not moments:
        return
    queue_or_skip(
        lambda: forecast_live_states.delay(moments),
        f"live forecasts of {len(moments)} games",
        "the next poll's states are forecast",
    )


def on_game_states_changed(sender: Any, games: list[Game], **kwargs: Any) -> None:
    queue_live_forecasts(games)


def on_halftime_forecast_due(sender: Any, game_id: str, **kwargs: Any) -> None:
    queue_prediction(game_id)


def on_outcomes_known(
    sender: Any, outcomes: dict[str, tuple[int | None, int | None]], **kwargs: Any
) -> None:
    record_game_outcomes.delay({game_id: list(pair) for game_id, pair in outcomes.items()})


def connect() -> None:
    signals.game_states_changed.connect(on_game_states_changed, dispatch_uid="predictions")
    signals.halftime_forecast_due.connect(on_halftime_forecast_due, dispatch_uid="predictions")
    signals.outcomes_known.connect(on_outcomes_known, dispatch_uid="predictions")
