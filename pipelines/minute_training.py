"""Fitting the per-minute model and its baselines (``manage.py train_minute_model``).

Data use, by season (END year): 2022 + 2023 fit everything (Dejavu library, the logistic
and linear coefficients, the baselines); 2024 makes every choice (strength shrinkage,
feature sets, Dejavu configuration) and calibrates the conformal intervals; the test
season 2025 is never read here. numpy only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.conformal import conformal_quantile, integer_scores, level_key
from forecasting.history_table import CALIBRATION_SEASONS, TRAIN_SEASONS, file_digest, read_history
from forecasting.minute_model import (
    QUARTERS,
    REGULATION_MINUTES,
    Columns,
    LinearPart,
    MinuteDejavu,
    MinuteDejavuConfig,
    MinuteModel,
    design,
    minutes_left,
    normal_cdf,
    quarter_index,
)
from forecasting.winprob import fit_logistic, sigmoid
from pipelines.evaluation import mae
from pipelines.minute_data import GameRecord, MinuteRows, records_from_history
from predictions.registry import ARTIFACTS_DIR, set_served

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]

LEVELS = (0.90, 0.95)
PRIOR_GAMES = (0.0, 5.0, 10.0, 20.0)
# Baselines (fixed by the issue) and the model's candidate feature sets (chosen on 2023-24).
PLAIN_LOGISTIC = ("margin", "t", "margin_sqrt")
STRENGTH_LOGISTIC = (*PLAIN_LOGISTIC, "smargin_t", "swp_t")
WINPROB_CANDIDATES: tuple[tuple[str, ...], ...] = (
    STRENGTH_LOGISTIC,
    ("margin_sqrt", "sqrt_t", "smargin_sqrt", "swp_sqrt"),
    ("margin_sqrt", "sqrt_t", "smargin_sqrt", "swp_sqrt", "margin", "t"),
    (*STRENGTH_LOGISTIC, "sqrt_t", "smargin_sqrt", "swp_sqrt"),
    ("margin_sqrt", "sqrt_t", "smargin_sqrt", "swp_sqrt", "dj_sqrt"),
    ("margin_sqrt", "sqrt_t", "smargin_sqrt", "swp_sqrt", "margin", "t", "dj_sqrt"),
    (*STRENGTH_LOGISTIC, "sqrt_t", "smargin_sqrt", "swp_sqrt", "dj_sqrt"),
)
MARGIN_CANDIDATES: tuple[tuple[str, ...], ...] = (
    ("t",),
    ("t", "smargin_t", "swp_t"),
    ("t", "smargin_t", "swp_t", "margin_t"),
    ("t", "smargin_t", "swp_t", "margin_t", "dj"),
    ("t", "smargin_t", "swp_t", "dj"),
)
DEJAVU_GRID = tuple(
    MinuteDejavuConfig(k=k, window=w, level_weight=lw)
    for k in (100, 400)
    for w in (6, 0)
    for lw in (1.0, 3.0)
)


def load_records(history: Path, seasons: tuple[int, ...]) -> list[GameRecord]:
    return records_from_history(read_history(history, seasons))


def fit_stern(margin: np.ndarray, t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Stern (1994): P = Phi((lead + mu t) / (sigma sqrt t)); probit MLE by Fisher scoring."""
    x = np.column_stack([margin / np.sqrt(t), np.sqrt(t)])
    beta = np.array([0.3, 0.0])
    for _ in range(100):
        z = x @ beta
        p = np.clip(normal_cdf(z), 1e-12, 1 - 1e-12)
        dens = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
        grad = x.T @ ((y - p) * dens / (p * (1 - p)))
        info = (x * (dens**2 / (p * (1 - p)))[:, None]).T @ x
        step = np.linalg.solve(info, grad)
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    sigma = 1.0 / beta[0]
    return float(beta[1] * sigma), float(sigma)  # mu (points per minute), sigma


def stern_prob(mu: float, sigma: float, margin: np.ndarray, t: np.ndarray) -> np.ndarray:
    return normal_cdf((margin + mu * t) / (sigma * np.sqrt(t)))


def brier_rows(prob: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((prob - y) ** 2))


def dejavu_column(
    dejavu: MinuteDejavu | None,
    rows: MinuteRows,
    leave_one_out: bool = False,
    progress: Callable[[range], Iterable[int]] = iter,
) -> np.ndarray:
    """Dejavu expected change to the final for every regulation row (0 in overtime).

    ``leave_one_out``: the rows are the library's own games (same order); skip each itself.
    """
    out = np.zeros(len(rows))
    if dejavu is None:
        return out
    for m in progress(range(1, REGULATION_MINUTES)):
        mask = rows.minute == m
        if not mask.any():
            continue
        games = rows.game[mask]
        exclude = games if leave_one_out else None
        out[mask] = dejavu.expected_change(rows.series[games, :m], m, exclude)
    return out


def row_columns(model: MinuteModel, rows: MinuteRows, dj: np.ndarray) -> Columns:
    return model.columns(rows.minute, rows.margin, rows.home, rows.away, dj)


@dataclass(frozen=True)
class Baselines:
    stern: tuple[float, float]  # mu, sigma
    logistic: LinearPart
    strength_logistic: LinearPart
    prior_games: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "stern": {"mu": self.stern[0], "sigma": self.stern[1]},
            "logistic": self.logistic.as_dict(),
            "strength_logistic": self.strength_logistic.as_dict(),
            "prior_games": self.prior_games,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Baselines:
        return cls(
            stern=(float(data["stern"]["mu"]), float(data["stern"]["sigma"])),
            logistic=LinearPart.from_dict(data["logistic"]),
            strength_logistic=LinearPart.from_dict(data["strength_logistic"]),
            prior_games=float(data["prior_games"]),
        )

    def predict(self, rows: MinuteRows) -> dict[str, np.ndarray]:
        """Baseline probabilities (their own strength shrinkage) for regulation rows."""
        shell = _shell(self.prior_games)
        cols = row_columns(shell, rows, np.zeros(len(rows)))
        t = cols["t"]
        return {
            "stern": np.clip(stern_prob(*self.stern, rows.margin, t), 1e-4, 1 - 1e-4),
            "logistic": np.clip(sigmoid(self.logistic.linear(cols)), 1e-4, 1 - 1e-4),
            "strength_logistic": np.clip(
                sigmoid(self.strength_logistic.linear(cols)), 1e-4, 1 - 1e-4
            ),
        }


def _shell(prior_games: float) -> MinuteModel:
    """A model carrying only the strength shrinkage (to build feature columns)."""
    empty = LinearPart((), (0.0,))
    return MinuteModel("shell", prior_games, empty, empty, {}, 0.5, (0, 0, 0, 0, 0))


def fit_baselines(train: MinuteRows, prior_games: float) -> Baselines:
    reg = train.take(train.minute < REGULATION_MINUTES)
    cols = row_columns(_shell(prior_games), reg, np.zeros(len(reg)))
    y = reg.home_win
    stern = fit_stern(reg.margin, cols["t"], y)
    plain = LinearPart(PLAIN_LOGISTIC, tuple(fit_logistic(design(PLAIN_LOGISTIC, cols), y)))
    strong = LinearPart(STRENGTH_LOGISTIC, tuple(fit_logistic(design(STRENGTH_LOGISTIC, cols), y)))
    return Baselines(stern, plain, strong, prior_games)


def _fit_linear(features: tuple[str, ...], cols: Columns, target: np.ndarray) -> LinearPart:
    beta, *_ = np.linalg.lstsq(design(features, cols), target, rcond=None)
    return LinearPart(features, tuple(float(b) for b in beta))


def choose_minute_dejavu(
    train: MinuteRows, val: MinuteRows, progress: Progress
) -> tuple[MinuteDejavuConfig, list[dict[str, Any]]]:
    """The configuration whose margin + expected change has the lowest final MAE on 2023-24."""
    reg = val.take(val.minute < REGULATION_MINUTES)
    table = []
    for config in DEJAVU_GRID:
        dejavu = MinuteDejavu(config, train.series, train.finals)
        error = mae(reg.margin + dejavu_column(dejavu, reg), reg.final)
        table.append({**config.as_dict(), "val_final_mae": error})
        progress(f"  dejavu {config.as_dict()}: 2023-24 final MAE {error:.3f}")
    best = min(table, key=lambda r: r["val_final_mae"])
    return MinuteDejavuConfig(best["k"], best["window"], best["level_weight"]), table


def calibrate_intervals(
    minute: np.ndarray, final: np.ndarray, point: np.ndarray
) -> dict[str, list[float]]:
    """Per-quarter split-conformal factor of sqrt(t + 1) on integer scores."""
    scores = integer_scores(final, point) / np.sqrt(minutes_left(minute) + 1.0)
    q = quarter_index(minute)
    out: dict[str, list[float]] = {}
    for level in LEVELS:
        pooled = conformal_quantile(scores, level)
        per = []
        for b in range(len(QUARTERS)):
            value = conformal_quantile(scores[q == b], level)
            per.append(pooled if not np.isfinite(value) else value)
        out[level_key(level)] = per
    return out


def tie_statistics(games: list[GameRecord]) -> tuple[float, tuple[float, ...]]:
    """Overtime home-win rate and the final margin's mean and quantiles in overtime games."""
    margins = np.array([g.final for g in games if len(g.minutes) > REGULATION_MINUTES], dtype=float)
    q = np.quantile(margins, [0.025, 0.05, 0.95, 0.975])
    return float(np.mean(margins > 0)), (
        float(margins.mean()),
        float(np.floor(q[0])),
        float(np.floor(q[1])),
        float(np.ceil(q[2])),
        float(np.ceil(q[3])),
    )


def recalibration_check(
    logit: np.ndarray, y: np.ndarray, game: np.ndarray, repeats: int = 20, seed: int = 0
) -> dict[str, float]:
    """Would shifting the intercept on 2023-24 help? Fit the shift on a random half of the
    games, score the other half; mean Brier over repeats against the unshifted model."""
    rng = np.random.default_rng(seed)
    shifted = []
    for _ in range(repeats):
        fold = (rng.permutation(int(game.max()) + 1) % 2)[game]
        prob = np.empty(len(y))
        for f in (0, 1):
            fit, test = fold != f, fold == f
            shift = 0.0
            for _ in range(50):  # Newton on the one offset parameter
                p = sigmoid(shift + logit[fit])
                shift -= float((p - y[fit]).sum() / (p * (1 - p)).sum())
            prob[test] = sigmoid(shift + logit[test])
        shifted.append(brier_rows(prob, y))
    return {
        "brier_unshifted": brier_rows(sigmoid(logit), y),
        "brier_intercept_refit_on_other_half": float(np.mean(shifted)),
        "repeats": repeats,
    }


def train_minute_model(
    history: Path, root: Path = ARTIFACTS_DIR, progress: Progress = logger.info
) -> tuple[MinuteModel, dict[str, Any]]:
    digest = file_digest(history)
    version = f"minute1-{digest}"
    train_games = load_records(history, TRAIN_SEASONS)
    val_games = load_records(history, CALIBRATION_SEASONS)
    train, val = MinuteRows.build(train_games), MinuteRows.build(val_games)
    progress(
        f"{history.name} ({digest}): {len(train_games)} training games ({len(train)} rows), "
        f"{len(val_games)} validation games ({len(val)} rows)"
    )
    progress("choosing the Dejavu configuration on 2023-24 ...")
    dj_config, dj_table = choose_minute_dejavu(train, val, progress)
    dejavu = MinuteDejavu(dj_config, train.series, train.finals)
    dj_train = dejavu_column(dejavu, train, leave_one_out=True)
    dj_val = dejavu_column(dejavu, val)

    tie_rate, tie_margin = tie_statistics(train_games)
    reg_val = val.minute < REGULATION_MINUTES
    y_train, y_val = train.home_win, val.home_win
    progress("choosing strength shrinkage and features on 2023-24 (mean Brier, minutes 1-47) ...")
    trials: list[dict[str, Any]] = []
    for prior in PRIOR_GAMES:
        shell = _shell(prior)
        c_train = row_columns(shell, train, dj_train)
        c_val = row_columns(shell, val, dj_val)
        for features in WINPROB_CANDIDATES:
            beta = fit_logistic(design(features, c_train), y_train)
            p_val = sigmoid(design(features, c_val) @ beta)
            trials.append(
                {
                    "prior_games": prior,
                    "features": list(features),
                    "coef": beta.tolist(),
                    "val_brier": brier_rows(p_val[reg_val], y_val[reg_val]),
                }
            )
    best = min(trials, key=lambda r: r["val_brier"])
    prior = float(best["prior_games"])
    progress(
        f"  chosen: prior {prior:g} games, {'+'.join(best['features'])}: "
        f"2023-24 Brier {best['val_brier']:.5f}"
    )
    shell = _shell(prior)
    c_train = row_columns(shell, train, dj_train)
    c_val = row_columns(shell, val, dj_val)
    logit_val = design(best["features"], c_val) @ np.asarray(best["coef"])
    recalibration = recalibration_check(logit_val[reg_val], y_val[reg_val], val.game[reg_val])
    progress(f"  intercept recalibration on 2023-24 halves: {recalibration}")
    margin_trials: list[dict[str, Any]] = []
    for features in MARGIN_CANDIDATES:
        part = _fit_linear(features, c_train, train.final - train.margin)
        pred = val.margin + part.linear(c_val)
        margin_trials.append(
            {
                "features": list(features),
                "coef": list(part.coef),
                "val_mae": mae(pred[reg_val], val.final[reg_val]),
            }
        )
    best_margin = min(margin_trials, key=lambda r: r["val_mae"])
    margin_part = LinearPart(tuple(best_margin["features"]), tuple(best_margin["coef"]))
    progress(
        f"  final margin: {'+'.join(best_margin['features'])}: 2023-24 MAE "
        f"{best_margin['val_mae']:.3f}"
    )
    point_val = val.margin + margin_part.linear(c_val)
    half_widths = calibrate_intervals(val.minute, val.final, point_val)
    progress(f"  interval factors per quarter (x sqrt(t+1)): {half_widths}")

    baselines = fit_baselines(train, prior)
    model = MinuteModel(
        version=version,
        prior_games=prior,
        winprob=LinearPart(tuple(best["features"]), tuple(best["coef"])),
        margin=margin_part,
        half_widths=half_widths,
        tie_home_win_rate=tie_rate,
        tie_margin=(tie_margin[0], tie_margin[1], tie_margin[2], tie_margin[3], tie_margin[4]),
        dejavu=dejavu,
    )
    val_probs = baselines.predict(val.take(reg_val))
    val_metrics = {name: brier_rows(p, y_val[reg_val]) for name, p in val_probs.items()} | {
        "model": best["val_brier"]
    }
    card: dict[str, Any] = {
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "schema": 1,
        "model": "minute",
        "data": {
            "history_file": history.name,
            "history_sha256_10": digest,
            "train_seasons": list(TRAIN_SEASONS),
            "validation_seasons": list(CALIBRATION_SEASONS),
            "train_games": len(train_games),
            "validation_games": len(val_games),
            "test_season_used_for_fitting": False,
        },
        "baselines": baselines.as_dict(),
        "selection": {
            "winprob": [{k: v for k, v in t.items() if k != "coef"} for t in trials],
            "margin": [{k: v for k, v in t.items() if k != "coef"} for t in margin_trials],
            "dejavu": dj_table,
        },
        "validation_mean_brier_1_47": val_metrics,
        "recalibration_check": recalibration,
        "interval_method": (
            "split-conformal on 2023-24: integer score |y - point| - 1 divided by "
            "sqrt(minutes left + 1), one quantile per quarter (Q1-Q4, OT), rounded outward"
        ),
    }
    directory = root / version
    model.save(directory, card)
    set_served("minute", version, root)
    progress(f"  2023-24 mean Brier (minutes 1-47): {val_metrics}")
    progress(f"wrote {directory}")
    return MinuteModel.load(directory), card
