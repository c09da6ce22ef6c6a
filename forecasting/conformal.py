"""Split-conformal intervals for integer outcomes: per lead bin (Mondrian) or normalized.

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


def round_outward(lo: Any, hi: Any) -> tuple[Any, Any]:
    """Outcomes are integers: widen [lo, hi] (numbers or arrays) to the enclosing integers."""
    return np.floor(lo).astype(int), np.ceil(hi).astype(int)


def integer_scores(outcomes: np.ndarray, points: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, np.abs(np.asarray(outcomes) - np.asarray(points)) - 1.0)


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The ceil((n+1) * level)-th smallest score (inf if n is too small)."""
    scores = np.sort(np.asarray(scores, dtype=float))
    rank = math.ceil((len(scores) + 1) * level)
    if rank > len(scores):
        return math.inf
    return float(scores[rank - 1])


def level_key(level: float) -> str:
    """How a coverage level is written in the artifacts: 0.9 -> "0.900"."""
    return f"{level:.3f}"


@dataclass
class MondrianConformal:
    """Half-widths per level and bin, with a pooled fallback for thin bins."""

    levels: tuple[float, ...]
    n_bins: int
    half_widths: dict[str, list[float]] = field(default_factory=dict)
    pooled: dict[str, float] = field(default_factory=dict)
    counts: list[int] = field(default_factory=list)

    key = staticmethod(level_key)

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
        return round_outward(points - t, points + t)

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


# --- Normalized (locally weighted) split-conformal -------------------------------------
#
# The score is the integer score divided by a scale s(x) > 0, so one pooled quantile q
# gives half-widths q * s(x) that vary smoothly with the lead instead of jumping between
# three separately calibrated bins. With a flat scale this is plain pooled conformal.

LEAD_CAP = 25.0  # |d18| beyond this is treated as 25 by the scale model


def _lead_design(d18: np.ndarray) -> np.ndarray:
    lead = np.minimum(np.abs(np.asarray(d18, dtype=float)), LEAD_CAP) / 10.0
    return np.column_stack([np.ones(len(lead)), lead, lead**2])


@dataclass(frozen=True)
class ScaleModel:
    """Expected score as a quadratic in the (capped) minute-18 lead, with a floor.

    Fit it to integer scores (``integer_scores``) so that score / scale is as close
    to identically distributed across leads as the quadratic allows.
    """

    coef: tuple[float, float, float] = (1.0, 0.0, 0.0)
    floor: float = 1.0

    @classmethod
    def fit(cls, d18: np.ndarray, scores: np.ndarray) -> ScaleModel:
        design = _lead_design(d18)
        beta, *_ = np.linalg.lstsq(design, np.asarray(scores, dtype=float), rcond=None)
        floor = 0.25 * float(np.mean(scores))
        return cls(coef=(float(beta[0]), float(beta[1]), float(beta[2])), floor=floor)

    def predict(self, d18: np.ndarray) -> np.ndarray:
        d18 = np.atleast_1d(np.asarray(d18, dtype=float))
        return np.maximum(_lead_design(d18) @ np.asarray(self.coef), self.floor)

    def as_dict(self) -> dict[str, Any]:
        return {"coef": list(self.coef), "floor": self.floor}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScaleModel:
        c = data["coef"]
        return cls(coef=(float(c[0]), float(c[1]), float(c[2])), floor=float(data["floor"]))


@dataclass
class NormalizedConformal:
    """Half-width = factor(level) * scale(d18); one pooled factor per level."""

    levels: tuple[float, ...]
    scale: ScaleModel
    factors: dict[str, float] = field(default_factory=dict)
    n: int = 0
    method: str = "normalized"

    key = staticmethod(level_key)

    @classmethod
    def calibrate(
        cls,
        outcomes: np.ndarray,
        points: np.ndarray,
        d18: np.ndarray,
        scale: ScaleModel,
        levels: tuple[float, ...] = (0.90, 0.95),
    ) -> NormalizedConformal:
        scores = integer_scores(outcomes, points) / scale.predict(d18)
        model = cls(levels=levels, scale=scale, n=len(scores))
        for level in levels:
            model.factors[cls.key(level)] = conformal_quantile(scores, level)
        return model

    def half_width(self, level: float, d18: np.ndarray) -> np.ndarray:
        return self.factors[self.key(level)] * self.scale.predict(d18)

    def intervals(
        self, points: np.ndarray, d18: np.ndarray, level: float
    ) -> tuple[np.ndarray, np.ndarray]:
        points = np.asarray(points, dtype=float)
        t = self.half_width(level, d18) + _EPS
        return round_outward(points - t, points + t)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "levels": list(self.levels),
            "scale": self.scale.as_dict(),
            "factors": self.factors,
            "n": self.n,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NormalizedConformal:
        return cls(
            levels=tuple(data["levels"]),
            scale=ScaleModel.from_dict(data["scale"]),
            factors={k: float(v) for k, v in data["factors"].items()},
            n=int(data.get("n", 0)),
            method=data.get("method", "normalized"),
        )


def intervals_at(
    model: MondrianConformal | NormalizedConformal,
    points: np.ndarray,
    d18: np.ndarray,
    bins: np.ndarray,
    level: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Rounded intervals from either calibration (Mondrian reads bins, normalized d18)."""
    if isinstance(model, NormalizedConformal):
        return model.intervals(points, d18, level)
    return model.intervals(points, bins, level)


def conformal_from_dict(data: dict[str, Any]) -> MondrianConformal | NormalizedConformal:
    if data.get("method") in ("normalized", "pooled"):
        return NormalizedConformal.from_dict(data)
    return MondrianConformal.from_dict(data)


def split_half_study(
    outcomes: np.ndarray,
    points: np.ndarray,
    d18: np.ndarray,
    bins: np.ndarray,
    n_bins: int,
    scale: ScaleModel,
    levels: tuple[float, ...],
    repeats: int = 200,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Calibrate on a random half, measure per-bin coverage on the other half, repeatedly.

    Compares Mondrian (per bin), pooled and normalized calibration. For each method and
    level: mean coverage per bin, the root-mean-square deviation of per-bin coverage
    from nominal (percentage points), the share of splits with some bin off by more
    than 3 points, and the mean width.
    """
    outcomes, points = np.asarray(outcomes, float), np.asarray(points, float)
    d18, bins = np.asarray(d18, float), np.asarray(bins, int)
    rng = np.random.default_rng(seed)
    half = len(outcomes) // 2
    methods = ("pooled", "normalized", "mondrian")  # simplest first: ties go to it
    cov: dict[tuple[str, float], list[list[float]]] = {
        (m, lv): [] for m in methods for lv in levels
    }
    width: dict[tuple[str, float], list[float]] = {(m, lv): [] for m in methods for lv in levels}
    for _ in range(repeats):
        order = rng.permutation(len(outcomes))
        a, b = order[:half], order[half:]
        fitted: dict[str, MondrianConformal | NormalizedConformal] = {
            "pooled": NormalizedConformal.calibrate(
                outcomes[a], points[a], d18[a], ScaleModel(), levels
            ),
            "normalized": NormalizedConformal.calibrate(
                outcomes[a], points[a], d18[a], scale, levels
            ),
            "mondrian": MondrianConformal.calibrate(
                outcomes[a], points[a], bins[a], levels, n_bins
            ),
        }
        for m, model in fitted.items():
            for lv in levels:
                lo, hi = intervals_at(model, points[b], d18[b], bins[b], lv)
                hit = (outcomes[b] >= lo) & (outcomes[b] <= hi)
                cov[m, lv].append([100 * hit[bins[b] == k].mean() for k in range(n_bins)])
                width[m, lv].append(float((hi - lo).mean()))
    out: dict[str, dict[str, Any]] = {m: {} for m in methods}
    for (m, lv), rows in cov.items():
        arr = np.asarray(rows)
        dev = arr - 100 * lv
        out[m][NormalizedConformal.key(lv)] = {
            "mean_coverage_by_bin": arr.mean(axis=0).round(2).tolist(),
            "rms_deviation_by_bin": np.sqrt((dev**2).mean(axis=0)).round(3).tolist(),
            "share_any_bin_off_by_3": float((np.abs(dev) > 3).any(axis=1).mean()),
            "mean_width": float(np.mean(width[m, lv])),
        }
    return out


def study_score(study: dict[str, Any]) -> float:
    """Mean RMS per-bin coverage deviation over levels (lower is steadier)."""
    return float(np.mean([np.mean(v["rms_deviation_by_bin"]) for v in study.values()]))
