"""Dejavu: the k nearest historical 18-minute patterns, vectorised numpy.

A pattern is compared either as it is (``absolute``) or as its shape relative to
its minute-18 value (``relative``: x - x[18]), optionally with the level gap added
back with weight ``level_weight``. The forecast is the current differential plus
the median of the neighbours' subsequent change (to halftime and to the final).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MODES = ("absolute", "relative")
METRICS = ("l1", "l2")
_L1_CHUNK = 128  # queries per block: bounds the (block, n, 18) temporary


@dataclass(frozen=True)
class DejavuConfig:
    k: int = 50
    metric: str = "l1"
    mode: str = "relative"
    level_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.metric not in METRICS or self.mode not in MODES or self.k < 1:
            raise ValueError(f"bad Dejavu config {self}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "metric": self.metric,
            "mode": self.mode,
            "level_weight": self.level_weight,
        }


def _encode(patterns: np.ndarray, config: DejavuConfig) -> np.ndarray:
    patterns = np.asarray(patterns, dtype=np.float64)
    if config.mode == "absolute":
        return patterns
    shape = patterns - patterns[:, -1:]
    if config.level_weight:
        # The last column of a relative shape is always 0: carry the level there.
        shape[:, -1] = config.level_weight * patterns[:, -1]
    return shape


@dataclass
class DejavuIndex:
    """The library of historical patterns and what followed them."""

    config: DejavuConfig
    library: np.ndarray  # (n, 18) raw patterns
    halftime_change: np.ndarray  # (n,)
    final_change: np.ndarray  # (n,)

    def __post_init__(self) -> None:
        self._encoded = _encode(self.library, self.config)
        self._norms = (self._encoded**2).sum(axis=1)

    def with_config(self, config: DejavuConfig) -> DejavuIndex:
        return DejavuIndex(config, self.library, self.halftime_change, self.final_change)

    def distances(self, patterns: np.ndarray) -> np.ndarray:
        """(m, n) distances from each query pattern to every library pattern."""
        query = _encode(np.atleast_2d(patterns), self.config)
        if self.config.metric == "l2":
            sq = (
                (query**2).sum(axis=1)[:, None]
                + self._norms[None, :]
                - 2.0 * query @ self._encoded.T
            )
            return np.sqrt(np.maximum(sq, 0.0))
        out = np.empty((query.shape[0], self._encoded.shape[0]))
        for start in range(0, query.shape[0], _L1_CHUNK):
            block = query[start : start + _L1_CHUNK]
            out[start : start + _L1_CHUNK] = np.abs(
                block[:, None, :] - self._encoded[None, :, :]
            ).sum(axis=2)
        return out

    def neighbours(
        self, patterns: np.ndarray, k: int | None = None, exclude: np.ndarray | None = None
    ) -> np.ndarray:
        """(m, k) library indices of the nearest patterns, nearest first.

        ``exclude`` (m,) gives for each query a library index to skip (leave-one-out),
        or -1 for none.
        """
        k = k or self.config.k
        dist = self.distances(patterns)
        if exclude is not None:
            rows = np.flatnonzero(exclude >= 0)
            dist[rows, exclude[rows]] = np.inf
        k = min(k, dist.shape[1])
        # A stable sort of every distance: equal distances (the L1 distance of integer
        # minutes ties often) go in library order. ``argpartition`` left the choice among
        # ties at the k-th place to the CPU's SIMD sorting path, so the same game could
        # get other neighbours on another machine.
        return np.argsort(dist, axis=1, kind="stable")[:, :k]

    def predict_changes(
        self, patterns: np.ndarray, exclude: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Median halftime change, median final change and the neighbour indices."""
        idx = self.neighbours(patterns, exclude=exclude)
        return (
            np.median(self.halftime_change[idx], axis=1),
            np.median(self.final_change[idx], axis=1),
            idx,
        )

    def predict_changes_for_ks(
        self, patterns: np.ndarray, ks: list[int], exclude: np.ndarray | None = None
    ) -> dict[int, np.ndarray]:
        """Median halftime change for several k at once (for choosing k)."""
        idx = self.neighbours(patterns, k=max(ks), exclude=exclude)
        changes = self.halftime_change[idx]
        return {k: np.median(changes[:, :k], axis=1) for k in ks}
