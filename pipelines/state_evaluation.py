"""Scoring the state model honestly on any play-by-play directory (a report dict + Markdown).

Protocols (rows are states of ``pipelines.state_dataset``; ``y`` = home won):

* ``minutes_1_47``: the state at every whole regulation minute 1..47 (the per-minute
  protocol of ``docs/model-report.json``'s ``per_minute`` section: the same 47 rows per
  game, the margin the last score at or before 60 m s);
* ``all_states``: every 10 s of game clock while time is left, overtime included;
* ``last_3_minutes``: those of them in the last 3:00 of regulation and in overtime.

Each against Stern at second resolution, the plain logistic and the net-rating logistic
(``pipelines.state_baselines``, fitted on the training seasons and stored in the model
card), with a paired bootstrap over games of the mean Brier difference (each game's rows
weighted so that the mean of the per-game values is the mean over rows). Reliability by
decile of the forecast, overall and by quarter (Q1-Q4, OT), with counts and a game
bootstrap CI of each bin's gap. Final margin: MAE and 90/95 % coverage by quarter.

Pre-game strength needs each team's previous season: when the directory has the season
before a scored one, it is read for that (its states are not scored); otherwise the prior
is neutral and the report says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.state_model import QUARTERS, REGULATION_PERIODS, StateModel, quarter_of
from pipelines.directory import directory_files
from pipelines.evaluation import bootstrap_mean_ci
from pipelines.minute_evaluation import brier_each, log_loss_each, reliability_table
from pipelines.state_baselines import StateBaselines
from pipelines.state_dataset import (
    KIND_GRID,
    StateTable,
    load_tables,
    pregame_table,
    whole_minute_rows,
)
from pipelines.state_training import split_seasons, table_columns

logger = logging.getLogger(__name__)
Wrap = Callable[[Iterable[Any]], Iterable[Any]]

BOOTSTRAP_SAMPLES = 10_000
BOOTSTRAP_SEED = 18
RELIABILITY_BOOTSTRAP = 2_000
LAST_SECONDS = 180.0
BASELINES = ("stern", "logistic", "net_rating_logistic")
TARGETS = {
    "minutes_1_47_brier_max": 0.1525,
    "last_3_minutes_max_ratio_to_stern": 0.85,
    "reliability_tolerance_pp": 3.0,
    "reliability_min_states": 500,
}
LEVEL_KEYS = ("90", "95")


def protocol_masks(table: StateTable) -> dict[str, np.ndarray]:
    left = table.rows["seconds_left"]
    period = table.rows["period"]
    grid = ((table.kind & KIND_GRID) > 0) & (left > 0)
    late = ((period == REGULATION_PERIODS) & (left <= LAST_SECONDS)) | (period > REGULATION_PERIODS)
    return {
        "minutes_1_47": whole_minute_rows(table),
        "all_states": grid,
        "last_3_minutes": grid & late,
    }


def per_game_weighted(values: np.ndarray, game: np.ndarray) -> np.ndarray:
    """Per-game values whose plain mean equals the mean of ``values`` over rows."""
    _uniq, inverse = np.unique(game, return_inverse=True)
    counts = np.bincount(inverse)
    sums = np.bincount(inverse, weights=values)
    return sums / counts.mean()


def paired(diff: np.ndarray, game: np.ndarray) -> dict[str, float]:
    return bootstrap_mean_ci(per_game_weighted(diff, game), BOOTSTRAP_SAMPLES, BOOTSTRAP_SEED)


def reliability_with_ci(
    prob: np.ndarray, y: np.ndarray, game: np.ndarray, seed: int = BOOTSTRAP_SEED
) -> dict[str, Any]:
    """``reliability_table`` plus, per bin, a game-bootstrap 95 % CI of its gap (points)."""
    table = reliability_table(prob, y)
    edges = np.linspace(0, 1, len(table["bins"]) + 1)
    which = np.clip(np.digitize(prob, edges[1:-1]), 0, len(table["bins"]) - 1)
    uniq, inverse = np.unique(game, return_inverse=True)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(uniq), size=(RELIABILITY_BOOTSTRAP, len(uniq)))
    for b, row in enumerate(table["bins"]):
        sel = which == b
        if not sel.any():
            row["gap_ci95_pp"] = [float("nan"), float("nan")]
            continue
        n = np.bincount(inverse[sel], minlength=len(uniq)).astype(float)
        resid = np.bincount(inverse[sel], weights=(y - prob)[sel], minlength=len(uniq))
        gaps = 100 * resid[draws].sum(axis=1) / np.maximum(n[draws].sum(axis=1), 1.0)
        lo, hi = np.quantile(gaps, [0.025, 0.975])
        row["gap_ci95_pp"] = [float(lo), float(hi)]
    return table


def blank(columns: dict[str, np.ndarray], names: Sequence[str]) -> dict[str, np.ndarray]:
    out = dict(columns)
    for name in names:
        out[name] = np.full(len(columns["margin"]), np.nan)
    return out


PBP_COLUMNS = ("possession", "free_throws_pending", "fouls_home", "fouls_away")
SCOREBOARD_COLUMNS = ("bonus_home", "bonus_away", "timeouts_home", "timeouts_away")


def evaluate_table(
    model: StateModel,
    table: StateTable,
    scored_seasons: Sequence[int],
    minute_model_probs: dict[tuple[str, int], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """The report of ``scored_seasons``' games of ``table`` (earlier seasons: strength only)."""
    pregame = pregame_table(table.games)
    part = split_seasons(table, pregame, tuple(scored_seasons))
    rows, pre = part.table, part.pregame
    strength = model.strength_params
    cols = table_columns(rows, pre, strength["pseudo_games"], strength["carry"])
    out = model.predict_columns(cols)
    baselines = StateBaselines.from_dict(model.card["baselines"])
    probs = {"model": out["prob"], **baselines.predict(rows, pre)}
    degraded = {
        "scoreboard_only": model.predict_columns(blank(cols, PBP_COLUMNS))["prob"],
        "margin_clock_strength_only": model.predict_columns(
            blank(cols, PBP_COLUMNS + SCOREBOARD_COLUMNS)
        )["prob"],
    }
    y = rows.home_win
    masks = protocol_masks(rows)
    report: dict[str, Any] = {
        "model_version": model.version,
        "seasons": list(scored_seasons),
        "games": len(rows.games),
        "overtime_games": int(sum(g.periods > REGULATION_PERIODS for g in rows.games)),
        "playoff_games": int(sum(g.playoffs for g in rows.games)),
        "previous_season_on_disk": bool(pre.has_prior.all()),
        "protocols": {},
    }
    for name, mask in masks.items():
        game = rows.game[mask]
        section: dict[str, Any] = {
            "rows": int(mask.sum()),
            "games": len(np.unique(game)),
            "brier": {k: float(brier_each(p[mask], y[mask]).mean()) for k, p in probs.items()},
            "log_loss": {
                k: float(log_loss_each(p[mask], y[mask]).mean()) for k, p in probs.items()
            },
            "brier_degraded": {
                k: float(brier_each(p[mask], y[mask]).mean()) for k, p in degraded.items()
            },
        }
        model_brier = brier_each(probs["model"][mask], y[mask])
        section["versus"] = {
            name_b: paired(model_brier - brier_each(probs[name_b][mask], y[mask]), game)
            for name_b in BASELINES
        }
        section["ratio_to_stern"] = section["brier"]["model"] / section["brier"]["stern"]
        report["protocols"][name] = section
    if minute_model_probs is not None:
        report["reproduction"] = reproduction(
            rows, masks["minutes_1_47"], minute_model_probs, probs["model"]
        )
    grid = masks["all_states"]
    quarter = quarter_of(rows.rows["period"])
    report["reliability"] = {
        "all_states": reliability_with_ci(probs["model"][grid], y[grid], rows.game[grid]),
        "by_quarter": {
            label: reliability_with_ci(
                probs["model"][grid & (quarter == q)],
                y[grid & (quarter == q)],
                rows.game[grid & (quarter == q)],
            )
            for q, label in enumerate(QUARTERS)
            if (grid & (quarter == q)).any()
        },
    }
    report["final_margin"] = final_margin_section(out, cols, rows.final, grid, quarter)
    report["targets"] = targets(report)
    return report


def final_margin_section(
    out: dict[str, np.ndarray],
    cols: dict[str, np.ndarray],
    final: np.ndarray,
    mask: np.ndarray,
    quarter: np.ndarray,
) -> dict[str, Any]:
    section: dict[str, Any] = {}
    for q, label in enumerate(("all", *QUARTERS)):
        sel = mask if label == "all" else mask & (quarter == q - 1)
        if not sel.any():
            continue
        actual = final[sel]
        entry: dict[str, Any] = {
            "n": int(sel.sum()),
            "mae": float(np.mean(np.abs(out["final"][sel] - actual))),
            "mae_current_margin": float(np.mean(np.abs(cols["margin"][sel] - actual))),
        }
        for key in LEVEL_KEYS:
            lo, hi = out[f"lo{key}"][sel], out[f"hi{key}"][sel]
            entry[f"coverage{key}"] = 100 * float(np.mean((actual >= lo) & (actual <= hi)))
            entry[f"mean_width{key}"] = float(np.mean(hi - lo))
        section[label] = entry
    return section


def reproduction(
    rows: StateTable,
    minutes: np.ndarray,
    probs: dict[tuple[str, int], dict[str, float]],
    state_model: np.ndarray,
) -> dict[str, Any]:
    """Today's minute model and its card baselines scored on this harness's minute rows,
    and the paired difference of the state model to each of them."""
    games = rows.games
    game_ids = [games[g].game_id for g in rows.game[minutes]]
    minute = (rows.rows["elapsed"][minutes] // 60).astype(int)
    y = rows.home_win[minutes]
    keys = list(zip(game_ids, minute.tolist(), strict=True))
    missing = sum(1 for k in keys if k not in probs)
    out: dict[str, Any] = {"rows": len(keys), "rows_missing_in_minute_model": missing}
    if missing:
        return out
    names = next(iter(probs.values())).keys()
    mine = brier_each(state_model[minutes], y)
    versus = {}
    for name in names:
        p = np.array([probs[k][name] for k in keys])
        theirs = brier_each(p, y)
        out[name] = float(theirs.mean())
        versus[name] = paired(mine - theirs, rows.game[minutes])
    out["state_model_minus"] = versus
    return out


def targets(report: dict[str, Any]) -> dict[str, Any]:
    minutes = report["protocols"]["minutes_1_47"]
    last = report["protocols"]["last_3_minutes"]
    tol = TARGETS["reliability_tolerance_pp"]
    big = TARGETS["reliability_min_states"]
    bins = [
        (label, b)
        for label, table in [
            ("all_states", report["reliability"]["all_states"]),
            *list(report["reliability"]["by_quarter"].items()),
        ]
        for b in table["bins"]
        if b["n"] >= big
    ]
    worst = max((abs(b["gap_pp"]) for _, b in bins), default=float("nan"))
    return {
        "minutes_1_47_brier_le_0.1525": {
            "value": minutes["brier"]["model"],
            "met": bool(minutes["brier"]["model"] <= TARGETS["minutes_1_47_brier_max"]),
        },
        "minutes_1_47_ci_vs_net_rating_logistic_below_0": {
            "value": minutes["versus"]["net_rating_logistic"],
            "met": bool(minutes["versus"]["net_rating_logistic"]["ci95_high"] < 0),
        },
        "last_3_minutes_brier_le_0.85_stern": {
            "value": last["ratio_to_stern"],
            "met": bool(last["ratio_to_stern"] <= TARGETS["last_3_minutes_max_ratio_to_stern"]),
        },
        "reliability_bins_500_plus_within_3pp": {
            "value": worst,
            "bins_checked": len(bins),
            "outside": [
                {"table": label, "bin": b["bin"], "n": b["n"], "gap_pp": b["gap_pp"]}
                for label, b in bins
                if abs(b["gap_pp"]) > tol
            ],
            "met": bool(bins) and bool(worst <= tol),
        },
    }


def minute_model_probabilities(
    pbp_dir: Path, seasons: Sequence[int]
) -> dict[tuple[str, int], dict[str, float]] | None:
    """Today's per-minute model (``MINUTE_LATEST``) and its card's Stern and logistic at
    every (game_id, minute) of ``seasons``, computed with ``predictions``' own code."""
    from pipelines.minute_data import GameRecord, MinuteRows
    from pipelines.minute_evaluation import predict_rows
    from pipelines.minute_training import Baselines
    from pipelines.pbp_evaluation import read_directory
    from predictions.registry import load_minute_model

    try:
        minute_model = load_minute_model()
    except FileNotFoundError:
        return None
    history = read_directory(pbp_dir, list(seasons))
    records = [
        GameRecord(r.game_id, r.date, r.season, r.home, r.away, r.minutes, r.final_diff)
        for r in history
    ]
    minute_rows = MinuteRows.build(records)
    card = minute_model.card or {}
    out = predict_rows(minute_model, Baselines.from_dict(card["baselines"]), minute_rows)
    result: dict[tuple[str, int], dict[str, float]] = {}
    for i in range(len(minute_rows)):
        key = (records[int(minute_rows.game[i])].game_id, int(minute_rows.minute[i]))
        result[key] = {
            f"minute_model ({minute_model.version})": float(out["prob"][i]),
            "stern (minute model card)": float(out["stern"][i]),
            "logistic (minute model card)": float(out["logistic"][i]),
        }
    return result


def evaluate_directory(
    model: StateModel,
    pbp_dir: Path,
    seasons: Sequence[int] | None,
    cache_dir: Path | None,
    wrap: Wrap = iter,
    reproduce: bool = True,
) -> dict[str, Any]:
    """Score ``model`` on ``seasons`` (default: every season) of a play-by-play directory."""
    started = time.perf_counter()
    available = sorted({s for s, _ in directory_files(pbp_dir)})
    scored = list(seasons or available)
    missing = [s for s in scored if s not in available]
    if missing:
        raise FileNotFoundError(f"no files for seasons {missing} in {pbp_dir}")
    read = sorted(set(scored) | {s - 1 for s in scored if s - 1 in available})
    table = load_tables(pbp_dir, read, cache_dir, wrap)
    probs = minute_model_probabilities(pbp_dir, scored) if reproduce else None
    report = evaluate_table(model, table, scored, probs)
    report["source"] = {
        "pbp_dir": str(pbp_dir),
        "seasons_read": read,
        "command": "python manage.py evaluate_model --pbp DIR --models state"
        + "".join(f" --season {s}" for s in scored),
    }
    report["runtime_seconds"] = round(time.perf_counter() - started, 1)
    return report
