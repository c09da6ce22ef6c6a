"""The baselines the state model is scored against, fitted on the training seasons only.

* Stern (1994) Brownian motion at second resolution: P = Phi((lead + mu t) / (sigma sqrt t)),
  t = minutes left in the regime (overtime: in the overtime period), fitted by probit
  maximum likelihood (``pipelines.minute_training.fit_stern``) on every training state.
* The plain logistic: scikit-learn ``LogisticRegression(C=1e4)`` on 2021-22 + 2022-23
  game-minutes 1-47 with ``lead``, ``t``, ``lead/sqrt(t+0.5)``.
* The net-rating logistic of issue 18, exactly: the same with ``nr t/48`` and
  ``nr (t/48)/sqrt(t+0.5)``, ``nr`` = home minus away average point margin in earlier games
  of the same season shrunk toward 0 with 5 pseudo-games (``Pregame.net_rating(5)``).

Both logistics are applied at any state with its exact t (minutes, fractional).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipelines.minute_training import fit_stern, stern_prob
from pipelines.state_dataset import Pregame, StateTable, whole_minute_rows

NET_RATING_PSEUDO_GAMES = 5.0
LOGISTIC_C = 1e4
PROB_FLOOR = 1e-4


def minutes_left(table: StateTable) -> np.ndarray:
    return table.rows["seconds_left"].astype(float) / 60.0


def reference_features(lead: np.ndarray, t: np.ndarray, nr: np.ndarray | None) -> np.ndarray:
    """The issue's columns: lead, t, lead/sqrt(t+0.5) (+ nr t/48, nr (t/48)/sqrt(t+0.5))."""
    root = np.sqrt(t + 0.5)
    columns = [lead, t, lead / root]
    if nr is not None:
        columns += [nr * t / 48.0, nr * (t / 48.0) / root]
    return np.column_stack(columns)


@dataclass(frozen=True)
class Logistic:
    """Intercept and coefficients of a fitted scikit-learn logistic (numpy to apply)."""

    intercept: float
    coef: tuple[float, ...]

    def prob(self, x: np.ndarray) -> np.ndarray:
        z = self.intercept + x @ np.asarray(self.coef)
        return np.clip(0.5 * (1.0 + np.tanh(0.5 * z)), PROB_FLOOR, 1 - PROB_FLOOR)

    def as_dict(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "coef": list(self.coef)}


def fit_sklearn_logistic(x: np.ndarray, y: np.ndarray) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=LOGISTIC_C, max_iter=1000)
    model.fit(x, y)
    return Logistic(float(model.intercept_[0]), tuple(float(c) for c in model.coef_[0]))


@dataclass(frozen=True)
class StateBaselines:
    stern: tuple[float, float]  # mu (points per minute), sigma (points per sqrt minute)
    logistic: Logistic
    net_rating: Logistic

    def predict(self, table: StateTable, pregame: Pregame) -> dict[str, np.ndarray]:
        t = minutes_left(table)
        lead = table.rows["margin"].astype(float)
        nr = table.game_column(pregame.net_rating(NET_RATING_PSEUDO_GAMES))
        safe_t = np.maximum(t, 1e-6)
        return {
            "stern": np.clip(stern_prob(*self.stern, lead, safe_t), PROB_FLOOR, 1 - PROB_FLOOR),
            "logistic": self.logistic.prob(reference_features(lead, t, None)),
            "net_rating_logistic": self.net_rating.prob(reference_features(lead, t, nr)),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StateBaselines:
        def logistic(part: dict[str, Any]) -> Logistic:
            return Logistic(float(part["intercept"]), tuple(float(c) for c in part["coef"]))

        return cls(
            stern=(float(data["stern"]["mu"]), float(data["stern"]["sigma"])),
            logistic=logistic(data["logistic"]),
            net_rating=logistic(data["net_rating_logistic"]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "stern": {"mu": self.stern[0], "sigma": self.stern[1]},
            "logistic": {
                **self.logistic.as_dict(),
                "features": ["lead", "t", "lead/sqrt(t+0.5)"],
            },
            "net_rating_logistic": {
                **self.net_rating.as_dict(),
                "features": [
                    "lead",
                    "t",
                    "lead/sqrt(t+0.5)",
                    "nr*t/48",
                    "nr*(t/48)/sqrt(t+0.5)",
                ],
                "nr_pseudo_games": NET_RATING_PSEUDO_GAMES,
            },
        }


def fit_baselines(train: StateTable, pregame: Pregame) -> StateBaselines:
    """Every baseline from the training table (``pregame`` indexes its games)."""
    y = train.home_win
    live = train.rows["seconds_left"] > 0
    t = minutes_left(train)
    stern = fit_stern(train.rows["margin"][live].astype(float), t[live], y[live])
    minutes = whole_minute_rows(train)
    lead = train.rows["margin"].astype(float)
    nr = train.game_column(pregame.net_rating(NET_RATING_PSEUDO_GAMES))
    plain = fit_sklearn_logistic(reference_features(lead, t, None)[minutes], y[minutes])
    net = fit_sklearn_logistic(reference_features(lead, t, nr)[minutes], y[minutes])
    return StateBaselines(stern=stern, logistic=plain, net_rating=net)
