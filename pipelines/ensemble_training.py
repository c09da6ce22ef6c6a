"""Training every component and writing the versioned artifact (``train_models``).

Data use, by season (end year): train 2022 + 2023 fits Dejavu's library and the
LSTM; validation 2024 chooses Dejavu's configuration and k, fits the stacking
weights, chooses and calibrates the conformal intervals (the scale model for
normalized intervals is fitted on training-season residuals) and the win
probability. The test season 2025 is never read here.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.conformal import (
    MondrianConformal,
    NormalizedConformal,
    ScaleModel,
    integer_scores,
    split_half_study,
    study_score,
)
from forecasting.dejavu import DejavuConfig, DejavuIndex
from forecasting.ensemble import (
    DEJAVU_FILE,
    LSTM_FILE,
    MODEL_NAME,
    EnsembleForecaster,
    LinearStacker,
    component_columns,
)
from forecasting.features import LEAD_BIN_LABELS, HistoryArrays, lead_bin
from forecasting.history_table import (
    CALIBRATION_SEASONS,
    TRAIN_SEASONS,
    file_digest,
    read_history,
)
from forecasting.lstm import NumpyLSTM
from forecasting.winprob import Logistic, brier, log_loss
from pipelines.evaluation import mae
from pipelines.lstm_training import LSTMTrainingConfig, train_lstm
from predictions.registry import ARTIFACTS_DIR, set_served

logger = logging.getLogger(__name__)

ARTIFACT_SCHEMA = 2
INTERVAL_LEVELS = (0.90, 0.95)
STUDY_REPEATS = 200
DEJAVU_KS = (5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1000)
DEJAVU_SHAPES = (
    ("absolute", 0.0),
    ("relative", 0.0),
    ("relative", 1.0),
    ("relative", 2.0),
    ("relative", 4.0),
)
STACKER_CANDIDATES: tuple[tuple[str, ...], ...] = (
    ("dejavu",),
    ("lstm",),
    ("dejavu", "lstm"),
    ("dejavu", "lstm", "strength"),
    ("dejavu", "lstm", "strength", "d18"),
    ("lstm", "strength"),
    ("lstm", "strength", "d18"),
    ("dejavu", "strength", "d18"),
)
FOLDS = 5

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainResult:
    version: str
    directory: Path
    card: dict[str, Any]


def choose_dejavu(
    train: HistoryArrays, val: HistoryArrays, progress: Progress
) -> tuple[DejavuConfig, list[dict[str, Any]]]:
    """Shape mode, metric and k with the lowest halftime MAE on the validation season."""
    results: list[dict[str, Any]] = []
    for metric in ("l1", "l2"):
        for mode, level in DEJAVU_SHAPES:
            index = DejavuIndex(
                DejavuConfig(k=1, metric=metric, mode=mode, level_weight=level),
                train.patterns,
                train.halftime_change,
                train.final_change,
            )
            by_k = index.predict_changes_for_ks(val.patterns, list(DEJAVU_KS))
            for k, change in by_k.items():
                results.append(
                    {
                        "metric": metric,
                        "mode": mode,
                        "level_weight": level,
                        "k": k,
                        "val_mae": mae(val.d18 + change, val.halftime),
                    }
                )
            best_here = min((r for r in results[-len(DEJAVU_KS) :]), key=lambda r: r["val_mae"])
            progress(
                f"  dejavu {metric} {mode} level={level:g}: best k={best_here['k']} "
                f"val MAE {best_here['val_mae']:.3f}"
            )
    best = min(results, key=lambda r: r["val_mae"])
    config = DejavuConfig(
        k=best["k"], metric=best["metric"], mode=best["mode"], level_weight=best["level_weight"]
    )
    return config, results


def _folds(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.permutation(n) % FOLDS


def out_of_fold(
    features: tuple[str, ...],
    loss: str,
    columns: dict[str, np.ndarray],
    target: np.ndarray,
    folds: np.ndarray,
) -> np.ndarray:
    pred = np.empty(len(target))
    for f in range(FOLDS):
        test = folds == f
        fit_cols = {k: v[~test] for k, v in columns.items()}
        model = LinearStacker.fit(features, fit_cols, target[~test], loss=loss)
        pred[test] = model.predict({k: v[test] for k, v in columns.items()})
    return pred


def choose_stacker(
    columns: dict[str, np.ndarray],
    target: np.ndarray,
    folds: np.ndarray,
    label: str,
    progress: Progress,
) -> tuple[LinearStacker, np.ndarray, list[dict[str, Any]]]:
    """Feature set and loss by cross-validated MAE within the validation season."""
    trials: list[dict[str, Any]] = []
    for features in STACKER_CANDIDATES:
        for loss in ("l2", "l1"):
            oof = out_of_fold(features, loss, columns, target, folds)
            trials.append(
                {"features": list(features), "loss": loss, "cv_mae": mae(oof, target), "oof": oof}
            )
    best = min(trials, key=lambda t: t["cv_mae"])
    progress(
        f"  {label} stacker: {'+'.join(best['features'])} ({best['loss']}), "
        f"5-fold CV MAE on 2023-24 {best['cv_mae']:.3f}"
    )
    model = LinearStacker.fit(tuple(best["features"]), columns, target, loss=best["loss"])
    table = [{k: v for k, v in t.items() if k != "oof"} for t in trials]
    return model, best["oof"], table


def training_scale(train: HistoryArrays, change: np.ndarray, seed: int) -> ScaleModel:
    """Score scale by lead, from out-of-fold residuals on the training seasons.

    The residuals are those of a cross-fitted linear median model on (strength, d18):
    a clean out-of-fold stand-in for the ensemble, whose LSTM saw the training games.
    """
    cols = {"strength": train.strength, "d18": train.d18}
    fitted = out_of_fold(("strength", "d18"), "l1", cols, change, _folds(len(train), seed))
    return ScaleModel.fit(train.d18, integer_scores(change, fitted))


def choose_intervals(
    outcomes: np.ndarray,
    points: np.ndarray,
    d18: np.ndarray,
    scale: ScaleModel,
    seed: int,
    label: str,
    progress: Progress,
) -> tuple[MondrianConformal | NormalizedConformal, dict[str, Any]]:
    """Mondrian, pooled or normalized: the steadiest per-bin coverage on held-out halves."""
    bins = lead_bin(d18)
    n_bins = len(LEAD_BIN_LABELS)
    study = split_half_study(
        outcomes, points, d18, bins, n_bins, scale, INTERVAL_LEVELS, STUDY_REPEATS, seed
    )
    scores = {method: study_score(result) for method, result in study.items()}
    chosen = min(scores, key=lambda m: scores[m])  # on ties the first (simplest) method
    model: MondrianConformal | NormalizedConformal
    if chosen == "mondrian":
        model = MondrianConformal.calibrate(outcomes, points, bins, INTERVAL_LEVELS, n_bins)
    else:
        flat = chosen == "pooled"
        model = NormalizedConformal.calibrate(
            outcomes, points, d18, ScaleModel() if flat else scale, INTERVAL_LEVELS
        )
        model.method = chosen
    progress(
        f"  {label} intervals: "
        + ", ".join(f"{m} {s:.2f}" for m, s in scores.items())
        + f" (mean RMS bin deviation, pp) -> {chosen}"
    )
    return model, {"chosen": chosen, "scores": scores, "split_half_study": study}


def train_all(
    history: Path,
    seed: int = 20250,
    root: Path = ARTIFACTS_DIR,
    progress: Progress = logger.info,
    lstm_config: LSTMTrainingConfig | None = None,
    make_latest: bool = True,
) -> TrainResult:
    digest = file_digest(history)
    version = f"ens2-{digest}"
    rows = read_history(history, TRAIN_SEASONS + CALIBRATION_SEASONS)
    data = HistoryArrays.from_rows(rows)
    train, val = data.select(TRAIN_SEASONS), data.select(CALIBRATION_SEASONS)
    progress(
        f"history {history.name} ({digest}): {len(train)} training, {len(val)} validation games"
    )

    progress("choosing Dejavu shape, metric and k on 2023-24 ...")
    dj_config, dj_table = choose_dejavu(train, val, progress)
    dejavu = DejavuIndex(dj_config, train.patterns, train.halftime_change, train.final_change)
    progress(f"  chosen: {dj_config.as_dict()}")

    progress("training the LSTM on 2021-22 + 2022-23 ...")
    lstm_config = lstm_config or LSTMTrainingConfig(seed=seed)
    weights, lstm_log = train_lstm(
        train.patterns,
        train.strength,
        train.halftime_change,
        train.final_change,
        lstm_config,
        progress,
    )
    lstm = NumpyLSTM(weights)

    progress("fitting the ensemble on 2023-24 ...")
    half_cols, final_cols, _ = component_columns(dejavu, lstm, val.patterns, val.strength)
    folds = _folds(len(val), seed)
    half_model, half_oof_change, half_table = choose_stacker(
        half_cols, val.halftime_change, folds, "halftime", progress
    )
    final_model, final_oof_change, final_table = choose_stacker(
        final_cols, val.final_change, folds, "final", progress
    )
    half_oof = val.d18 + half_oof_change
    final_oof = val.d18 + final_oof_change

    progress("calibrating intervals on 2023-24 (method chosen by split-half study) ...")
    half_scale = training_scale(train, train.halftime_change, seed)
    final_scale = training_scale(train, train.final_change, seed)
    half_conf, half_choice = choose_intervals(
        val.halftime, half_oof, val.d18, half_scale, seed, "halftime", progress
    )
    final_conf, final_choice = choose_intervals(
        val.final, final_oof, val.d18, final_scale, seed, "final", progress
    )
    home_win = (val.final > 0).astype(float)
    winprob = Logistic.fit(final_oof, home_win)

    val_metrics = {
        "halftime_mae": {
            "B0": mae(val.d18, val.halftime),
            "dejavu": mae(val.d18 + half_cols["dejavu"], val.halftime),
            "lstm": mae(val.d18 + half_cols["lstm"], val.halftime),
            "ensemble_out_of_fold": mae(half_oof, val.halftime),
        },
        "final_mae": {
            "B0": mae(val.d18, val.final),
            "dejavu": mae(val.d18 + final_cols["dejavu"], val.final),
            "lstm": mae(val.d18 + final_cols["lstm"], val.final),
            "ensemble_out_of_fold": mae(final_oof, val.final),
        },
        "win_probability_out_of_fold": {
            "brier": brier(winprob.predict(final_oof), home_win),
            "log_loss": log_loss(winprob.predict(final_oof), home_win),
        },
    }
    progress(f"  validation (2023-24) halftime MAE: {val_metrics['halftime_mae']}")

    card: dict[str, Any] = {
        "schema": ARTIFACT_SCHEMA,
        "model": MODEL_NAME,
        "version": version,
        # When this training run finished fitting (the Models page shows it; never a
        # file's mtime, which is the clone's time).
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "data": {
            "history_file": history.name,
            "history_sha256_10": digest,
            "train_seasons": list(TRAIN_SEASONS),
            "validation_seasons": list(CALIBRATION_SEASONS),
            "train_games": len(train),
            "validation_games": len(val),
            "test_season_used_for_fitting": False,
        },
        "dejavu": {
            "config": dj_config.as_dict(),
            "library": "training seasons",
            "search": dj_table,
        },
        "lstm": {"config": lstm_config.as_dict(), "training": lstm_log},
        "ensemble": {
            "halftime": half_model.as_dict(),
            "final": final_model.as_dict(),
            "halftime_search": half_table,
            "final_search": final_table,
            "fitted_on": "validation season 2023-24",
        },
        "conformal": {
            "method": (
                "split-conformal on integer-rounded intervals, out-of-fold 2023-24 points; "
                "Mondrian (per lead bin), pooled or normalized (scale by lead fitted on "
                "training-season residuals), chosen by per-bin coverage stability over "
                f"{STUDY_REPEATS} random halves of 2023-24"
            ),
            "lead_bins": list(LEAD_BIN_LABELS),
            "halftime": half_conf.as_dict(),
            "final": final_conf.as_dict(),
            "halftime_selection": half_choice,
            "final_selection": final_choice,
        },
        "win_probability": winprob.as_dict(),
        "validation_metrics": val_metrics,
        "test_metrics": None,
    }
    directory = root / version
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    np.savez_compressed(directory / LSTM_FILE, **weights)  # type: ignore[arg-type]
    np.savez_compressed(
        directory / DEJAVU_FILE,
        patterns=train.patterns.astype(np.int16),
        halftime=train.halftime.astype(np.int16),
        final=train.final.astype(np.int16),
        game_id=train.game_id,
        date=train.date,
        home=train.home,
        away=train.away,
    )
    (directory / EnsembleForecaster.CARD_FILE).write_text(
        json.dumps(card, indent=1, sort_keys=False) + "\n"
    )
    if make_latest:
        set_served("ensemble", version, root)
    progress(f"wrote {directory}")
    return TrainResult(version=version, directory=directory, card=card)
