"""What the HTTP API reads: nights, a night's games, a game, its forecasts, plays and
box score.

Every answer is built by ``realtime.payloads``, the socket's own builders, and comes
with its validators: an ``ETag`` from the games' versions (``seq`` only grows and moves
with every change a client could see). A game's plays and box score are not versions
of the game (they go to its subscribers only and carry the seq, never bump it): their
``ETag`` is from their own rows (how many, the newest change). No ``Last-Modified``: a
forecast or an outcome is a new version without a new game state (``updated_at`` is
when the feed last changed the game), and HTTP dates count whole seconds: the ``ETag``
alone is exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum

from api.schemas import BoxScoreDetail, ForecastRow, GameDetail, NightGames, NightSummary, PlayPage
from games.feed.types import GameStatus
from games.models import Game, Play, PlayerBoxLine, TeamBoxLine
from predictions.models import LiveForecast
from realtime.messages import API_VERSION, SNAPSHOT_CURVE_POINTS
from realtime.payloads import (
    boxscore_of,
    forecast_payload,
    games_with_history,
    minute_payload,
    plays_after,
)


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


def _newest(rows: QuerySet[Any]) -> tuple[int, str]:
    agg = rows.aggregate(n=Count("pk"), newest=Max("updated_at"))
    return agg["n"], agg["newest"].isoformat() if agg["newest"] else ""


def _plays_version(game: Game) -> tuple[int, str]:
    """The plays' ``version()``, the one the live forecast's kept fold checks too."""
    rows, newest = Play.objects.filter(game=game).version()
    return rows, newest.isoformat() if newest else ""


def plays_validators(game: Game, after: int, limit: int) -> Validators:
    """Every stored play counts (a removed one too: its removal is a change)."""
    return Validators(_etag("plays", game.pk, *_plays_version(game), after, limit), None)


def play_page(game: Game, after: int, limit: int) -> PlayPage:
    """What the socket's ``play_page`` answers, without the envelope."""
    plays, more = plays_after(game.pk, after, limit)
    return {
        "game_id": game.pk,
        "after": after,
        "plays": plays,
        "more": more,
        "next_after": plays[-1]["order_number"] if more else None,
    }


def boxscore_validators(game: Game) -> Validators:
    """The box score's lines, and the plays its game flow is derived from."""
    parts = (
        *_newest(TeamBoxLine.objects.filter(game=game)),
        *_newest(PlayerBoxLine.objects.filter(game=game)),
        *_plays_version(game),
    )
    return Validators(_etag("boxscore", game.pk, *parts), None)


def boxscore_detail(game: Game) -> BoxScoreDetail:
    """What the socket's ``boxscore`` and ``subscribed`` carry, for one game."""
    return {"game_id": game.pk, **boxscore_of(game.pk)}
