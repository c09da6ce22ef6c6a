"""What a feed hands the pipeline: one poll's games as plain values, and the game status.

Settings-free (no ORM, no Django settings): the parser and the replay feed build these,
``games.models`` stores them. ``GameStatus`` is the one encoding of a game's status,
the numbers NBA's scoreboard uses (``gameStatus``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models.enums import IntegerChoices


class GameStatus(IntegerChoices):
    SCHEDULED = 1, "scheduled"
    LIVE = 2, "live"
    FINAL = 3, "final"
    # Ours, never the feed's: a game that left the board unfinished and was not seen for
    # GAME_STALE_AFTER_SECONDS (or whose replay was abandoned). Neither live nor
    # scheduled, never scored; a poll that sees the game again takes it back.
    STALE = 4, "stale"


# The statuses NBA's scoreboard sends (``gameStatus``); anything else is rejected.
FEED_STATUSES = (GameStatus.SCHEDULED, GameStatus.LIVE, GameStatus.FINAL)


@dataclass(frozen=True, slots=True)
class TeamState:
    team_id: int
    tricode: str
    city: str
    name: str
    wins: int
    losses: int
    score: int


@dataclass(frozen=True, slots=True)
class GameState:
    game_id: str
    status: GameStatus
    status_text: str
    period: int
    clock_seconds: float | None
    elapsed: float
    home: TeamState
    away: TeamState
    start_time: dt.datetime | None
    sealed: bool = False  # nothing more can happen at ``elapsed`` (a period or the game ended)

    @property
    def differential(self) -> int:
        return self.home.score - self.away.score


@dataclass(frozen=True)
class Rejected:
    game_id: str
    reason: str


@dataclass(frozen=True)
class Scoreboard:
    game_date: dt.date | None
    games: list[GameState] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
