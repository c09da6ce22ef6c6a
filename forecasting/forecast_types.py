"""What a halftime forecaster takes (the pattern and a ``GameContext``) and gives (a
``Forecast``).

The pattern is the home-minus-away differential of each of the game's first
``PATTERN_MINUTES`` minutes: the halftime models are trained on that many, and each
forecaster says how many it reads (``pattern_length``); the server checks that it
forecasts at the minute its model reads up to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

PATTERN_MINUTES = 18  # minutes 1..18: 6:00 left in the second quarter


@dataclass(frozen=True, slots=True)
class GameContext:
    home_wins: int = 0
    home_losses: int = 0
    away_wins: int = 0
    away_losses: int = 0


@dataclass(frozen=True)
class Forecast:
    model_name: str
    model_version: str
    halftime_point: float
    halftime_lo90: int
    halftime_hi90: int
    halftime_lo95: int | None = None
    halftime_hi95: int | None = None
    components: dict[str, float] = field(default_factory=dict)
    neighbours: list[dict[str, Any]] = field(default_factory=list)
    final_point: float | None = None
    final_lo90: int | None = None
    final_hi90: int | None = None
    home_win_probability: float | None = None


class Forecaster(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def pattern_length(self) -> int: ...

    def forecast(self, pattern: Sequence[int], context: GameContext) -> Forecast: ...
