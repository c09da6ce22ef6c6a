"""Games, minutes, predictions and forecasts as the JSON the WebSocket API and pages use.

A game's state (``game_payload``) has the same size at any minute of the game; its
prediction and win-probability curve are added only where a game's history travels
(``snapshot``, ``subscribed``, the pages: ``games_with_history``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from alerts.models import Alert, AlertSequence
from games.feed.types import GameStatus
from games.minutes import PREDICTION_MINUTE
from games.models import Board, Game, MinuteDifferential, Play, PlayerBoxLine, TeamBoxLine
from games.plays import BoxLine, GameFlow, flow_of, last_plays
from predictions.models import LiveForecast, Prediction
from realtime.messages import (
    SNAPSHOT_ALERTS,
    AlertPayload,
    BoardPayload,
    BoxScorePayload,
    FlowPayload,
    GamePayload,
    GameWithHistory,
    LinePayload,
    LiveForecastPayload,
    MinutePayload,
    PlayerLinePayload,
    PlayPayload,
    TeamLinePayload,
    TeamPayload,
    WinProbabilityPoint,
    thin_curve,
)


def current_games() -> QuerySet[Game]:
    """Tonight's board: the last polled scoreboard's games (``Board``), with predictions."""
    return Game.objects.on_board(Board.tonight()).select_related("prediction")


def win_probabilities(game_ids: Sequence[str]) -> dict[str, list[WinProbabilityPoint]]:
    """Each game's live forecasts, one per state (the newest, should a model change have
    forecast a state twice), in game-time order, in one query (an empty list for a game
    without one)."""
    series: dict[str, list[WinProbabilityPoint]] = {game_id: [] for game_id in game_ids}
    if not game_ids:
        return series
    rows = (
        LiveForecast.objects.filter(game_id__in=list(game_ids))
        .order_by("game_id", "elapsed_seconds", "home_score", "away_score", "-id")
        .distinct("game_id", "elapsed_seconds", "home_score", "away_score")
    )
    for row in rows:
        series[row.game_id].append(forecast_point(row))
    return series


def forecast_point(row: LiveForecast) -> WinProbabilityPoint:
    """The point of the game's ``win_probability`` series (the WebSocket contract)."""
    return {
        "elapsed_seconds": row.elapsed_seconds,
        "period": row.period,
        "home_score": row.home_score,
        "away_score": row.away_score,
        "home_win_prob": row.home_win_prob,
        "final_margin": row.final_margin,
        "interval90": [row.lo90, row.hi90],
        "interval95": [row.lo95, row.hi95],
    }


def forecast_payload(row: LiveForecast) -> LiveForecastPayload:
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


def play_clock(seconds: float | None) -> str:
    """A play's clock as play-by-play sheets write it: "5:23", "42.5", "0.0"."""
    if seconds is None:
        return ""
    return f"{seconds:.1f}" if seconds < 60 else clock_display(seconds)


def play_payload(play: Play) -> PlayPayload:
    return {
        "action_number": play.action_number,
        "order_number": play.order_number,
        "period": play.period,
        "clock": play_clock(play.clock_seconds),
        "time_actual": play.time_actual.isoformat() if play.time_actual else None,
        "team_id": play.team_id,
        "team_tricode": play.team_tricode,
        "person_id": play.person_id,
        "player_name": play.player_name,
        "action_type": play.action_type,
        "sub_type": play.sub_type,
        "description": play.description,
        "score_home": play.score_home,
        "score_away": play.score_away,
        "points": play.points,
        "possession": play.possession,
        "edited": play.edited.isoformat() if play.edited else None,
    }


def _line(line: BoxLine) -> LinePayload:
    return {
        "minutes": line.minutes,
        "points": line.points,
        "rebounds": line.rebounds,
        "rebounds_offensive": line.rebounds_offensive,
        "rebounds_defensive": line.rebounds_defensive,
        "assists": line.assists,
        "steals": line.steals,
        "blocks": line.blocks,
        "turnovers": line.turnovers,
        "fouls": line.fouls,
        "fg": [line.fg_made, line.fg_attempted],
        "fg3": [line.fg3_made, line.fg3_attempted],
        "ft": [line.ft_made, line.ft_attempted],
        "plus_minus": line.plus_minus,
    }


def team_line_payload(line: TeamBoxLine) -> TeamLinePayload:
    return {
        **_line(line),
        "side": "home" if line.side == "home" else "away",
        "team_id": line.team_id,
        "tricode": line.tricode,
        "in_bonus": line.in_bonus,
        "timeouts_remaining": line.timeouts_remaining,
    }


def player_line_payload(line: PlayerBoxLine) -> PlayerLinePayload:
    return {
        **_line(line),
        "side": "home" if line.side == "home" else "away",
        "person_id": line.person_id,
        "name": line.name,
        "jersey": line.jersey,
        "position": line.position,
        "starter": line.starter,
        "on_court": line.on_court,
    }


def flow_payload(flow: GameFlow) -> FlowPayload:
    run = flow.run
    return {
        "line_score": flow.line_score,
        "lead_changes": flow.lead_changes,
        "times_tied": flow.times_tied,
        "largest_lead": flow.largest_lead,
        "run": None
        if run is None
        else {"side": "home" if run.side == "home" else "away", "points": run.points},
        "possession": flow.possession,
    }


def boxscore_of(game_id: str) -> BoxScorePayload:
    """The game's whole box score as stored, and its flow from the plays."""
    return {
        "teams": [team_line_payload(t) for t in TeamBoxLine.objects.filter(game_id=game_id)],
        "players": [player_line_payload(p) for p in PlayerBoxLine.objects.filter(game_id=game_id)],
        "flow": flow_payload(flow_of(game_id)),
    }


def recent_plays(game_id: str, count: int) -> list[PlayPayload]:
    return [play_payload(p) for p in last_plays(game_id, count)]


def plays_after(game_id: str, after: int, limit: int) -> tuple[list[PlayPayload], bool]:
    """Up to ``limit`` present plays with an orderNumber above ``after``; True if more."""
    rows = list(Play.objects.filter(game_id=game_id, order_number__gt=after).present()[: limit + 1])
    return [play_payload(p) for p in rows[:limit]], len(rows) > limit


def alert_clock(seconds: float | None) -> str:
    """The game clock of an alert, ``4:00`` (``0:00`` at a period's end; "" for none)."""
    if seconds is None:
        return ""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def alert_payload(alert: Alert) -> AlertPayload:
    """An alert as the WebSocket API carries it (one size: no field grows)."""
    game = alert.game
    return {
        "id": alert.pk,
        "seq": alert.seq,
        "game_id": alert.game_id,
        "rule": alert.rule,
        "rule_text": alert.get_rule_display(),
        "key": alert.key,
        "text": alert.text,
        "home": game.home_tricode if game is not None else "",
        "away": game.away_tricode if game is not None else "",
        "period": alert.period,
        "clock": alert_clock(alert.clock_seconds),
        "clock_seconds": alert.clock_seconds,
        "home_score": alert.home_score,
        "away_score": alert.away_score,
        "raised_at": alert.raised_at.isoformat(),
        "active": alert.active,
    }


def tonights_alerts(game_ids: Sequence[str]) -> tuple[int, list[AlertPayload]]:
    """The board's alert sequence and its newest alerts (tonight's games and feed
    trouble), newest first: every active one, then the newest others, at most
    ``SNAPSHOT_ALERTS`` in all (three queries). The sequence is read first, so an alert
    committed meanwhile is either listed or arrives as the next ``alert`` message."""
    seq = AlertSequence.objects.filter(pk=1).values_list("value", flat=True).first() or 0
    mine = Alert.objects.filter(Q(game_id__in=list(game_ids)) | Q(game__isnull=True))
    mine = mine.select_related("game").order_by("-id")
    active = list(mine.filter(active=True)[:SNAPSHOT_ALERTS])
    others = list(mine.filter(active=False)[: SNAPSHOT_ALERTS - len(active)])
    newest = sorted([*active, *others], key=lambda alert: -alert.pk)
    return seq, [alert_payload(a) for a in newest]
