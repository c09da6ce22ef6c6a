"""Games, minutes, predictions and forecasts as the JSON the WebSocket API and pages use.

A game's state (``game_payload``) has the same size at any minute of the game; its
prediction and win-probability curve are added only where a game's history travels
(``snapshot``, ``subscribed``, the pages: ``games_with_history``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from games.feed.types import GameStatus
from games.minutes import PREDICTION_MINUTE
from games.models import Board, Game, MinuteDifferential
from predictions.models import MinuteForecast, Prediction
from realtime.messages import (
    BoardPayload,
    GamePayload,
    GameWithHistory,
    MinuteForecastPayload,
    MinutePayload,
    TeamPayload,
    WinProbabilityPoint,
    thin_curve,
)


def current_games() -> QuerySet[Game]:
    """Tonight's board: the last polled scoreboard's games (``Board``), with predictions."""
    return Game.objects.on_board(Board.tonight()).select_related("prediction")


def win_probabilities(game_ids: Sequence[str]) -> dict[str, list[WinProbabilityPoint]]:
    """Each game's newest forecast per minute, ordered by minute, in one query (an empty
    list for a game without one)."""
    series: dict[str, list[WinProbabilityPoint]] = {game_id: [] for game_id in game_ids}
    if not game_ids:
        return series
    rows = (
        MinuteForecast.objects.filter(game_id__in=list(game_ids))
        .order_by("game_id", "minute", "-id")
        .distinct("game_id", "minute")
    )
    for row in rows:
        series[row.game_id].append(forecast_point(row))
    return series


def forecast_point(row: MinuteForecast) -> WinProbabilityPoint:
    """The point of the game's ``win_probability`` series (the WebSocket contract)."""
    return {
        "minute": row.minute,
        "home_win_prob": row.home_win_prob,
        "final_margin": row.final_margin,
        "interval90": [row.lo90, row.hi90],
        "interval95": [row.lo95, row.hi95],
    }


def forecast_payload(row: MinuteForecast) -> MinuteForecastPayload:
    """The ``forecast`` of a ``forecast.update`` message: the point and its model."""
    return {**forecast_point(row), "model_version": row.model_version}


def prediction_payload(prediction: Prediction) -> dict[str, Any]:
    """The minute-18 prediction as the WebSocket API and pages show it."""
    return {
        "game_id": prediction.game_id,
        "created_at": prediction.created_at.isoformat() if prediction.created_at else None,
        "model": {"name": prediction.model_name, "version": prediction.model_version},
        "input_pattern": prediction.input_pattern,
        "imputed_minutes": prediction.input_imputed_minutes,
        "halftime": {
            "point": prediction.halftime_point,
            "interval90": [prediction.halftime_lo90, prediction.halftime_hi90],
            "interval95": (
                [prediction.halftime_lo95, prediction.halftime_hi95]
                if prediction.halftime_lo95 is not None
                else None
            ),
            "actual": prediction.actual_halftime,
        },
        "final": {
            "point": prediction.final_point,
            "interval90": (
                [prediction.final_lo90, prediction.final_hi90]
                if prediction.final_lo90 is not None
                else None
            ),
            "actual": prediction.actual_final,
        },
        "home_win_probability": prediction.home_win_probability,
        "components": prediction.components,
        "neighbours": prediction.neighbours,
        "latency_ms": prediction.latency_ms,
    }


def board_payload(board: Board | None) -> BoardPayload:
    """Tonight's board as messages carry it (before the first poll: no date, version 0)."""
    if board is None:
        return {"date": None, "version": 0}
    return {"date": board.date.isoformat(), "version": board.version}


def status_label(game: Game) -> str:
    if game.status == GameStatus.SCHEDULED:
        return game.called_off or "scheduled"
    if game.status == GameStatus.FINAL:
        return "final"
    if game.status == GameStatus.STALE:
        return "stale"
    if game.status_text.lower().startswith("half"):
        return "halftime"
    return "live"


def clock_display(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:04.1f}"
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def game_payload(game: Game) -> GamePayload:
    """A game's state: the same size at any minute of the game."""

    def team(side: str) -> TeamPayload:
        return {
            "team_id": getattr(game, f"{side}_team_id"),
            "tricode": getattr(game, f"{side}_tricode"),
            "city": getattr(game, f"{side}_city"),
            "name": getattr(game, f"{side}_name"),
            "wins": getattr(game, f"{side}_wins"),
            "losses": getattr(game, f"{side}_losses"),
            "score": getattr(game, f"{side}_score"),
        }

    payload: GamePayload = {
        "game_id": game.game_id,
        "date": game.game_date.isoformat(),
        "start_time": game.start_time.isoformat() if game.start_time else None,
        "status": status_label(game),  # type: ignore[typeddict-item]
        "status_text": game.status_text,
        "period": game.period,
        "clock": clock_display(game.clock_seconds),
        "clock_seconds": game.clock_seconds,
        "elapsed_seconds": game.elapsed_seconds,
        "home": team("home"),
        "away": team("away"),
        "differential": game.differential,
        "pattern_progress": game.pattern_progress,
        "pattern_length": PREDICTION_MINUTE,
        "seq": game.seq,
        "updated_at": (game.updated_at or timezone.now()).isoformat(timespec="seconds"),
    }
    return payload


def games_with_history(
    games: Iterable[Game], *, curve_points: int | None = None
) -> list[GameWithHistory]:
    """Games as ``snapshot`` and ``subscribed`` carry them: state, prediction (or null)
    and the win-probability curve (every point, or at most ``curve_points`` spread over
    the game). Select the games with ``select_related("prediction")``; the curves of all
    the games are read in one query."""
    games = list(games)
    series = win_probabilities([game.pk for game in games])
    out: list[GameWithHistory] = []
    for game in games:
        curve = series[game.pk]
        if curve_points is not None:
            curve = thin_curve(curve, curve_points)
        prediction = prediction_payload(game.prediction) if hasattr(game, "prediction") else None
        out.append({**game_payload(game), "prediction": prediction, "win_probability": curve})
    return out


def minute_payload(row: MinuteDifferential) -> MinutePayload:
    return {
        "minute": row.minute,
        "differential": row.differential,
        "home_score": row.home_score,
        "away_score": row.away_score,
        "imputed": row.imputed,
    }
