"""What ``alerts`` does when ``games`` or ``predictions`` announce a change (after their
commit): queue one rule evaluation for the games it touched. Connected in ``ready``."""

from __future__ import annotations

from typing import Any

from alerts import signals as alerts_signals
from alerts.models import Alert
from alerts.tasks import evaluate_alerts, queue_webhooks
from games import signals as games_signals
from games.broker import queue_or_skip
from predictions import signals as predictions_signals
from predictions.models import LiveForecast, Prediction


def queue_evaluation(game_ids: list[str]) -> None:
    if not game_ids:
        return
    queue_or_skip(
        lambda: evaluate_alerts.delay(sorted(set(game_ids))),
        f"alert evaluation of {len(game_ids)} games",
        "the games' next change evaluates them",
    )


def on_games_changed(sender: Any, changes: list[games_signals.GameChange], **kwargs: Any) -> None:
    queue_evaluation([change.game.pk for change in changes])


def on_prediction_changed(sender: Any, prediction: Prediction, **kwargs: Any) -> None:
    queue_evaluation([prediction.game_id])


def on_live_forecast_made(sender: Any, forecast: LiveForecast, **kwargs: Any) -> None:
    queue_evaluation([forecast.game_id])


def on_alert_raised(sender: Any, alert: Alert, **kwargs: Any) -> None:
    """A new alert (after its commit): its webhook deliveries, off the request path."""
    queue_webhooks.delay(alert.pk)


def connect() -> None:
    uid = "alerts"
    games_signals.games_changed.connect(on_games_changed, dispatch_uid=uid)
    predictions_signals.prediction_changed.connect(on_prediction_changed, dispatch_uid=uid)
    predictions_signals.live_forecast_made.connect(on_live_forecast_made, dispatch_uid=uid)
    alerts_signals.alert_raised.connect(on_alert_raised, dispatch_uid=uid)
