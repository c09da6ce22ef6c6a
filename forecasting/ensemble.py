"""The served forecaster: Dejavu + LSTM stacked linearly, with conformal intervals.

A ``LinearStacker`` maps component forecasts of the *change* from minute 18 (plus
home-minus-away team strength and the minute-18 differential) to the ensemble's
change; its weights are fitted on the validation season (2023-24). Intervals come
from split-conformal calibration (normalized by a lead-dependent scale, pooled, or
Mondrian per lead bin: whichever the card names), the win probability from a
logistic calibration of the final-margin forecast. Serving is numpy only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.conformal import (
    MondrianConformal,
    NormalizedConformal,
    conformal_from_dict,
    intervals_at,
)
from forecasting.dejavu import DejavuConfig, DejavuIndex
from forecasting.features import lead_bin, strength_difference
from forecasting.forecast_types import Forecast, GameContext
from forecasting.lstm import NumpyLSTM
from forecasting.winprob import Logistic

logger = logging.getLogger(__name__)

MODEL_NAME = "ensemble"
DEJAVU_FILE = "dejavu.npz"
LSTM_FILE = "lstm.npz"
EXPLAIN_NEIGHBOURS = 5


@dataclass(frozen=True)
class LinearStacker:
    features: tuple[str, ...]
    coef: tuple[float, ...]  # intercept first
    loss: str = "l2"

    @classmethod
    def fit(
        cls,
        features: tuple[str, ...],
        columns: dict[str, np.ndarray],
        target: np.ndarray,
        loss: str = "l2",
        ridge: float = 1e-3,
    ) -> LinearStacker:
        design = cls._design(features, columns)
        penalty = ridge * np.eye(design.shape[1])
        penalty[0, 0] = 0.0
        weights = np.ones(len(target))
        beta = np.zeros(design.shape[1])
        for _ in range(1 if loss == "l2" else 60):
            wd = design * weights[:, None]
            beta_new = np.linalg.solve(design.T @ wd + penalty, wd.T @ target)
            if loss == "l1":  # least absolute deviations by reweighting
                weights = 1.0 / np.maximum(np.abs(target - design @ beta_new), 0.25)
            converged = np.max(np.abs(beta_new - beta)) < 1e-7
            beta = beta_new
            if converged:
                break
        return cls(features=features, coef=tuple(float(b) for b in beta), loss=loss)

    @staticmethod
    def _design(features: Sequence[str], columns: dict[str, np.ndarray]) -> np.ndarray:
        n = len(next(iter(columns.values())))
        return np.column_stack([np.ones(n)] + [np.asarray(columns[f], float) for f in features])

    def predict(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        return self._design(self.features, columns) @ np.asarray(self.coef)

    def as_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "coef": list(self.coef), "loss": self.loss}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearStacker:
        return cls(tuple(data["features"]), tuple(data["coef"]), data.get("loss", "l2"))


def component_columns(
    dejavu: DejavuIndex, lstm: NumpyLSTM, patterns: np.ndarray, strength: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Stacker inputs for halftime and final, and the Dejavu neighbour indices."""
    dj_half, dj_final, idx = dejavu.predict_changes(patterns)
    lstm_half, lstm_final = lstm.predict_changes(patterns, strength)
    d18 = np.asarray(patterns, dtype=float)[:, -1]
    half = {"dejavu": dj_half, "lstm": lstm_half, "strength": strength, "d18": d18}
    final = {"dejavu": dj_final, "lstm": lstm_final, "strength": strength, "d18": d18}
    return half, final, idx


@dataclass
class EnsembleForecaster:
    version: str
    dejavu: DejavuIndex
    lstm: NumpyLSTM
    halftime_stacker: LinearStacker
    final_stacker: LinearStacker
    halftime_conformal: MondrianConformal | NormalizedConformal
    final_conformal: MondrianConformal | NormalizedConformal
    winprob: Logistic
    library_meta: dict[str, np.ndarray]
    name: str = MODEL_NAME

    CARD_FILE = "model.json"

    @property
    def pattern_length(self) -> int:
        """How many minutes a pattern holds: the width of the Dejavu library's patterns."""
        return int(self.dejavu.library.shape[1])

    @classmethod
    def load(cls, directory: Path) -> EnsembleForecaster:
        card = json.loads((directory / cls.CARD_FILE).read_text())
        with np.load(directory / DEJAVU_FILE) as data:
            arrays = {name: data[name] for name in data.files}
        dejavu = DejavuIndex(
            DejavuConfig(**card["dejavu"]["config"]),
            library=arrays["patterns"].astype(float),
            halftime_change=arrays["halftime"] - arrays["patterns"][:, -1],
            final_change=arrays["final"] - arrays["patterns"][:, -1],
        )
        meta = {k: arrays[k] for k in ("game_id", "date", "home", "away", "halftime", "final")}
        meta["d18"] = arrays["patterns"][:, -1]
        return cls(
            version=card["version"],
            dejavu=dejavu,
            lstm=NumpyLSTM.load(directory / LSTM_FILE),
            halftime_stacker=LinearStacker.from_dict(card["ensemble"]["halftime"]),
            final_stacker=LinearStacker.from_dict(card["ensemble"]["final"]),
            halftime_conformal=conformal_from_dict(card["conformal"]["halftime"]),
            final_conformal=conformal_from_dict(card["conformal"]["final"]),
            winprob=Logistic.from_dict(card["win_probability"]),
            library_meta=meta,
        )

    def predict_batch(self, patterns: np.ndarray, strength: np.ndarray) -> dict[str, np.ndarray]:
        """Every output for many games at once (evaluation and serving share this)."""
        patterns = np.asarray(patterns, dtype=float).reshape(-1, self.pattern_length)
        half_cols, final_cols, idx = component_columns(self.dejavu, self.lstm, patterns, strength)
        d18 = patterns[:, -1]
        bins = lead_bin(d18)
        half = d18 + self.halftime_stacker.predict(half_cols)
        final = d18 + self.final_stacker.predict(final_cols)
        lo90, hi90 = intervals_at(self.halftime_conformal, half, d18, bins, 0.90)
        lo95, hi95 = intervals_at(self.halftime_conformal, half, d18, bins, 0.95)
        flo90, fhi90 = intervals_at(self.final_conformal, final, d18, bins, 0.90)
        return {
            "d18": d18,
            "bin": bins,
            "dejavu": d18 + half_cols["dejavu"],
            "lstm": d18 + half_cols["lstm"],
            "halftime": half,
            "lo90": lo90,
            "hi90": hi90,
            "lo95": lo95,
            "hi95": hi95,
            "dejavu_final": d18 + final_cols["dejavu"],
            "lstm_final": d18 + final_cols["lstm"],
            "final": final,
            "final_lo90": flo90,
            "final_hi90": fhi90,
            "win_probability": self.winprob.predict(final),
            "neighbours": idx,
        }

    def explain(
        self, neighbour_idx: np.ndarray, limit: int = EXPLAIN_NEIGHBOURS
    ) -> list[dict[str, Any]]:
        meta = self.library_meta
        return [
            {
                "game_id": str(meta["game_id"][i]),
                "date": str(meta["date"][i]),
                "home": str(meta["home"][i]),
                "away": str(meta["away"][i]),
                "minute18": int(meta["d18"][i]),
                "halftime": int(meta["halftime"][i]),
                "final": int(meta["final"][i]),
            }
            for i in neighbour_idx[:limit]
        ]

    def forecast(self, pattern: Sequence[int], context: GameContext) -> Forecast:
        if len(pattern) != self.pattern_length:
            raise ValueError(f"pattern needs {self.pattern_length} minutes, got {len(pattern)}")
        strength = strength_difference(
            context.home_wins, context.home_losses, context.away_wins, context.away_losses
        ).reshape(1)
        out = self.predict_batch(np.asarray(pattern, dtype=float)[None, :], strength)
        return Forecast(
            model_name=self.name,
            model_version=self.version,
            halftime_point=round(float(out["halftime"][0]), 3),
            halftime_lo90=int(out["lo90"][0]),
            halftime_hi90=int(out["hi90"][0]),
            halftime_lo95=int(out["lo95"][0]),
            halftime_hi95=int(out["hi95"][0]),
            components={
                "dejavu": round(float(out["dejavu"][0]), 3),
                "lstm": round(float(out["lstm"][0]), 3),
                "ensemble": round(float(out["halftime"][0]), 3),
                "dejavu_final": round(float(out["dejavu_final"][0]), 3),
                "lstm_final": round(float(out["lstm_final"][0]), 3),
            },
            neighbours=self.explain(out["neighbours"][0]),
            final_point=round(float(out["final"][0]), 3),
            final_lo90=int(out["final_lo90"][0]),
            final_hi90=int(out["final_hi90"][0]),
            home_win_probability=round(float(out["win_probability"][0]), 4),
        )
