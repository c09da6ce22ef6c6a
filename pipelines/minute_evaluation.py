"""Scoring the per-minute model against its baselines (the ``per_minute`` report section).

Rows are (game, forecast minute). The headline figures average minutes 1-47 of
regulation (every game has all of them, so the mean over rows equals the mean over
minutes); overtime minutes are scored separately. Confidence intervals come from a
paired bootstrap over GAMES (each game's mean over its minutes 1-47), so the
within-game correlation of minute rows is respected. numpy only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from forecasting.minute_model import QUARTERS, REGULATION_MINUTES, MinuteModel, quarter_index
from pipelines.evaluation import bootstrap_mean_ci
from pipelines.minute_data import MinuteRows
from pipelines.minute_training import Baselines, dejavu_column, row_columns

BOOTSTRAP_SAMPLES = 10_000
BOOTSTRAP_SEED = 11
RELIABILITY_BINS = 10
MODELS = ("model", "stern", "logistic", "strength_logistic")
TARGETS = {
    "mean_brier_max_ratio_to_stern": 0.90,
    "reliability_bin_tolerance_pp": 3.0,
    "coverage90_tolerance_pp": 2.0,
}


def brier_each(prob: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (prob - y) ** 2


def log_loss_each(prob: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = np.clip(prob, 1e-12, 1 - 1e-12)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def reliability_table(
    prob: np.ndarray, y: np.ndarray, bins: int = RELIABILITY_BINS
) -> dict[str, Any]:
    """Equal-width bins of the forecast; observed rate, gap in points and ECE."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(prob, edges[1:-1]), 0, bins - 1)
    rows = []
    ece = 0.0
    for b in range(bins):
        m = which == b
        n = int(m.sum())
        mean_p = float(prob[m].mean()) if n else float("nan")
        observed = float(y[m].mean()) if n else float("nan")
        if n:
            ece += n / len(prob) * abs(mean_p - observed)
        rows.append(
            {
                "bin": [float(edges[b]), float(edges[b + 1])],
                "n": n,
                "mean_forecast": mean_p,
                "observed": observed,
                "gap_pp": 100 * (observed - mean_p) if n else float("nan"),
            }
        )
    return {"bins": rows, "ece": float(ece), "ece_pp": 100 * float(ece)}


def predict_rows(
    model: MinuteModel,
    baselines: Baselines,
    rows: MinuteRows,
    progress: Callable[[range], Iterable[int]] = iter,
) -> dict[str, np.ndarray]:
    """Model outputs for every row, baselines' probabilities (NaN in overtime)."""
    dj = dejavu_column(model.dejavu if model.uses_dejavu() else None, rows, progress=progress)
    out = model.predict_columns(rows.minute, row_columns(model, rows, dj))
    base = baselines.predict(rows)
    overtime = rows.minute > REGULATION_MINUTES
    for name, prob in base.items():
        out[name] = np.where(overtime, np.nan, prob)
    return out


def per_minute_report(out: dict[str, np.ndarray], rows: MinuteRows) -> dict[str, Any]:
    y = rows.home_win
    probs = {"model": out["prob"], **{k: out[k] for k in MODELS[1:]}}
    reg = rows.minute < REGULATION_MINUTES
    minutes = []
    for m in range(1, REGULATION_MINUTES):
        sel = rows.minute == m
        minutes.append(
            {
                "minute": m,
                "n": int(sel.sum()),
                "brier": {k: float(brier_each(p[sel], y[sel]).mean()) for k, p in probs.items()},
                "log_loss": {
                    k: float(log_loss_each(p[sel], y[sel]).mean()) for k, p in probs.items()
                },
            }
        )
    mean_brier = {k: float(brier_each(p[reg], y[reg]).mean()) for k, p in probs.items()}
    mean_log_loss = {k: float(log_loss_each(p[reg], y[reg]).mean()) for k, p in probs.items()}

    games = rows.game[reg]
    uniq, inverse = np.unique(games, return_inverse=True)
    counts = np.bincount(inverse)

    def per_game(values: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=values) / counts

    model_brier = brier_each(probs["model"][reg], y[reg])
    versus = {}
    for name in MODELS[1:]:
        diff = model_brier - brier_each(probs[name][reg], y[reg])
        versus[f"brier_vs_{name}"] = bootstrap_mean_ci(
            per_game(diff), BOOTSTRAP_SAMPLES, BOOTSTRAP_SEED
        )

    ot = ~reg
    overtime: dict[str, Any] = {"rows": int(ot.sum()), "games": len(np.unique(rows.game[ot]))}
    if ot.any():
        overtime |= {
            "brier_model": float(brier_each(probs["model"][ot], y[ot]).mean()),
            "log_loss_model": float(log_loss_each(probs["model"][ot], y[ot]).mean()),
        }
    reliability = reliability_table(probs["model"][reg], y[reg])
    reliability_baselines = {
        name: reliability_table(probs[name][reg], y[reg]) for name in MODELS[1:]
    }

    quarters = quarter_index(rows.minute)
    final_margin = {}
    for q, label in enumerate(QUARTERS):
        sel = quarters == q
        if not sel.any():
            continue
        actual = rows.final[sel]
        entry: dict[str, Any] = {
            "n": int(sel.sum()),
            "mae": float(np.mean(np.abs(out["final"][sel] - actual))),
            "mae_current_margin": float(np.mean(np.abs(rows.margin[sel] - actual))),
        }
        for level in ("90", "95"):
            lo, hi = out[f"lo{level}"][sel], out[f"hi{level}"][sel]
            entry[f"coverage{level}"] = 100 * float(np.mean((actual >= lo) & (actual <= hi)))
            entry[f"mean_width{level}"] = float(np.mean(hi - lo))
        final_margin[label] = entry

    ratio = mean_brier["model"] / mean_brier["stern"]
    targets = {
        "mean_brier_le_0.90_stern": bool(ratio <= TARGETS["mean_brier_max_ratio_to_stern"]),
        "below_strength_logistic_ci_below_zero": bool(
            versus["brier_vs_strength_logistic"]["ci95_high"] < 0
        ),
        "reliability_every_bin_within_3pp": bool(
            all(
                abs(b["gap_pp"]) <= TARGETS["reliability_bin_tolerance_pp"]
                for b in reliability["bins"]
                if b["n"]
            )
        ),
        "coverage90_within_2pp_each_quarter": {
            label: bool(abs(v["coverage90"] - 90.0) <= TARGETS["coverage90_tolerance_pp"])
            for label, v in final_margin.items()
        },
    }
    return {
        "rows_minutes_1_47": int(reg.sum()),
        "games": len(uniq),
        "mean_brier": mean_brier,
        "mean_log_loss": mean_log_loss,
        "brier_ratio_to_stern": {k: v / mean_brier["stern"] for k, v in mean_brier.items()},
        **versus,
        "minutes": minutes,
        "overtime": overtime,
        "reliability": reliability,
        "reliability_baselines": reliability_baselines,
        "ece_pp_baselines": {k: v["ece_pp"] for k, v in reliability_baselines.items()},
        "final_margin": final_margin,
        "targets": targets,
        "target_values": TARGETS,
        "bootstrap": {"samples": BOOTSTRAP_SAMPLES, "seed": BOOTSTRAP_SEED, "unit": "game"},
    }
