"""Scoreboard payloads for tests, built by editing a real recorded game."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from games.feed.types import GameStatus

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
_REAL = json.loads((FIXTURES / "scoreboard_2023-04-20.json").read_text())
TEMPLATE: dict[str, Any] = _REAL["scoreboard"]["games"][0]


def game_json(
    game_id: str = "0042200163",
    *,
    status: int = 2,
    period: int = 1,
    clock: str = "PT11M00.00S",
    home: int = 0,
    away: int = 0,
    text: str | None = None,
) -> dict[str, Any]:
    game = copy.deepcopy(TEMPLATE)
    game.update(gameId=game_id, gameStatus=status, period=period, gameClock=clock)
    game["gameStatusText"] = (
        text if text is not None else ("Final" if status == GameStatus.FINAL else f"Q{period}")
    )
    game["homeTeam"]["score"], game["awayTeam"]["score"] = home, away
    return game


def board(*games: dict[str, Any], date: str = "2023-04-20") -> dict[str, Any]:
    return {"meta": _REAL["meta"], "scoreboard": {"gameDate": date, "games": list(games)}}


def at_minute(minute: float, home: int, away: int, game_id: str = "0042200163") -> dict[str, Any]:
    """A live state at elapsed game minute ``minute`` (regulation)."""
    elapsed = minute * 60
    period = min(int(elapsed // 720) + 1, 4)
    left = period * 720 - elapsed
    clock = f"PT{int(left // 60):02d}M{left % 60:05.2f}S"
    return game_json(game_id, period=period, clock=clock, home=home, away=away, text=f"Q{period}")


class StaticFeed:
    """A feed that serves the given payloads in turn (an exception item is raised)."""

    name = "test"

    def __init__(self, *payloads: Any) -> None:
        self.payloads = list(payloads)

    def fetch(self) -> dict[str, Any]:
        item = self.payloads.pop(0)
        if isinstance(item, Exception):
            raise item
        return item  # type: ignore[no-any-return]
