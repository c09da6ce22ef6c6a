"""Per-minute rows for fitting and scoring the minute model (numpy; no pandas).

A ``GameRecord`` is one finished game (its minute series and final margin) from the
minute table (``data/minute_history.csv.gz``) or from a play-by-play directory
(``pipelines.history``). ``season_strengths`` gives each side's record from games strictly
before the game's date in the same season (same-date games do not count);
``MinuteRows`` stacks (game, minute) rows for every forecast minute: 1..47 and the
overtime minutes that are not the end of a period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forecasting.history_table import HistoryRow
from forecasting.minute_model import REGULATION_MINUTES, minutes_left


@dataclass(frozen=True, slots=True)
class GameRecord:
    game_id: str
    date: str  # ISO date
    season: int  # END year
    home: str
    away: str
    minutes: tuple[int, ...]  # home minus away at the end of minutes 1..end of game
    final: int  # home minus away, overtime included


def records_from_history(rows: Sequence[HistoryRow]) -> list[GameRecord]:
    return [
        GameRecord(r.game_id, r.date, r.season, r.home, r.away, r.minutes, r.final_diff)
        for r in rows
        if len(r.minutes) >= REGULATION_MINUTES
    ]


Strength = tuple[np.ndarray, np.ndarray, np.ndarray]  # games, raw win %, raw average margin


def season_strengths(games: Sequence[GameRecord]) -> tuple[Strength, Strength]:
    """(home, away) pre-game records per game, from earlier dates of the same season."""
    n = len(games)
    out = np.zeros((2, 3, n))
    out[:, 1, :] = 0.5
    totals: defaultdict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    order = sorted(range(n), key=lambda i: (games[i].season, games[i].date, games[i].game_id))
    pos = 0
    while pos < n:
        day = games[order[pos]].season, games[order[pos]].date
        same = []
        while pos < n and (games[order[pos]].season, games[order[pos]].date) == day:
            same.append(order[pos])
            pos += 1
        for i in same:
            g = games[i]
            for side, team in ((0, g.home), (1, g.away)):
                played, wins, margin = totals[(g.season, team)]
                if played:
                    out[side, :, i] = (played, wins / played, margin / played)
        for i in same:
            g = games[i]
            for team, margin in ((g.home, g.final), (g.away, -g.final)):
                total = totals[(g.season, team)]
                total[0] += 1
                total[1] += margin > 0
                total[2] += margin
    home = (out[0, 0], out[0, 1], out[0, 2])
    away = (out[1, 0], out[1, 1], out[1, 2])
    return home, away


def forecast_minutes(length: int) -> list[int]:
    """Minutes of a game of ``length`` minutes that get a forecast (not ends of periods)."""
    return [m for m in range(1, length) if minutes_left(m) > 0]


@dataclass(frozen=True)
class MinuteRows:
    """One row per (game, forecast minute); ``series`` holds each game's regulation minutes."""

    game: np.ndarray  # index into the game list
    minute: np.ndarray
    margin: np.ndarray
    final: np.ndarray
    home: Strength
    away: Strength
    series: np.ndarray  # (games, 48)
    finals: np.ndarray  # (games,)
    season: np.ndarray  # (games,)

    @property
    def home_win(self) -> np.ndarray:
        return (self.final > 0).astype(float)

    def __len__(self) -> int:
        return len(self.game)

    def take(self, mask: np.ndarray) -> MinuteRows:
        """Rows where ``mask`` (games and strengths stay indexed as before)."""
        idx = np.flatnonzero(mask)
        return MinuteRows(
            game=self.game[idx],
            minute=self.minute[idx],
            margin=self.margin[idx],
            final=self.final[idx],
            home=(self.home[0][idx], self.home[1][idx], self.home[2][idx]),
            away=(self.away[0][idx], self.away[1][idx], self.away[2][idx]),
            series=self.series,
            finals=self.finals,
            season=self.season,
        )

    @classmethod
    def build(cls, games: Sequence[GameRecord]) -> MinuteRows:
        home, away = season_strengths(games)
        game_idx, minute, margin, final = [], [], [], []
        for i, g in enumerate(games):
            minutes = forecast_minutes(len(g.minutes))
            game_idx += [i] * len(minutes)
            minute += minutes
            margin += [g.minutes[m - 1] for m in minutes]
            final += [g.final] * len(minutes)
        gi = np.asarray(game_idx, dtype=np.int64)
        return cls(
            game=gi,
            minute=np.asarray(minute, dtype=np.int64),
            margin=np.asarray(margin, dtype=float),
            final=np.asarray(final, dtype=float),
            home=(home[0][gi], home[1][gi], home[2][gi]),
            away=(away[0][gi], away[1][gi], away[2][gi]),
            series=np.array([g.minutes[:REGULATION_MINUTES] for g in games], dtype=float).reshape(
                -1, REGULATION_MINUTES
            ),
            finals=np.array([g.final for g in games], dtype=float),
            season=np.array([g.season for g in games], dtype=np.int64),
        )
