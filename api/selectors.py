"""What the HTTP API reads: nights, a night's games, a game, its forecasts.

Every answer is built by ``realtime.payloads``, the socket's own builders, and comes
with its validators: an ``ETag`` from the games' versions (``seq`` only grows and moves
with every change a client could see). No ``Last-Modified``: a forecast or an outcome is
a new version without a new game state (``updated_at`` is when the feed last changed the
game), and HTTP dates count whole seconds: the ``ETag`` alone is exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from api.schemas import ForecastRow, GameDetail, NightGames, NightSummary
from games.feed.types import GameStatus
from games.models import Game
from predictions.models import LiveForecast
from realtime.messages import API_VERSION, SNAPSHOT_CURVE_POINTS
from realtime.payloads import forecast_payload, games_with_history, minute_payload


@dataclass(frozen=True)
class Validators:
    """What a conditional request is checked against (RFC 9110 section 13)."""

    etag: str
    last_modified: dt.datetime | None


def _etag(*parts: Any) -> str:
    text = ":".join(str(part) for part in (f"v{API_VERSION}", *parts))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def collection_validators(games: QuerySet[Game], *key: Any) -> Validators:
    """One aggregate: the games' count, the sum of their versions (grows with any
    change to any of them) and the newest change; ``key`` names the representation
    (the page asked for)."""
    agg = games.aggregate(n=Count("pk"), seqs=Sum("seq"))
    return Validators(_etag(*key, agg["n"], agg["seqs"] or 0), None)


def game_validators(game: Game, *key: Any) -> Validators:
    return Validators(_etag(*key, game.pk, game.seq), None)


def nights() -> QuerySet[Any]:
    """Every night with games, newest first, with its game counts."""
    return (
        Game.objects.order_by()
        .values("game_date")
        .annotate(games=Count("pk"), final=Count("pk", filter=Q(status=GameStatus.FINAL)))
        .order_by("-game_date")
    )


def night_summary(row: dict[str, Any]) -> NightSummary:
    return {"date": row["game_date"].isoformat(), "games": row["games"], "final": row["final"]}


def night_games(day: dt.date) -> QuerySet[Game]:
    return Game.objects.filter(game_date=day).select_related("prediction")


def night_payload(day: dt.date, games: QuerySet[Game]) -> NightGames:
    return {
        "date": day.isoformat(),
        "games": games_with_history(games, curve_points=SNAPSHOT_CURVE_POINTS),
    }


def find_game(game_id: str) -> Game | None:
    return Game.objects.select_related("prediction").filter(pk=game_id).first()


def game_detail(game: Game) -> GameDetail:
    """The game, its prediction, its whole curve and every closed minute: what a
    ``subscribed`` message carries, without the envelope."""
    [payload] = games_with_history([game])
    minutes = [minute_payload(row) for row in game.minutes.order_by("minute")]
    return {"game_id": game.pk, "seq": game.seq, "game": payload, "minutes": minutes}


def forecasts(game: Game) -> QuerySet[LiveForecast]:
    return LiveForecast.objects.filter(game=game).order_by(
        "elapsed_seconds", "home_score", "away_score", "model_version", "id"
    )


def forecast_row(row: LiveForecast) -> ForecastRow:
    return {**forecast_payload(row), "created_at": row.created_at.isoformat()}
