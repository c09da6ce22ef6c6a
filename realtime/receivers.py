"""What ``games`` and ``predictions`` announce, turned into client messages and sent.

Each receiver runs after the commit that made the change (the signals are sent on
commit), builds the messages of ``realtime.messages`` from the committed objects and
sends them at once. Connected in ``RealtimeConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from alerts import signals as alerts_signals
from alerts.models import Alert
from games import signals as games_signals
from games.models import Board
from games.plays import flow_of
from predictions import signals as predictions_signals
from predictions.models import LiveForecast, Prediction
from realtime import broadcast, messages
from realtime.payloads import (
    alert_payload,
    board_payload,
    flow_payload,
    forecast_payload,
    game_payload,
    minute_payload,
    play_payload,
    player_line_payload,
    prediction_payload,
    team_line_payload,
)


def on_games_changed(sender: Any, changes: list[games_signals.GameChange], **kwargs: Any) -> None:
    """One scoreboard message per changed game (its new version), and the closed minutes
    for its subscribers.

    Each is the same size at any minute of the game: nothing whose size grows with game
    time is read or sent (the win-probability curve travels in snapshot and subscribed).
    """
    scoreboard: list[messages.GameMessage] = []
    detail: list[tuple[str, list[messages.PatternProgressMessage]]] = []
    for change in changes:
        game = change.game
        build = (
            messages.game_final_message if change.became_final else messages.score_update_message
        )
        scoreboard.append(build(game_payload(game)))
        if change.minutes:  # the per-game stream carries the minute detail
            rows = [minute_payload(row) for row in change.minutes]
            progress = messages.pattern_progress_message(
                game.pk, game.seq, game.pattern_progress, rows
            )
            detail.append((messages.game_group(game.pk), [progress]))
    broadcast.send_now([(messages.SCOREBOARD_GROUP, scoreboard), *detail])


def on_board_changed(sender: Any, board: Board, **kwargs: Any) -> None:
    """The board's new version, to every socket."""
    message = messages.board_message(board_payload(board), board.game_ids)
    broadcast.send_now([(messages.SCOREBOARD_GROUP, [message])])


def on_prediction_changed(sender: Any, prediction: Prediction, seq: int, **kwargs: Any) -> None:
    message = messages.prediction_message(prediction.game_id, seq, prediction_payload(prediction))
    broadcast.send_now([(messages.SCOREBOARD_GROUP, [message])])


def on_live_forecast_made(sender: Any, forecast: LiveForecast, seq: int, **kwargs: Any) -> None:
    message = messages.forecast_update_message(forecast.game_id, seq, forecast_payload(forecast))
    # Every socket is in the scoreboard group (subscribers too): once reaches all.
    broadcast.send_now([(messages.SCOREBOARD_GROUP, [message])])


def on_plays_changed(sender: Any, change: games_signals.PlaysChange, **kwargs: Any) -> None:
    """The game's new and edited plays (batched, orderNumber order) and its changed
    box-score lines with the game flow, to its subscribers only: they carry the game's
    current ``seq`` and never bump it (the scoreboard group gets no play-level traffic)."""
    outgoing: list[Any] = []
    if change.minutes:  # closed minutes the plays corrected: merged by minute number
        rows = [minute_payload(row) for row in change.minutes]
        outgoing.append(
            messages.pattern_progress_message(
                change.game_id, change.seq, change.pattern_progress, rows
            )
        )
    if change.plays or change.removed:
        outgoing.extend(
            messages.play_messages(
                change.game_id,
                change.seq,
                change.previous,
                [play_payload(p) for p in change.plays],
                change.removed,
            )
        )
    flow = flow_payload(flow_of(change.game_id))
    outgoing.append(
        messages.boxscore_message(
            change.game_id,
            change.seq,
            [team_line_payload(t) for t in change.teams],
            [player_line_payload(p) for p in change.players],
            flow,
        )
    )
    broadcast.send_now([(messages.game_group(change.game_id), outgoing)])


def on_alert_raised(sender: Any, alert: Alert, **kwargs: Any) -> None:
    """A new alert, to every staff socket (the alerts group); never a game's version."""
    message = messages.alert_message(alert_payload(alert))
    broadcast.send_now([(messages.ALERTS_GROUP, [message])])


def on_alerts_changed(sender: Any, alerts: list[Alert], **kwargs: Any) -> None:
    """Alerts whose condition started or stopped holding: each its next alert version."""
    ordered = sorted(alerts, key=lambda alert: alert.seq)
    batch = [messages.alert_message(alert_payload(alert)) for alert in ordered]
    broadcast.send_now([(messages.ALERTS_GROUP, batch)])


def connect() -> None:
    uid = "realtime"
    games_signals.games_changed.connect(on_games_changed, dispatch_uid=uid)
    games_signals.board_changed.connect(on_board_changed, dispatch_uid=uid)
    games_signals.plays_changed.connect(on_plays_changed, dispatch_uid=uid)
    predictions_signals.prediction_changed.connect(on_prediction_changed, dispatch_uid=uid)
    predictions_signals.live_forecast_made.connect(on_live_forecast_made, dispatch_uid=uid)
    alerts_signals.alert_raised.connect(on_alert_raised, dispatch_uid=uid)
    alerts_signals.alerts_changed.connect(on_alerts_changed, dispatch_uid=uid)
