"""Shared pieces of the fault tests."""

from __future__ import annotations

from typing import Any

from games.models import Game, MinuteDifferential, PollRun, Snapshot
from predictions.models import Prediction


class StaticFeed:
    """A feed that serves the given payloads in turn (an exception is raised)."""

    name = "test"

    def __init__(self, *payloads: Any) -> None:
        self.payloads = list(payloads)

    def fetch(self) -> dict[str, Any]:
        item = self.payloads.pop(0)
        if isinstance(item, Exception):
            raise item
        return item  # type: ignore[no-any-return]


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
