"""Home win probability: logistic (Platt) calibration in plain numpy.

The served probability is a logistic function of the ensemble's final-margin
forecast, fitted on the validation season (out-of-fold forecasts). The baseline
for the report is a logistic on the minute-18 differential alone, fitted on the
training seasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-z), written with tanh (it never overflows)."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, float)))


def fit_logistic(design: np.ndarray, y: np.ndarray, l2: float = 1e-4) -> np.ndarray:
    """Logistic regression coefficients by maximum likelihood, Newton's method (a tiny
    ridge for stability); ``design`` carries its own intercept column."""
    target = np.asarray(y, dtype=float)
    beta = np.zeros(design.shape[1])
    for _ in range(100):
        p = sigmoid(design @ beta)
        grad = design.T @ (p - target) + l2 * beta
        hess = (design * (p * (1 - p))[:, None]).T @ design + l2 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def _design(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    x = x.reshape(len(x), -1)
    return np.hstack([np.ones((len(x), 1)), x])


@dataclass(frozen=True)
class Logistic:
    coef: tuple[float, ...]  # intercept first
    scale: float = 10.0  # inputs are divided by this before the linear map

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, scale: float = 10.0, l2: float = 1e-4) -> Logistic:
        beta = fit_logistic(_design(np.asarray(x, dtype=float) / scale), y, l2)
        return cls(coef=tuple(float(b) for b in beta), scale=scale)

    def predict(self, x: np.ndarray) -> np.ndarray:
        design = _design(np.asarray(x, dtype=float) / self.scale)
        return 1.0 / (1.0 + np.exp(-(design @ np.asarray(self.coef))))

    def as_dict(self) -> dict[str, Any]:
        return {"coef": list(self.coef), "scale": self.scale}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Logistic:
        return cls(coef=tuple(data["coef"]), scale=float(data["scale"]))


def brier(prob: np.ndarray, outcome: np.ndarray) -> float:
    return float(np.mean((np.asarray(prob) - np.asarray(outcome)) ** 2))


def log_loss(prob: np.ndarray, outcome: np.ndarray) -> float:
    p = np.clip(np.asarray(prob, dtype=float), 1e-12, 1 - 1e-12)
    y = np.asarray(outcome, dtype=float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
