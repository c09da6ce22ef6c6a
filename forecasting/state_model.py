"""State-aware home win probability and expected final margin, at any moment of a game.

Served with numpy and pure Python only (no Django, no scikit-learn, pandas, LightGBM or
torch): the artifact is one JSON model card plus one ``.npz`` of tree arrays, written by
``pipelines.state_training`` and read by ``StateModel.load``.

Input: a ``GameState`` - the period and its clock to the tenth, the margin, pre-game
strength (``pregame_strength``) and rest days, and, when known, possession, free throws
pending, team fouls, bonus and timeouts left. Anything unknown is ``None``: the model
was trained with those fields blanked on a share of its rows, so a scoreboard-only state
(margin, clock, period, strength; ``inBonus``/``timeoutsRemaining`` if the scoreboard
has them) gets a forecast of its own, not a guess of the missing values.

Regimes:

* regulation: t = minutes left to the end of regulation; win probability = a logistic in
  the Brownian-motion scale (lead/sqrt(t+0.5), strength x t, ...) boosted by trees on
  the whole state (``TreeEnsemble``, LightGBM's trees as arrays), then a calibration map
  fitted on the calibration season (Platt or isotonic, or none: whichever did best on
  held-out halves of that season);
* overtime (period 5+): its own regime, t = minutes left in the overtime period: either
  its own logistic on the same scale fitted on overtime states only, or the regulation
  logit recalibrated (a + b x logit) on overtime states - whichever did better on the
  calibration season's overtime states;
* terminal rule: with no time left at the end of the 4th period or of an overtime, a
  non-zero margin is decided (probability 1 or 0, the margin is final); a tie goes to
  overtime: the forecast of the overtime regime at its start (margin 0, 5:00 left,
  possession unknown - a jump ball - no fouls), so the curve does not jump there. Free
  throws still to come at 0:00 (a foul at the buzzer) are played out: each goes in with
  the training seasons' free-throw rate, and a tie after them goes to overtime.

Final margin (overtime included): margin + a linear model of the change to the end on the
same features, with split-conformal 90/95 % intervals per quarter (Q1-Q4, OT) on the
calibration season, the integer score normalized by sqrt(t + 1), rounded outward.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.winprob import sigmoid

REGULATION_PERIODS = 4
PERIOD_SECONDS = 720.0
OVERTIME_SECONDS = 300.0
REGULATION_MINUTES = 48.0
PROB_FLOOR = 1e-4
TREES_FILE = "state_trees.npz"
QUARTERS = ("Q1", "Q2", "Q3", "Q4", "OT")
LEVELS = ("0.900", "0.950")

# Optional state fields: None = unknown (NaN in the feature matrix).
OPTIONAL_FIELDS = (
    "possession",
    "free_throws_pending",
    "fouls_home",
    "fouls_away",
    "bonus_home",
    "bonus_away",
    "timeouts_home",
    "timeouts_away",
    "home_rest_days",
    "away_rest_days",
)
# Feature columns, in order (``feature_matrix``); t = minutes left in the regime.
FEATURES = (
    "margin",
    "t",
    "lead_z",  # margin / sqrt(t + 0.5)
    "margin_t",  # margin x t / 48
    "strength",
    "strength_t",  # strength x t / 48
    "strength_z",  # strength x (t / 48) / sqrt(t + 0.5)
    "possession",  # +1 home, -1 away
    "possession_z",  # possession / sqrt(t + 0.5)
    "ft_pending",  # signed: + home shoots
    "ft_z",  # ft_pending / sqrt(t + 0.5)
    "bonus_home",
    "bonus_away",
    "fouls_home",
    "fouls_away",
    "timeouts_home",
    "timeouts_away",
    "rest_home",
    "rest_away",
    "b2b_t",  # (away on a back-to-back - home on one) x t / 48
    "period",
    "period_seconds",  # on the period clock
)
REST_CAP_DAYS = 4.0


@dataclass(frozen=True, slots=True)
class GameState:
    """One moment of a game, home minus away. ``None`` = unknown."""

    period: int  # 1-4, 5 = first overtime, ...
    seconds_left: float  # on the period clock
    margin: int  # home score - away score
    strength: float = 0.0  # pre-game home-minus-away strength in points (pregame_strength)
    possession: int | None = None  # +1 home has the ball, -1 away
    free_throws_pending: int | None = None  # signed: +2 = home shoots two
    fouls_home: int | None = None  # team fouls this period
    fouls_away: int | None = None
    bonus_home: bool | None = None  # home shoots on away's next common foul
    bonus_away: bool | None = None
    timeouts_home: int | None = None
    timeouts_away: int | None = None
    home_rest_days: float | None = None  # days since the previous game (1 = back-to-back)
    away_rest_days: float | None = None

    @property
    def overtime(self) -> bool:
        return self.period > REGULATION_PERIODS

    @property
    def regime_seconds_left(self) -> float:
        """Seconds to the end of regulation, or of the current overtime period."""
        if self.overtime:
            return float(self.seconds_left)
        return (REGULATION_PERIODS - self.period) * PERIOD_SECONDS + float(self.seconds_left)


@dataclass(frozen=True, slots=True)
class StateForecast:
    home_win_prob: float
    final_margin: float
    interval90: tuple[float, float]
    interval95: tuple[float, float]
    regime: str  # "regulation", "overtime", "decided", "tie -> overtime"


def pregame_strength(
    season_margin_sum: float,
    season_games: int,
    previous_season_average: float | None,
    pseudo_games: float,
    carry: float,
) -> float:
    """One team's pre-game strength (points per game): this season's margins before the
    game plus ``pseudo_games`` games at ``carry`` x last season's average margin
    (regression to the mean; ``None``: no previous season, a neutral 0)."""
    prior = carry * (previous_season_average or 0.0)
    return (season_margin_sum + pseudo_games * prior) / (season_games + pseudo_games)


# --- features (numpy, shared by training and serving) ---------------------------------


def state_columns(states: Sequence[GameState]) -> dict[str, np.ndarray]:
    """Column arrays of many states (None -> NaN), the input of ``feature_matrix``."""
    out: dict[str, np.ndarray] = {}
    for f in fields(GameState):
        values = [getattr(s, f.name) for s in states]
        out[f.name] = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    out["regime_seconds_left"] = np.array([s.regime_seconds_left for s in states], dtype=float)
    return out


def feature_matrix(columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """``FEATURES`` from column arrays: period, seconds_left (period clock),
    regime_seconds_left, margin, strength and the optional fields (NaN = unknown)."""
    t = np.asarray(columns["regime_seconds_left"], float) / 60.0
    root = np.sqrt(t + 0.5)
    margin = np.asarray(columns["margin"], float)
    strength = np.asarray(columns["strength"], float)
    possession = np.asarray(columns["possession"], float)
    pending = np.asarray(columns["free_throws_pending"], float)
    rest_home = np.minimum(np.asarray(columns["home_rest_days"], float), REST_CAP_DAYS)
    rest_away = np.minimum(np.asarray(columns["away_rest_days"], float), REST_CAP_DAYS)
    b2b = np.nan_to_num((rest_away == 1).astype(float) - (rest_home == 1).astype(float))
    return np.column_stack(
        [
            margin,
            t,
            margin / root,
            margin * t / REGULATION_MINUTES,
            strength,
            strength * t / REGULATION_MINUTES,
            strength * (t / REGULATION_MINUTES) / root,
            possession,
            possession / root,
            pending,
            pending / root,
            np.asarray(columns["bonus_home"], float),
            np.asarray(columns["bonus_away"], float),
            np.asarray(columns["fouls_home"], float),
            np.asarray(columns["fouls_away"], float),
            np.asarray(columns["timeouts_home"], float),
            np.asarray(columns["timeouts_away"], float),
            rest_home,
            rest_away,
            b2b * t / REGULATION_MINUTES,
            np.asarray(columns["period"], float),
            np.asarray(columns["seconds_left"], float),
        ]
    )


@dataclass(frozen=True)
class Linear:
    """Intercept + coefficients on named ``FEATURES``; NaN inputs count as 0."""

    features: tuple[str, ...]
    coef: tuple[float, ...]  # intercept first

    def __call__(self, x: np.ndarray) -> np.ndarray:
        idx = [FEATURES.index(f) for f in self.features]
        values = np.nan_to_num(x[:, idx])
        return self.coef[0] + values @ np.asarray(self.coef[1:])

    def as_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "coef": list(self.coef)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Linear:
        return cls(tuple(data["features"]), tuple(float(c) for c in data["coef"]))


@dataclass(frozen=True)
class TreeEnsemble:
    """Regression trees as flat arrays (from LightGBM's ``dump_model``), summed.

    Node ``i``: ``feature[i] < 0`` is a leaf with ``value[i]``; else go left when
    ``x <= threshold`` (NaN goes ``default_left``), to ``left[i]``/``right[i]``.
    ``roots[k]`` is the first node of tree ``k``.
    """

    feature: np.ndarray  # int32
    threshold: np.ndarray  # float64
    default_left: np.ndarray  # bool
    left: np.ndarray  # int32
    right: np.ndarray  # int32
    value: np.ndarray  # float64
    roots: np.ndarray  # int32
    max_depth: int

    def __call__(self, x: np.ndarray, chunk: int = 20000) -> np.ndarray:
        out = np.zeros(len(x))
        if not len(self.roots):
            return out
        for start in range(0, len(x), chunk):
            block = x[start : start + chunk]
            rows = np.arange(len(block))[:, None]
            node = np.broadcast_to(self.roots, (len(block), len(self.roots))).copy()
            for _ in range(self.max_depth):
                feature = self.feature[node]
                inner = feature >= 0
                if not inner.any():
                    break
                value = block[rows, np.maximum(feature, 0)]
                go_left = np.where(
                    np.isnan(value), self.default_left[node], value <= self.threshold[node]
                )
                nxt = np.where(go_left, self.left[node], self.right[node])
                node = np.where(inner, nxt, node)
            out[start : start + len(block)] = self.value[node].sum(axis=1)
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "feature": self.feature,
            "threshold": self.threshold,
            "default_left": self.default_left,
            "left": self.left,
            "right": self.right,
            "value": self.value,
            "roots": self.roots,
            "max_depth": np.array(self.max_depth),
        }

    @classmethod
    def from_arrays(cls, data: Mapping[str, np.ndarray]) -> TreeEnsemble:
        return cls(
            feature=np.asarray(data["feature"], np.int32),
            threshold=np.asarray(data["threshold"], float),
            default_left=np.asarray(data["default_left"], bool),
            left=np.asarray(data["left"], np.int32),
            right=np.asarray(data["right"], np.int32),
            value=np.asarray(data["value"], float),
            roots=np.asarray(data["roots"], np.int32),
            max_depth=int(data["max_depth"]),
        )

    @classmethod
    def empty(cls) -> TreeEnsemble:
        none_i = np.zeros(0, np.int32)
        return cls(none_i, np.zeros(0), np.zeros(0, bool), none_i, none_i, np.zeros(0), none_i, 0)


@dataclass(frozen=True)
class Isotonic:
    """A monotone piecewise-linear map of the probability (x, y knots); identity if empty."""

    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()

    def __call__(self, p: np.ndarray) -> np.ndarray:
        if not self.x:
            return np.asarray(p, float)
        return np.interp(p, np.asarray(self.x), np.asarray(self.y))


def quarter_of(period: np.ndarray) -> np.ndarray:
    """0..3 for the regulation periods, 4 in overtime."""
    return np.minimum(np.asarray(period, dtype=np.int64), 5) - 1


@dataclass
class StateModel:
    CARD_FILE = "state_model.json"

    version: str
    regulation: Linear  # logistic base (logit)
    trees: TreeEnsemble  # boosted on top of the base logit (regulation)
    platt: tuple[float, float]  # calibration a + b x logit ((0, 1): none)
    isotonic: Isotonic  # then a monotone map of the probability (empty: none)
    overtime: Linear  # logistic (logit), overtime states
    # If set, overtime uses (a, b): logit = a + b x the regulation logit at the overtime
    # clock, instead of ``overtime`` (chosen on the calibration season).
    overtime_on_regulation: tuple[float, float] | None
    margin_change: Linear  # expected final - margin, all states
    half_widths: dict[str, list[float]]  # level -> factor of sqrt(t+1) per QUARTERS
    strength_params: dict[str, float]  # pseudo_games, carry (pregame_strength)
    free_throw_rate: float  # league share of free throws made (training seasons)
    card: dict[str, Any]

    # --- batch (training, evaluation) and single-state (live) paths ----------------------

    def predict_columns(self, columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Probability, final margin and rounded intervals for many states."""
        x = feature_matrix(columns)
        period = np.asarray(columns["period"], dtype=np.int64)
        left = np.asarray(columns["regime_seconds_left"], float)
        margin = np.asarray(columns["margin"], float)
        overtime = period > REGULATION_PERIODS
        prob = np.empty(len(x))
        reg = ~overtime
        if reg.any():
            logit = self.regulation(x[reg]) + self.trees(x[reg])
            prob[reg] = self.isotonic(sigmoid(self.platt[0] + self.platt[1] * logit))
        if overtime.any():
            prob[overtime] = sigmoid(self.overtime_logit(x[overtime]))
        point = margin + self.margin_change(x)
        t = left / 60.0
        q = quarter_of(period)
        out: dict[str, np.ndarray] = {"prob": prob, "final": point}
        for key, level in (("90", LEVELS[0]), ("95", LEVELS[1])):
            half = np.asarray(self.half_widths[level])[q] * np.sqrt(t + 1.0) + 1e-9
            out[f"lo{key}"] = np.floor(point - half)
            out[f"hi{key}"] = np.ceil(point + half)
        ended = (left <= 0) & (period >= REGULATION_PERIODS)
        if ended.any():
            self._terminal(out, ended, margin, columns)
        out["prob"] = np.clip(out["prob"], PROB_FLOOR, 1 - PROB_FLOOR)
        return out

    def overtime_logit(self, x: np.ndarray) -> np.ndarray:
        """The overtime regime's logit for feature rows of overtime states."""
        if self.overtime_on_regulation is None:
            return self.overtime(x)
        a, b = self.overtime_on_regulation
        return a + b * (self.regulation(x) + self.trees(x))

    def _terminal(
        self,
        out: dict[str, np.ndarray],
        ended: np.ndarray,
        margin: np.ndarray,
        columns: Mapping[str, np.ndarray],
    ) -> None:
        pending = np.nan_to_num(np.asarray(columns["free_throws_pending"], float))
        decided = ended & (margin != 0) & (pending == 0)
        out["prob"][decided] = (margin[decided] > 0).astype(float)
        for key in ("final", "lo90", "hi90", "lo95", "hi95"):
            out[key][decided] = margin[decided]
        tie = ended & (margin == 0) & (pending == 0)
        if tie.any():
            start = self.overtime_start({k: np.asarray(v)[tie] for k, v in columns.items()})
            for key in ("prob", "final", "lo90", "hi90", "lo95", "hi95"):
                out[key][tie] = start[key]
        shooting = ended & (pending != 0)
        for i in np.flatnonzero(shooting):
            row = {k: np.asarray(v)[i : i + 1] for k, v in columns.items()}
            values = self._free_throws_at_zero(float(margin[i]), int(pending[i]), row)
            for key, value in values.items():
                out[key][i] = value

    def _free_throws_at_zero(
        self, margin: float, pending: int, row: Mapping[str, np.ndarray]
    ) -> dict[str, float]:
        """No time left, free throws to come: the margin after them is margin +- a
        binomial(|pending|, free_throw_rate); a tie then goes to overtime."""
        n, sign = abs(pending), 1.0 if pending > 0 else -1.0
        rate = self.free_throw_rate
        outcomes = [
            (margin + sign * k, math.comb(n, k) * rate**k * (1 - rate) ** (n - k))
            for k in range(n + 1)
        ]
        tie_prob = 0.0
        if any(m == 0 for m, _ in outcomes):
            tie_prob = float(self.overtime_start(row)["prob"][0])
        prob = sum(w * (1.0 if m > 0 else tie_prob if m == 0 else 0.0) for m, w in outcomes)
        finals = [m for m, _ in outcomes]
        return {
            "prob": prob,
            "final": sum(m * w for m, w in outcomes),
            "lo90": min(finals),
            "hi90": max(finals),
            "lo95": min(finals),
            "hi95": max(finals),
        }

    def overtime_start(self, columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The forecast at the start of the next overtime for tied states at 0:00: margin 0,
        5:00 left, possession (jump ball), free throws and fouls unknown/reset."""
        n = len(np.asarray(columns["margin"]))
        start = {k: np.asarray(v, float).copy() for k, v in columns.items()}
        start["period"] = np.maximum(np.asarray(columns["period"], float), REGULATION_PERIODS) + 1
        start["seconds_left"] = np.full(n, OVERTIME_SECONDS)
        start["regime_seconds_left"] = np.full(n, OVERTIME_SECONDS)
        start["margin"] = np.zeros(n)
        start["possession"] = np.full(n, np.nan)
        start["free_throws_pending"] = np.zeros(n)
        for name in ("fouls_home", "fouls_away"):
            start[name] = np.zeros(n)
        for name in ("bonus_home", "bonus_away"):
            start[name] = np.zeros(n)
        for name in ("timeouts_home", "timeouts_away"):
            start[name] = np.full(n, 2.0)
        return self.predict_columns(start)

    def forecast(self, state: GameState) -> StateForecast:
        """One state's forecast (the live path)."""
        out = self.predict_columns(state_columns([state]))
        left = state.regime_seconds_left
        if left <= 0 and state.period >= REGULATION_PERIODS:
            regime = "decided" if state.margin != 0 else "tie -> overtime"
        else:
            regime = "overtime" if state.overtime else "regulation"
        return StateForecast(
            home_win_prob=round(float(out["prob"][0]), 4),
            final_margin=round(float(out["final"][0]), 2),
            interval90=(float(out["lo90"][0]), float(out["hi90"][0])),
            interval95=(float(out["lo95"][0]), float(out["hi95"][0])),
            regime=regime,
        )

    def team_strength(
        self, season_margin_sum: float, season_games: int, previous_season_average: float | None
    ) -> float:
        """``pregame_strength`` with this model's shrinkage (subtract away's from home's)."""
        return pregame_strength(
            season_margin_sum,
            season_games,
            previous_season_average,
            self.strength_params["pseudo_games"],
            self.strength_params["carry"],
        )

    # --- storage -----------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        body = dict(self.card)
        body.update(
            {
                "version": self.version,
                "features": list(FEATURES),
                "regulation": self.regulation.as_dict(),
                "overtime": self.overtime.as_dict(),
                "overtime_on_regulation": (
                    list(self.overtime_on_regulation) if self.overtime_on_regulation else None
                ),
                "platt": list(self.platt),
                "margin_change": self.margin_change.as_dict(),
                "isotonic": {"x": list(self.isotonic.x), "y": list(self.isotonic.y)},
                "half_widths": self.half_widths,
                "quarters": list(QUARTERS),
                "strength": self.strength_params,
                "free_throw_rate": self.free_throw_rate,
                "trees_file": TREES_FILE,
                "trees": len(self.trees.roots),
            }
        )
        (directory / self.CARD_FILE).write_text(json.dumps(body, indent=1) + "\n")
        # Deterministic bytes: np.savez writes zip entries with a fixed timestamp.
        arrays: dict[str, Any] = self.trees.arrays()
        np.savez(directory / TREES_FILE, **arrays)

    @classmethod
    def load(cls, directory: Path) -> StateModel:
        card = json.loads((directory / cls.CARD_FILE).read_text())
        if card.get("features") != list(FEATURES):
            raise ValueError(f"{directory}: artifact features differ from this code's FEATURES")
        with np.load(directory / card["trees_file"]) as data:
            trees = TreeEnsemble.from_arrays({k: data[k] for k in data.files})
        iso = card["isotonic"]
        on_reg = card.get("overtime_on_regulation")
        return cls(
            version=card["version"],
            regulation=Linear.from_dict(card["regulation"]),
            trees=trees,
            platt=(float(card["platt"][0]), float(card["platt"][1])),
            isotonic=Isotonic(tuple(iso["x"]), tuple(iso["y"])),
            overtime=Linear.from_dict(card["overtime"]),
            overtime_on_regulation=(float(on_reg[0]), float(on_reg[1])) if on_reg else None,
            margin_change=Linear.from_dict(card["margin_change"]),
            half_widths={k: [float(v) for v in vs] for k, vs in card["half_widths"].items()},
            strength_params={k: float(v) for k, v in card["strength"].items()},
            free_throw_rate=float(card["free_throw_rate"]),
            card=card,
        )
