"""The per-minute forecaster: home win probability and final margin after every closed minute.

Serving is numpy only (never torch, pandas or Django settings). One model reads, at any
closed minute, what a live game has then: the margin, the time left in the current
period, pre-game team strength (win share and average point margin from games before the
date in the same season, shrunk toward .500 / 0 with ``prior_games`` pseudo-games) and
home court, plus a nearest-neighbour ("Dejavu") expected change to the end from the
minute series so far (regulation minutes only).

* Win probability: a logistic on named features (``FEATURES``) in the Brownian-motion
  scale (margin/sqrt(t), strength x sqrt(t), ...), fitted on 2021-22 + 2022-23, the
  feature set chosen on 2023-24 (``pipelines.minute_training``).
* Final margin (overtime included): margin + a linear model of the change to the end;
  90 %/95 % intervals are split-conformal on 2023-24 per game-quarter (Mondrian) with the
  integer score normalized by sqrt(t + 1), rounded outward to integers.
* Minutes: 1..47 regulation (t = 48 - m minutes left), 49..52 first overtime (t = 53 - m),
  54..57 second, ...; 48, 53, 58, ... are ends of periods (t = 0).
* A tie with no time left goes to overtime: the win probability is the overtime home-win
  rate of the training seasons and the final margin is the mean overtime margin with the
  empirical overtime quantiles as intervals. Any other margin with no time left is
  decided (probability clipped to ``PROB_FLOOR`` / 1 - ``PROB_FLOOR``, interval the margin).
  During overtime, t is the time left in the current overtime period.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.winprob import sigmoid

REGULATION_MINUTES = 48
OT_MINUTES = 5
PROB_FLOOR = 1e-4
LIBRARY_FILE = "minute_library.npz"
QUARTERS = ("Q1", "Q2", "Q3", "Q4", "OT")
DEJAVU_FEATURES = ("dj", "dj_sqrt")


@dataclass(frozen=True)
class TeamStrength:
    """Pre-game record of one team, from games before the game date in the same season."""

    games: int
    win_pct: float  # raw; 0.5 with no games
    avg_margin: float  # raw points per game; 0 with no games


@dataclass(frozen=True)
class MinuteState:
    minute: int  # elapsed closed minute (see the module docstring)
    series: tuple[int, ...]  # home-minus-away at the end of minutes 1..minute
    home: TeamStrength
    away: TeamStrength


@dataclass(frozen=True)
class MinuteEstimate:
    home_win_prob: float
    final_margin: float
    interval90: tuple[float, float]
    interval95: tuple[float, float]


def team_strength_from_results(results: Iterable[tuple[date, int]], before: date) -> TeamStrength:
    """A team's record from (date, margin for that team) results strictly before ``before``."""
    margins = [margin for day, margin in results if day < before]
    if not margins:
        return TeamStrength(games=0, win_pct=0.5, avg_margin=0.0)
    wins = sum(1 for m in margins if m > 0)
    return TeamStrength(
        games=len(margins), win_pct=wins / len(margins), avg_margin=sum(margins) / len(margins)
    )


def minutes_left(minute: int | np.ndarray) -> np.ndarray:
    """Minutes left in the current period at the end of ``minute`` (0 at a period's end)."""
    m = np.asarray(minute, dtype=np.int64)
    ot_period = np.maximum((m - REGULATION_MINUTES - 1) // OT_MINUTES + 1, 1)
    end = np.where(m <= REGULATION_MINUTES, REGULATION_MINUTES, 48 + OT_MINUTES * ot_period)
    return (end - m).astype(float)


def quarter_index(minute: int | np.ndarray) -> np.ndarray:
    """0..3 for the regulation quarter of a minute (1-12, 13-24, 25-36, 37-48), 4 in overtime."""
    m = np.asarray(minute, dtype=np.int64)
    return np.where(m > REGULATION_MINUTES, 4, np.clip((m - 1) // 12, 0, 3))


def shrunk_strength(
    games: np.ndarray, win_pct: np.ndarray, avg_margin: np.ndarray, prior_games: float
) -> tuple[np.ndarray, np.ndarray]:
    """Win share shrunk toward .500 and average margin toward 0 with ``prior_games``."""
    g = np.asarray(games, dtype=float)
    weight = np.divide(g, g + prior_games, out=np.zeros_like(g), where=g + prior_games > 0)
    share = 0.5 + weight * (np.asarray(win_pct, float) - 0.5)
    return share, weight * np.asarray(avg_margin, float)


# --- features ---------------------------------------------------------------------------
# Every column is a function of the per-row arrays: margin, t (minutes left, >= 1),
# s_margin / s_wp (home minus away shrunk strength) and dj (Dejavu expected change).

Columns = dict[str, np.ndarray]

FEATURES: dict[str, Callable[[Columns], np.ndarray]] = {
    "margin": lambda c: c["margin"] / 10.0,
    "t": lambda c: c["t"] / REGULATION_MINUTES,
    "margin_sqrt": lambda c: c["margin"] / np.sqrt(c["t"]),
    "sqrt_t": lambda c: np.sqrt(c["t"]),
    "margin_t": lambda c: c["margin"] * c["t"] / (10.0 * REGULATION_MINUTES),
    "smargin_t": lambda c: c["s_margin"] * c["t"] / REGULATION_MINUTES,
    "swp_t": lambda c: c["s_wp"] * c["t"] / REGULATION_MINUTES,
    "smargin_sqrt": lambda c: c["s_margin"] * np.sqrt(c["t"]) / 10.0,
    "swp_sqrt": lambda c: c["s_wp"] * np.sqrt(c["t"]),
    "dj": lambda c: c["dj"] / 10.0,
    "dj_sqrt": lambda c: c["dj"] / np.sqrt(c["t"]),
}


def design(features: Sequence[str], columns: Columns) -> np.ndarray:
    n = len(columns["margin"])
    return np.column_stack([np.ones(n)] + [FEATURES[f](columns) for f in features])


@dataclass(frozen=True)
class LinearPart:
    """Intercept + coefficients over named ``FEATURES`` (logistic or linear)."""

    features: tuple[str, ...]
    coef: tuple[float, ...]

    def linear(self, columns: Columns) -> np.ndarray:
        return design(self.features, columns) @ np.asarray(self.coef)

    def as_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "coef": list(self.coef)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearPart:
        return cls(tuple(data["features"]), tuple(float(c) for c in data["coef"]))


# --- Dejavu at any regulation minute ------------------------------------------------------


@dataclass(frozen=True)
class MinuteDejavuConfig:
    k: int = 200
    window: int = 12  # compare the last `window` minutes of the shape (0: the whole prefix)
    level_weight: float = 1.0  # weight of the current margin next to the shape

    def as_dict(self) -> dict[str, Any]:
        return {"k": self.k, "window": self.window, "level_weight": self.level_weight}


@dataclass
class MinuteDejavu:
    """Training games' regulation series; expected change to the final from k neighbours."""

    config: MinuteDejavuConfig
    series: np.ndarray  # (n, 48) float, minutes 1..48
    final: np.ndarray  # (n,) final margin (overtime included)
    _cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False
    )

    def encode(self, prefix: np.ndarray, minute: int) -> np.ndarray:
        """(m, minute) prefixes -> vectors compared by Euclidean distance."""
        start = 0 if self.config.window == 0 else max(0, minute - self.config.window)
        current = prefix[:, minute - 1 : minute]
        shape = prefix[:, start:minute] - current
        return np.hstack([shape, self.config.level_weight * current])

    def expected_change(
        self, prefixes: np.ndarray, minute: int, exclude: np.ndarray | None = None
    ) -> np.ndarray:
        """Mean (final - margin at ``minute``) over the k nearest library games, per query.

        ``exclude`` gives a library row to skip per query (leave-one-out on training rows).
        """
        query = self.encode(np.asarray(prefixes, float).reshape(-1, minute), minute)
        lib, norms, change = self._library(minute)
        dist = norms[None, :] - 2.0 * query @ lib.T  # + |query|^2, the same for every row
        if exclude is not None:
            dist[np.arange(len(query)), exclude] = np.inf
        k = min(self.config.k, lib.shape[0] - 1)
        idx = np.argpartition(dist, k - 1, axis=1)[:, :k]
        return change[idx].mean(axis=1)

    def _library(self, minute: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Encoded library, its squared norms and the change to the final (cached per minute)."""
        cached = self._cache.get(minute)
        if cached is None:
            lib = self.encode(self.series[:, :minute], minute)
            cached = (lib, (lib**2).sum(1), self.final - self.series[:, minute - 1])
            self._cache[minute] = cached
        return cached


def _minutes_left_one(minute: int) -> int:
    if minute <= REGULATION_MINUTES:
        return REGULATION_MINUTES - minute
    return (
        REGULATION_MINUTES + OT_MINUTES * ((minute - REGULATION_MINUTES - 1) // OT_MINUTES + 1)
    ) - minute


def _shrink_one(team: TeamStrength, prior_games: float) -> tuple[float, float]:
    """``shrunk_strength`` for one team, in plain floats."""
    total = team.games + prior_games
    weight = team.games / total if total > 0 else 0.0
    return 0.5 + weight * (team.win_pct - 0.5), weight * team.avg_margin


def _linear_one(part: LinearPart, cols: Any) -> float:
    """``LinearPart.linear`` for one row whose columns are floats."""
    value = part.coef[0]
    for name, coef in zip(part.features, part.coef[1:], strict=True):
        value += coef * float(FEATURES[name](cols))
    return value


# --- the model ------------------------------------------------------------------------------


@dataclass
class MinuteModel:
    CARD_FILE = "minute_model.json"

    version: str
    prior_games: float
    winprob: LinearPart  # logistic
    margin: LinearPart  # linear model of the change to the final
    half_widths: dict[str, list[float]]  # level key -> per QUARTERS factor of sqrt(t + 1)
    tie_home_win_rate: float  # overtime home-win rate (training seasons)
    tie_margin: tuple[float, float, float, float, float]  # OT mean, q2.5, q5, q95, q97.5
    dejavu: MinuteDejavu | None = None
    card: dict[str, Any] | None = None

    def uses_dejavu(self) -> bool:
        used = self.winprob.features + self.margin.features
        return self.dejavu is not None and any(f in used for f in DEJAVU_FEATURES)

    def columns(
        self,
        minute: np.ndarray,
        margin: np.ndarray,
        home: tuple[np.ndarray, np.ndarray, np.ndarray],
        away: tuple[np.ndarray, np.ndarray, np.ndarray],
        dj: np.ndarray,
    ) -> Columns:
        h_wp, h_m = shrunk_strength(*home, self.prior_games)
        a_wp, a_m = shrunk_strength(*away, self.prior_games)
        return {
            "margin": np.asarray(margin, float),
            "t": np.maximum(minutes_left(minute), 1.0),
            "s_margin": h_m - a_m,
            "s_wp": h_wp - a_wp,
            "dj": np.asarray(dj, float),
        }

    def predict_columns(self, minute: np.ndarray, columns: Columns) -> dict[str, np.ndarray]:
        """Probability, final margin and rounded intervals for many rows."""
        minute = np.asarray(minute, dtype=np.int64)
        margin = columns["margin"]
        t_left = minutes_left(minute)
        prob = sigmoid(self.winprob.linear(columns))
        point = margin + self.margin.linear(columns)
        scale = np.sqrt(t_left + 1.0)
        q = quarter_index(minute)
        out: dict[str, np.ndarray] = {"prob": prob, "final": point}
        for key, level in (("90", "0.900"), ("95", "0.950")):
            half = np.asarray(self.half_widths[level])[q] * scale + 1e-9
            out[f"lo{key}"] = np.floor(point - half)
            out[f"hi{key}"] = np.ceil(point + half)
        ended = t_left == 0
        if ended.any():  # end of a period: decided, or a tie going to overtime
            tie = ended & (margin == 0)
            prob = np.where(ended, np.where(margin > 0, 1.0, 0.0), prob)
            prob = np.where(tie, self.tie_home_win_rate, prob)
            mean, q025, q05, q95, q975 = self.tie_margin
            out["final"] = np.where(ended, np.where(tie, mean, margin), point)
            for key, lo, hi in (("90", q05, q95), ("95", q025, q975)):
                out[f"lo{key}"] = np.where(ended, np.where(tie, lo, margin), out[f"lo{key}"])
                out[f"hi{key}"] = np.where(ended, np.where(tie, hi, margin), out[f"hi{key}"])
        out["prob"] = np.clip(prob, PROB_FLOOR, 1.0 - PROB_FLOOR)
        return out

    def dejavu_change(self, series: Sequence[int], minute: int) -> float:
        if not self.uses_dejavu() or minute >= REGULATION_MINUTES or self.dejavu is None:
            return 0.0
        prefix = np.asarray(series[:minute], dtype=float)[None, :]
        return float(self.dejavu.expected_change(prefix, minute)[0])

    def forecast(self, state: MinuteState) -> MinuteEstimate:
        """One game's forecast: a scalar path (no array set-up) equal to ``predict_columns``."""
        minute = state.minute
        if minute < 1 or len(state.series) < minute:
            raise ValueError(f"minute {minute} needs that many values in the series")
        margin = float(state.series[minute - 1])
        t_left = float(_minutes_left_one(minute))
        if t_left == 0:  # end of a period: the rare array path
            return self._forecast_arrays(state, margin)
        home_wp, home_m = _shrink_one(state.home, self.prior_games)
        away_wp, away_m = _shrink_one(state.away, self.prior_games)
        cols: Any = {
            "margin": margin,
            "t": t_left,
            "s_margin": home_m - away_m,
            "s_wp": home_wp - away_wp,
            "dj": self.dejavu_change(state.series, minute),
        }
        z = _linear_one(self.winprob, cols)
        prob = min(max(1.0 / (1.0 + math.exp(-z)), PROB_FLOOR), 1.0 - PROB_FLOOR)
        point = margin + _linear_one(self.margin, cols)
        q = 4 if minute > REGULATION_MINUTES else min((minute - 1) // 12, 3)
        scale = math.sqrt(t_left + 1.0)
        bounds = []
        for level in ("0.900", "0.950"):
            half = self.half_widths[level][q] * scale + 1e-9
            bounds.append((float(math.floor(point - half)), float(math.ceil(point + half))))
        return MinuteEstimate(
            home_win_prob=round(prob, 4),
            final_margin=round(point, 2),
            interval90=bounds[0],
            interval95=bounds[1],
        )

    def _forecast_arrays(self, state: MinuteState, margin: float) -> MinuteEstimate:
        home, away = state.home, state.away
        cols = self.columns(
            np.array([state.minute]),
            np.array([margin], dtype=float),
            (np.array([home.games]), np.array([home.win_pct]), np.array([home.avg_margin])),
            (np.array([away.games]), np.array([away.win_pct]), np.array([away.avg_margin])),
            np.array([self.dejavu_change(state.series, state.minute)]),
        )
        out = self.predict_columns(np.array([state.minute]), cols)
        return MinuteEstimate(
            home_win_prob=round(float(out["prob"][0]), 4),
            final_margin=round(float(out["final"][0]), 2),
            interval90=(float(out["lo90"][0]), float(out["hi90"][0])),
            interval95=(float(out["lo95"][0]), float(out["hi95"][0])),
        )

    # --- storage ---------------------------------------------------------------------------

    def save(self, directory: Path, card: dict[str, Any]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        body = dict(card)
        body.update(
            {
                "version": self.version,
                "prior_games": self.prior_games,
                "winprob": self.winprob.as_dict(),
                "margin": self.margin.as_dict(),
                "half_widths": self.half_widths,
                "quarters": list(QUARTERS),
                "tie_home_win_rate": self.tie_home_win_rate,
                "tie_margin": list(self.tie_margin),
                "dejavu": (
                    self.dejavu.config.as_dict()
                    if self.uses_dejavu() and self.dejavu is not None
                    else None
                ),
            }
        )
        (directory / self.CARD_FILE).write_text(json.dumps(body, indent=1) + "\n")
        if self.uses_dejavu() and self.dejavu is not None:
            np.savez_compressed(
                directory / LIBRARY_FILE,
                series=self.dejavu.series.astype(np.int16),
                final=self.dejavu.final.astype(np.int16),
            )

    @classmethod
    def load(cls, directory: Path) -> MinuteModel:
        card = json.loads((directory / cls.CARD_FILE).read_text())
        dejavu = None
        if card.get("dejavu"):
            with np.load(directory / LIBRARY_FILE) as data:
                dejavu = MinuteDejavu(
                    MinuteDejavuConfig(**card["dejavu"]),
                    series=data["series"].astype(float),
                    final=data["final"].astype(float),
                )
        tm = card["tie_margin"]
        return cls(
            version=card["version"],
            prior_games=float(card["prior_games"]),
            winprob=LinearPart.from_dict(card["winprob"]),
            margin=LinearPart.from_dict(card["margin"]),
            half_widths={k: [float(x) for x in v] for k, v in card["half_widths"].items()},
            tie_home_win_rate=float(card["tie_home_win_rate"]),
            tie_margin=(float(tm[0]), float(tm[1]), float(tm[2]), float(tm[3]), float(tm[4])),
            dejavu=dejavu,
            card=card,
        )


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF (numpy has no erf; used by the Stern baseline)."""
    erf = np.frompyfunc(math.erf, 1, 1)
    values = np.asarray(erf(np.asarray(x, dtype=float) / math.sqrt(2.0)), dtype=float)
    return 0.5 * (1.0 + values)
