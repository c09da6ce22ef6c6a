"""Shared pieces of the fault tests."""

from __future__ import annotations

from games.models import Game, MinuteDifferential, PollRun, Snapshot
from predictions.models import Prediction
from support.payloads import StaticFeed

__all__ = ["StaticFeed", "counts", "minutes_of"]


def counts() -> dict[str, int]:
    """Rows per table: what "no lost and no duplicated rows" is checked against."""
    return {
        "games": Game.objects.count(),
        "snapshots": Snapshot.objects.count(),
        "minutes": MinuteDifferential.objects.count(),
        "predictions": Prediction.objects.count(),
        "polls": PollRun.objects.count(),
    }


def minutes_of(game_id: str) -> list[tuple[int, int]]:
    rows = MinuteDifferential.objects.filter(game_id=game_id).order_by("minute")
    return list(rows.values_list("minute", "differential"))
