"""Games and minutes as the JSON the WebSocket API and pages use.

A game's state (``game_payload``) has the same size at any minute of the game; its
win-probability curve is added only where a game's history travels (``snapshot``,
``subscribed``, the pages: ``games_with_history``). The curve is made by an app above
``games`` (``predictions``), which registers where to read it with
``provide_win_probability`` in its ``AppConfig.ready``; without one every curve is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from games.events import (
    BoardPayload,
    GamePayload,
    GameWithHistory,
    MinutePayload,
    TeamPayload,
    WinProbabilityPoint,
    thin_curve,
)
from games.minutes import PREDICTION_MINUTE
from games.models import Board, Game, GameStatus, MinuteDifferential

WinProbabilitySource = Callable[[Sequence[str]], dict[str, list[WinProbabilityPoint]]]
_win_probability_source: WinProbabilitySource | None = None


def provide_win_probability(source: WinProbabilitySource | None) -> None:
    """Register the reader of games' win-probability series (one query for many games)."""
    global _win_probability_source
    _win_probability_source = source


def win_probabilities(game_ids: Sequence[str]) -> dict[str, list[WinProbabilityPoint]]:
    """Each game's series, ordered by minute (an empty list for a game without one)."""
    found = _win_probability_source(game_ids) if _win_probability_source and game_ids else {}
    return {game_id: found.get(game_id, []) for game_id in game_ids}


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
        prediction = game.prediction.as_payload() if hasattr(game, "prediction") else None
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
