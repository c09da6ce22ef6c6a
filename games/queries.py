"""Read-only selections of games that several workflows share."""

from __future__ import annotations

from django.db.models import QuerySet

from games.models import Board, Game


def current_games() -> QuerySet[Game]:
    """Tonight's board: the last polled scoreboard's games (``Board``), with predictions."""
    return Game.objects.on_board(Board.tonight()).select_related("prediction")
