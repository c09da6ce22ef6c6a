"""Arrays the models share: patterns, targets, team strength and lead bins.

Everything here is plain numpy so that serving (web and worker) never needs pandas
or torch. ``HistoryArrays`` holds one season selection of the historical table in
column form; the serving path builds the same features from a ``GameContext``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forecasting.forecast_types import PATTERN_MINUTES
from forecasting.history_table import HistoryRow

# Pre-game records are shrunk toward .500 with this many pseudo-games, so that a
# 1-0 team is not treated as a perfect one.
STRENGTH_PRIOR_GAMES = 10.0
# Lead bins on |differential at minute 18|: <= 5, 6..12, > 12.
LEAD_BIN_EDGES = (5, 12)
LEAD_BIN_LABELS = ("lead<=5", "lead6-12", "lead>12")


def win_share(wins: np.ndarray | float, losses: np.ndarray | float) -> np.ndarray:
    """Pre-game winning share shrunk toward 0.5."""
    wins_a = np.asarray(wins, dtype=float)
    games = wins_a + np.asarray(losses, dtype=float)
    return (wins_a + 0.5 * STRENGTH_PRIOR_GAMES) / (games + STRENGTH_PRIOR_GAMES)


def strength_difference(
    home_wins: np.ndarray | float,
    home_losses: np.ndarray | float,
    away_wins: np.ndarray | float,
    away_losses: np.ndarray | float,
) -> np.ndarray:
    """Home minus away shrunk winning share, in [-1, 1]."""
    return win_share(home_wins, home_losses) - win_share(away_wins, away_losses)


def lead_bin(d18: np.ndarray | float) -> np.ndarray:
    """0, 1 or 2 for |d18| <= 5, 6..12, > 12."""
    lead = np.abs(np.asarray(d18, dtype=float))
    return np.digitize(lead, [LEAD_BIN_EDGES[0] + 0.5, LEAD_BIN_EDGES[1] + 0.5]).astype(np.int64)


@dataclass(frozen=True)
class HistoryArrays:
    patterns: np.ndarray  # (n, 18) float64, minutes 1..18
    halftime: np.ndarray  # (n,) halftime differential
    final: np.ndarray  # (n,) final differential
    strength: np.ndarray  # (n,) home minus away shrunk winning share
    season: np.ndarray  # (n,) season end year
    game_id: np.ndarray  # (n,) str
    date: np.ndarray  # (n,) str
    home: np.ndarray  # (n,) str
    away: np.ndarray  # (n,) str

    @property
    def d18(self) -> np.ndarray:
        return self.patterns[:, -1]

    @property
    def halftime_change(self) -> np.ndarray:
        return self.halftime - self.d18

    @property
    def final_change(self) -> np.ndarray:
        return self.final - self.d18

    def __len__(self) -> int:
        return int(self.patterns.shape[0])

    def select(self, seasons: Sequence[int]) -> HistoryArrays:
        mask = np.isin(self.season, list(seasons))
        return self.take(np.flatnonzero(mask))

    def take(self, index: np.ndarray) -> HistoryArrays:
        return HistoryArrays(
            **{name: getattr(self, name)[index] for name in self.__dataclass_fields__}
        )

    @classmethod
    def from_rows(cls, rows: Sequence[HistoryRow]) -> HistoryArrays:
        usable = [r for r in rows if len(r.minutes) >= PATTERN_MINUTES]
        return cls(
            patterns=np.array([r.minutes[:PATTERN_MINUTES] for r in usable], dtype=float).reshape(
                -1, PATTERN_MINUTES
            ),
            halftime=np.array([r.halftime_diff for r in usable], dtype=float),
            final=np.array([r.final_diff for r in usable], dtype=float),
            strength=strength_difference(
                np.array([r.home_wins for r in usable], dtype=float),
                np.array([r.home_losses for r in usable], dtype=float),
                np.array([r.away_wins for r in usable], dtype=float),
                np.array([r.away_losses for r in usable], dtype=float),
            ),
            season=np.array([r.season for r in usable], dtype=np.int64),
            game_id=np.array([r.game_id for r in usable], dtype=str),
            date=np.array([r.date for r in usable], dtype=str),
            home=np.array([r.home for r in usable], dtype=str),
            away=np.array([r.away for r in usable], dtype=str),
        )
