"""Split-conformal intervals for integer outcomes, optionally per lead bin (Mondrian).

Outcomes (point differentials) are integers, so an interval around a real point
``p`` is rounded outward: ``[floor(p - t), ceil(p + t)]``. Calibrating the plain
score ``|y - p|`` and rounding afterwards would over-cover and widen every
interval by about one point; instead the score is the smallest ``t`` at which the
*rounded* interval holds ``y``: ``max(0, |y - p| - 1)`` (strictly above it). The
usual split-conformal quantile of that score then gives finite-sample coverage
>= level for the rounded intervals themselves (per bin for Mondrian calibration).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

_EPS = 1e-9  # the rounded interval covers y only for t strictly above the score


def round_outward(lo: float, hi: float) -> tuple[int, int]:
    return math.floor(lo), math.ceil(hi)


def integer_scores(outcomes: np.ndarray, points: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, np.abs(np.asarray(outcomes) - np.asarray(points)) - 1.0)


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The ceil((n+1) * level)-th smallest score (inf if n is too small)."""
    scores = np.sort(np.asarray(scores, dtype=float))
    rank = math.ceil((len(scores) + 1) * level)
    if rank > len(scores):
        return math.inf
    return float(scores[rank - 1])


@dataclass
class MondrianConformal:
    """Half-widths per level and bin, with a pooled fallback for thin bins."""

    levels: tuple[float, ...]
    n_bins: int
    half_widths: dict[str, list[float]] = field(default_factory=dict)
    pooled: dict[str, float] = field(default_factory=dict)
    counts: list[int] = field(default_factory=list)

    @staticmethod
    def key(level: float) -> str:
        return f"{level:.3f}"

    @classmethod
    def calibrate(
        cls,
        outcomes: np.ndarray,
        points: np.ndarray,
        bins: np.ndarray | None,
        levels: tuple[float, ...] = (0.90, 0.95),
        n_bins: int = 1,
    ) -> MondrianConformal:
        scores = integer_scores(outcomes, points)
        bins = np.zeros(len(scores), dtype=int) if bins is None else np.asarray(bins)
        model = cls(levels=levels, n_bins=n_bins)
        model.counts = [int((bins == b).sum()) for b in range(n_bins)]
        for level in levels:
            pooled = conformal_quantile(scores, level)
            per_bin = []
            for b in range(n_bins):
                q = conformal_quantile(scores[bins == b], level)
                per_bin.append(pooled if math.isinf(q) else q)
            model.half_widths[cls.key(level)] = per_bin
            model.pooled[cls.key(level)] = pooled
        return model

    def half_width(self, level: float, bins: np.ndarray) -> np.ndarray:
        table = np.asarray(self.half_widths[self.key(level)])
        return table[np.asarray(bins, dtype=int)]

    def intervals(
        self, points: np.ndarray, bins: np.ndarray | None, level: float
    ) -> tuple[np.ndarray, np.ndarray]:
        points = np.asarray(points, dtype=float)
        bins = np.zeros(len(points), dtype=int) if bins is None else bins
        t = self.half_width(level, bins) + _EPS
        return np.floor(points - t).astype(int), np.ceil(points + t).astype(int)

    def as_dict(self) -> dict[str, Any]:
        return {
            "levels": list(self.levels),
            "n_bins": self.n_bins,
            "half_widths": self.half_widths,
            "pooled": self.pooled,
            "counts": self.counts,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MondrianConformal:
        return cls(
            levels=tuple(data["levels"]),
            n_bins=int(data["n_bins"]),
            half_widths={k: list(v) for k, v in data["half_widths"].items()},
            pooled=dict(data["pooled"]),
            counts=list(data.get("counts", [])),
        )
