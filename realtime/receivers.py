"""What ``games`` and ``predictions`` announce, turned into client messages and sent.

Each receiver runs after the commit that made the change (the signals are sent on
commit), builds the messages of ``realtime.messages`` from the committed objects and
sends them at once. Connected in ``RealtimeConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from games import signals as games_signals
from games.models import Board
from predictions import signals as predictions_signals
from predictions.models import LiveForecast, Prediction
from realtime import broadcast, messages
from realtime.payloads import (
    board_payload,
    forecast_payload,
    game_payload,
    minute_payload,
    prediction_payload,
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


def connect() -> None:
    uid = "realtime"
    games_signals.games_changed.connect(on_games_changed, dispatch_uid=uid)
    games_signals.board_changed.connect(on_board_changed, dispatch_uid=uid)
    predictions_signals.prediction_changed.connect(on_prediction_changed, dispatch_uid=uid)
    predictions_signals.live_forecast_made.connect(on_live_forecast_made, dispatch_uid=uid)
