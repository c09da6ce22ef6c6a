"""Games and minutes as the JSON the WebSocket API and pages use."""

from __future__ import annotations

from games.events import GamePayload, MinutePayload, TeamPayload
from games.minutes import PREDICTION_MINUTE
from games.models import Game, GameStatus, MinuteDifferential


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


def game_payload(game: Game, *, with_prediction: bool = False) -> GamePayload:
    """A game's state; its prediction is included (possibly null) only when asked for.

    Select the games with ``select_related("prediction")`` to read them in one query.
    """

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
    if with_prediction:
        payload["prediction"] = (
            game.prediction.as_payload() if hasattr(game, "prediction") else None
        )
    return payload


def minute_payload(row: MinuteDifferential) -> MinutePayload:
    return {
        "minute": row.minute,
        "differential": row.differential,
        "home_score": row.home_score,
        "away_score": row.away_score,
        "imputed": row.imputed,
    }
