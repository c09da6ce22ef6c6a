"""Test-season evaluation of the shipped ensemble against the baselines.

Everything fitted here (baselines B1, B2 and the d18-only win-probability
baseline) is fitted on the training seasons; the test season (2024-25) is only
scored. The report is Markdown plus JSON, and the figures also go into the
artifact's model card under ``test_metrics``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.conformal import round_outward
from forecasting.ensemble import EnsembleForecaster
from forecasting.features import LEAD_BIN_LABELS, HistoryArrays
from forecasting.history_table import TEST_SEASONS, TRAIN_SEASONS, read_history
from forecasting.winprob import Logistic, brier, log_loss

BOOTSTRAP_SAMPLES = 10_000
BOOTSTRAP_SEED = 7
TARGETS = {
    "ensemble_halftime_mae_max": 4.90,
    "coverage_tolerance_overall": 1.5,
    "coverage_tolerance_bin": 3.0,
}


def mae(pred: np.ndarray, actual: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(pred) - np.asarray(actual))))


def rmse(pred: np.ndarray, actual: np.ndarray) -> float:
    return float(np.sqrt(np.mean((pred - actual) ** 2)))


def paired_bootstrap_mae_difference(
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    actual: np.ndarray,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, float]:
    """95% percentile CI of MAE(a) - MAE(b), resampling games jointly."""
    diff = np.abs(pred_a - actual) - np.abs(pred_b - actual)
    return bootstrap_mean_ci(diff, samples=samples, seed=seed)


def bootstrap_mean_ci(
    values: np.ndarray, samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED
) -> dict[str, float]:
    """Mean and 95 % percentile interval of the mean of per-game ``values`` (games resampled
    with replacement; a paired comparison passes per-game differences)."""
    rng = np.random.default_rng(seed)
    stats = np.empty(samples)
    for start in range(0, samples, 1000):
        idx = rng.integers(0, len(values), size=(min(1000, samples - start), len(values)))
        stats[start : start + len(idx)] = values[idx].mean(axis=1)
    lo, hi = np.quantile(stats, [0.025, 0.975])
    return {"estimate": float(values.mean()), "ci95_low": float(lo), "ci95_high": float(hi)}


def interval_stats(
    lo: np.ndarray, hi: np.ndarray, actual: np.ndarray, bins: np.ndarray
) -> dict[str, Any]:
    covered = (actual >= lo) & (actual <= hi)
    width = (hi - lo).astype(float)
    out: dict[str, Any] = {
        "overall": {
            "coverage": 100 * float(covered.mean()),
            "mean_width": float(width.mean()),
            "n": len(actual),
        }
    }
    for b, label in enumerate(LEAD_BIN_LABELS):
        m = bins == b
        out[label] = {
            "coverage": 100 * float(covered[m].mean()) if m.any() else math.nan,
            "mean_width": float(width[m].mean()) if m.any() else math.nan,
            "n": int(m.sum()),
        }
    return out


def _linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    slope, intercept = np.polyfit(x, y, 1)
    return float(intercept), float(slope)


def evaluate(forecaster: EnsembleForecaster, history: Path) -> dict[str, Any]:
    data = HistoryArrays.from_rows(read_history(history, TRAIN_SEASONS + TEST_SEASONS))
    train, test = data.select(TRAIN_SEASONS), data.select(TEST_SEASONS)
    return evaluate_arrays(forecaster, train, test, TEST_SEASONS)


def evaluate_arrays(
    forecaster: EnsembleForecaster,
    train: HistoryArrays,
    test: HistoryArrays,
    seasons: Sequence[int],
) -> dict[str, Any]:
    """Halftime, final and win-probability sections; baselines fitted on ``train``."""
    out = forecaster.predict_batch(test.patterns, test.strength)
    d18, bins = test.d18, out["bin"]

    half_drift = float(train.halftime_change.mean())
    final_drift = float(train.final_change.mean())
    b2_half = _linear_fit(train.d18, train.halftime)
    b2_final = _linear_fit(train.d18, train.final)
    half_preds = {
        "B0": d18,
        "B1": d18 + half_drift,
        "B2": b2_half[0] + b2_half[1] * d18,
        "dejavu": out["dejavu"],
        "lstm": out["lstm"],
        "ensemble": out["halftime"],
    }
    final_preds = {
        "B0": d18,
        "B1": d18 + final_drift,
        "B2": b2_final[0] + b2_final[1] * d18,
        "dejavu": out["dejavu_final"],
        "lstm": out["lstm_final"],
        "ensemble": out["final"],
    }

    sd = float(train.halftime_change.std(ddof=1))
    gauss_half = 1.96 * sd
    gauss_lo, gauss_hi = round_outward(d18 + half_drift - gauss_half, d18 + half_drift + gauss_half)

    home_win = (test.final > 0).astype(float)
    wp_base = Logistic.fit(train.d18, (train.final > 0).astype(float))
    base_prob = wp_base.predict(d18)

    intervals = {
        "90": interval_stats(out["lo90"], out["hi90"], test.halftime, bins),
        "95": interval_stats(out["lo95"], out["hi95"], test.halftime, bins),
    }
    half_mae = {k: mae(v, test.halftime) for k, v in half_preds.items()}
    boot = paired_bootstrap_mae_difference(out["halftime"], d18, test.halftime)
    width95 = intervals["95"]["overall"]["mean_width"]
    gaussian_width = 2 * gauss_half

    def coverage_ok(level: str, nominal: float) -> dict[str, bool]:
        stats = intervals[level]
        ok = {
            "overall": abs(stats["overall"]["coverage"] - nominal)
            <= TARGETS["coverage_tolerance_overall"]
        }
        for label in LEAD_BIN_LABELS:
            ok[label] = abs(stats[label]["coverage"] - nominal) <= TARGETS["coverage_tolerance_bin"]
        return ok

    targets = {
        "halftime_mae_le_4.90": half_mae["ensemble"] <= TARGETS["ensemble_halftime_mae_max"],
        "bootstrap_ci_below_zero": boot["ci95_high"] < 0,
        "coverage90": coverage_ok("90", 90.0),
        "coverage95": coverage_ok("95", 95.0),
        "width95_below_gaussian": width95 < gaussian_width,
    }
    return {
        "season": list(seasons),
        "games": len(test),
        "model_version": forecaster.version,
        "halftime": {
            "mae": half_mae,
            "rmse": {k: rmse(v, test.halftime) for k, v in half_preds.items()},
            "bootstrap_mae_ensemble_minus_B0": boot,
            "intervals": intervals,
            "gaussian_baseline": {
                "train_sd_of_change": sd,
                "width95": gaussian_width,
                "intervals95": interval_stats(gauss_lo, gauss_hi, test.halftime, bins),
            },
        },
        "final": {
            "mae": {k: mae(v, test.final) for k, v in final_preds.items()},
            "rmse": {k: rmse(v, test.final) for k, v in final_preds.items()},
            "bootstrap_mae_ensemble_minus_B0": paired_bootstrap_mae_difference(
                out["final"], d18, test.final
            ),
            "intervals": {
                "90": interval_stats(out["final_lo90"], out["final_hi90"], test.final, bins)
            },
        },
        "win_probability": {
            "ensemble": {
                "brier": brier(out["win_probability"], home_win),
                "log_loss": log_loss(out["win_probability"], home_win),
            },
            "baseline_logistic_d18": {
                "brier": brier(base_prob, home_win),
                "log_loss": log_loss(base_prob, home_win),
            },
            "home_win_rate": float(home_win.mean()),
        },
        "targets": targets,
        "baselines_fitted_on": list(TRAIN_SEASONS),
    }


def _row(name: str, values: list[str]) -> str:
    return "| " + " | ".join([name, *values]) + " |"


def _interval_method(card: dict[str, Any], target: str) -> str:
    method = card["conformal"][target].get("method", "mondrian")
    return {
        "mondrian": "Mondrian (per lead bin)",
        "pooled": "pooled",
        "normalized": "normalized (lead-dependent scale)",
    }.get(method, method)


def render_markdown(report: dict[str, Any], card: dict[str, Any]) -> str:
    h, f, w = report["halftime"], report["final"], report["win_probability"]
    t = report["targets"]
    names = ["B0", "B1", "B2", "dejavu", "lstm", "ensemble"]
    fb = f["bootstrap_mae_ensemble_minus_B0"]
    lstm_summary = {
        k: card["lstm"]["config"][k] for k in ("hidden", "head", "learning_rate", "seed")
    }
    lines = [
        "# Model report: minute-18 forecasts, test season 2024-25",
        "",
        f"Model `{report['model_version']}`; {report['games']} test games. Fitted on "
        "2021-22 + 2022-23 (Dejavu library, LSTM, baselines), weights/calibration on "
        "2023-24; nothing was tuned on 2024-25.",
        "Generated by `python manage.py record_ensemble_test_metrics`.",
        "",
        "B0 = differential at minute 18; B1 = B0 + mean training drift; B2 = linear "
        "regression on the minute-18 differential (fit on training seasons).",
        "",
        "## Halftime differential",
        "",
        "| model | MAE | RMSE |",
        "| --- | --- | --- |",
        *[_row(n, [f"{h['mae'][n]:.3f}", f"{h['rmse'][n]:.3f}"]) for n in names],
        "",
        f"Paired bootstrap ({BOOTSTRAP_SAMPLES} resamples) of MAE(ensemble) - MAE(B0): "
        f"{h['bootstrap_mae_ensemble_minus_B0']['estimate']:+.3f} "
        f"[{h['bootstrap_mae_ensemble_minus_B0']['ci95_low']:+.3f}, "
        f"{h['bootstrap_mae_ensemble_minus_B0']['ci95_high']:+.3f}].",
        "",
        f"### Intervals ({_interval_method(card, 'halftime')} split-conformal, calibrated on "
        "2023-24, rounded outward)",
        "",
        "| level | bin | n | coverage % | mean width |",
        "| --- | --- | --- | --- | --- |",
    ]
    for level in ("90", "95"):
        for label in ("overall", *LEAD_BIN_LABELS):
            s = h["intervals"][level][label]
            lines.append(
                _row(
                    level + "%",
                    [label, str(s["n"]), f"{s['coverage']:.1f}", f"{s['mean_width']:.2f}"],
                )
            )
    g = h["gaussian_baseline"]
    lines += [
        "",
        f"Gaussian baseline (B1 ± 1.96 x training sd {g['train_sd_of_change']:.3f}): 95% width "
        f"{g['width95']:.2f} (coverage on test {g['intervals95']['overall']['coverage']:.1f}%, "
        f"{g['intervals95']['overall']['mean_width']:.2f} wide once rounded outward).",
        "",
        "## Final margin",
        "",
        "| model | MAE | RMSE |",
        "| --- | --- | --- |",
        *[_row(n, [f"{f['mae'][n]:.3f}", f"{f['rmse'][n]:.3f}"]) for n in names],
        "",
        f"Bootstrap MAE(ensemble) - MAE(B0): {fb['estimate']:+.3f} "
        f"[{fb['ci95_low']:+.3f}, {fb['ci95_high']:+.3f}].",
        "",
        "| level | bin | n | coverage % | mean width |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label in ("overall", *LEAD_BIN_LABELS):
        s = f["intervals"]["90"][label]
        lines.append(
            _row("90%", [label, str(s["n"]), f"{s['coverage']:.1f}", f"{s['mean_width']:.2f}"])
        )
    lines += [
        "",
        f"Final-margin intervals: {_interval_method(card, 'final')} split-conformal.",
        "",
        "## Home win probability",
        "",
        "| model | Brier | log loss |",
        "| --- | --- | --- |",
        _row(
            "ensemble (Platt on final-margin forecast, fit 2023-24)",
            [f"{w['ensemble']['brier']:.4f}", f"{w['ensemble']['log_loss']:.4f}"],
        ),
        _row(
            "baseline: logistic on d18 (fit on training seasons)",
            [
                f"{w['baseline_logistic_d18']['brier']:.4f}",
                f"{w['baseline_logistic_d18']['log_loss']:.4f}",
            ],
        ),
        "",
        "## Targets",
        "",
        "| target | met |",
        "| --- | --- |",
        _row("ensemble halftime MAE <= 4.90", [str(t["halftime_mae_le_4.90"])]),
        _row(
            "bootstrap CI of MAE(ens) - MAE(B0) entirely below 0",
            [str(t["bootstrap_ci_below_zero"])],
        ),
        _row("90% coverage within ±1.5 overall / ±3 per bin", [json.dumps(t["coverage90"])]),
        _row("95% coverage within ±1.5 overall / ±3 per bin", [json.dumps(t["coverage95"])]),
        _row("95% mean width below the Gaussian baseline", [str(t["width95_below_gaussian"])]),
        "",
        "## Model",
        "",
        f"- Dejavu: {json.dumps(card['dejavu']['config'])} (chosen on 2023-24), "
        "library = training seasons.",
        f"- LSTM: {json.dumps(lstm_summary)}, best epoch "
        f"{card['lstm']['training']['best_epoch']} "
        "(early stopping on a hold-out of training games).",
        f"- Ensemble halftime: {json.dumps(card['ensemble']['halftime'])}",
        f"- Ensemble final: {json.dumps(card['ensemble']['final'])}",
        *_interval_choice_lines(card),
        "",
        "How each choice was made on the validation season: `docs/model-validation.md`.",
        "",
    ]
    return "\n".join(lines)


def _interval_choice_lines(card: dict[str, Any]) -> list[str]:
    """How each target's interval method was chosen on 2023-24 (if the card says)."""
    lines = []
    for target in ("halftime", "final"):
        choice = card["conformal"].get(f"{target}_selection")
        if not choice:
            continue
        scores = ", ".join(f"{m} {v:.2f}" for m, v in choice["scores"].items())
        lines.append(
            f"- Intervals {target}: {choice['chosen']} (mean RMS per-bin coverage deviation "
            f"over random halves of 2023-24, pp: {scores})"
        )
    return lines


def record_test_metrics(report: dict[str, Any], artifact: Path) -> Path:
    """Store ``report`` as the ``test_metrics`` of the artifact's model card. The readable
    report (docs/model-report.*) is written by ``evaluate_model`` alone."""
    card_path = artifact / EnsembleForecaster.CARD_FILE
    card = json.loads(card_path.read_text())
    card["test_metrics"] = report
    card_path.write_text(json.dumps(card, indent=1) + "\n")
    return card_path
