"""The statistical baseline: current differential + mean drift, empirical intervals.

Fitted on the training seasons of the historical minute table:
- halftime: d18 + mean(d24 - d18); 90%/95% intervals from the empirical 5/95% and
  2.5/97.5% quantiles of (d24 - d18), rounded outward (outcomes are integers);
- final margin: d18 + mean(final - d18), 90% interval likewise;
- home win probability: share of training games whose 18-to-final change would
  have left the home side ahead from the current differential (ties count half).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forecasting.forecast_types import PATTERN_MINUTES, Forecast, GameContext
from forecasting.history_table import TRAIN_SEASONS, file_digest, read_history


@dataclass(frozen=True)
class DriftBaseline:
    halftime_drift: float
    halftime_q: tuple[float, float, float, float]  # 2.5, 5, 95, 97.5 % of the change
    final_drift: float
    final_q: tuple[float, float]  # 5, 95 %
    final_changes: np.ndarray
    version: str
    name: str = "baseline-drift"
    pattern_length: int = PATTERN_MINUTES

    @classmethod
    def from_history(cls, path: Path) -> DriftBaseline:
        rows = read_history(path, TRAIN_SEASONS)
        if not rows:
            raise ValueError(f"{path} holds no training-season games")
        d18 = np.array([r.minutes[PATTERN_MINUTES - 1] for r in rows], dtype=float)
        half = np.array([r.halftime_diff for r in rows], dtype=float) - d18
        final = np.array([r.final_diff for r in rows], dtype=float) - d18
        hq = np.quantile(half, [0.025, 0.05, 0.95, 0.975])
        fq = np.quantile(final, [0.05, 0.95])
        return cls(
            halftime_drift=float(half.mean()),
            halftime_q=(float(hq[0]), float(hq[1]), float(hq[2]), float(hq[3])),
            final_drift=float(final.mean()),
            final_q=(float(fq[0]), float(fq[1])),
            final_changes=final,
            version=f"1+{file_digest(path)}",
        )

    def forecast(self, pattern: Sequence[int], context: GameContext) -> Forecast:
        if len(pattern) != self.pattern_length:
            raise ValueError(f"pattern needs {self.pattern_length} minutes, got {len(pattern)}")
        current = float(pattern[-1])
        q025, q05, q95, q975 = self.halftime_q
        outcome = current + self.final_changes
        win = float(np.mean(outcome > 0) + 0.5 * np.mean(outcome == 0))
        point = current + self.halftime_drift
        return Forecast(
            model_name=self.name,
            model_version=self.version,
            halftime_point=round(point, 3),
            halftime_lo90=math.floor(current + q05),
            halftime_hi90=math.ceil(current + q95),
            halftime_lo95=math.floor(current + q025),
            halftime_hi95=math.ceil(current + q975),
            components={"baseline": round(point, 3)},
            final_point=round(current + self.final_drift, 3),
            final_lo90=math.floor(current + self.final_q[0]),
            final_hi90=math.ceil(current + self.final_q[1]),
            home_win_probability=round(win, 4),
        )
