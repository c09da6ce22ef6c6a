"""Fitting the state model (``manage.py train_state_model``) - offline only.

Data use, by season (END year), strictly: 2022 + 2023 fit every coefficient and tree;
2024 chooses (strength shrinkage, number of trees, whether the trees and the isotonic
map are shipped) and calibrates (isotonic map, conformal intervals); the test season
2025 is never read here. Rows are the states of ``pipelines.state_dataset`` (every 10 s
and every scoring play) with time left.

Graceful degradation: on a share of the training rows the play-by-play-only fields
(possession, free throws pending, team fouls) are blanked, and on a smaller share the
scoreboard's too (bonus, timeouts), so the served model has learnt what to say when
they are unknown (``MASK_PBP_SHARE``, ``MASK_ALL_SHARE``); the logistic parts read an
unknown field as 0 (no possession, no free throws), the trees route it on their own.
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.conformal import conformal_quantile, integer_scores
from forecasting.state_model import (
    FEATURES,
    LEVELS,
    QUARTERS,
    REGULATION_PERIODS,
    Isotonic,
    Linear,
    StateModel,
    TreeEnsemble,
    feature_matrix,
    quarter_of,
)
from forecasting.winprob import sigmoid
from pipelines.state_baselines import fit_baselines
from pipelines.state_dataset import (
    GRID_SECONDS,
    KIND_GRID,
    Pregame,
    StateTable,
    pregame_table,
    whole_minute_rows,
)

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]

TRAIN_SEASONS = (2022, 2023)
CALIBRATION_SEASONS = (2024,)
MASK_PBP_SHARE = 0.25  # rows trained without possession / free throws / fouls
MASK_ALL_SHARE = 0.10  # ... and without bonus / timeouts (scoreboard margin and clock only)
MASK_SEED = 18
PBP_ONLY = ("possession", "possession_z", "ft_pending", "ft_z", "fouls_home", "fouls_away")
SCOREBOARD = ("bonus_home", "bonus_away", "timeouts_home", "timeouts_away")
PSEUDO_GAMES_GRID = (5.0, 8.0, 10.0, 15.0, 20.0)
CARRY_GRID = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 1.0)
REGULATION_BASE = (
    "margin",
    "t",
    "lead_z",
    "strength_t",
    "strength_z",
    "b2b_t",
    "possession_z",
    "ft_z",
)
OVERTIME_BASE = ("lead_z", "t", "strength_z", "possession_z", "ft_z")
MARGIN_FEATURES = ("t", "margin_t", "strength_t", "b2b_t", "possession", "ft_pending")
TREE_FEATURES = (
    "margin",
    "t",
    "lead_z",
    "possession",
    "possession_z",
    "ft_pending",
    "ft_z",
    "bonus_home",
    "bonus_away",
    "fouls_home",
    "fouls_away",
    "timeouts_home",
    "timeouts_away",
    "period_seconds",
    "strength_z",
)
MONOTONE_INCREASING = ("margin", "lead_z", "strength_z")
TREE_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 5000,
    "bagging_fraction": 0.5,
    "bagging_freq": 1,
    "lambda_l2": 10.0,
    "verbose": -1,
    "num_threads": 2,
    "seed": 18,
    "deterministic": True,
    "force_row_wise": True,
}
MAX_TREES = 1500
EARLY_STOPPING = 100
ISOTONIC_SPLITS = 20


def table_columns(
    table: StateTable, pregame: Pregame, pseudo_games: float, carry: float
) -> dict[str, np.ndarray]:
    """``forecasting.state_model`` input columns for every row of ``table``."""
    rows = table.rows
    period = rows["period"].astype(float)
    left = rows["seconds_left"].astype(float)
    clock = np.where(period <= REGULATION_PERIODS, left - (REGULATION_PERIODS - period) * 720, left)
    return {
        "period": period,
        "seconds_left": clock,
        "regime_seconds_left": left,
        "margin": rows["margin"].astype(float),
        "strength": table.game_column(pregame.strength(pseudo_games, carry)),
        "possession": rows["possession"].astype(float),
        "free_throws_pending": rows["ft_pending"].astype(float),
        "fouls_home": rows["fouls_home"].astype(float),
        "fouls_away": rows["fouls_away"].astype(float),
        "bonus_home": rows["bonus_home"].astype(float),
        "bonus_away": rows["bonus_away"].astype(float),
        "timeouts_home": rows["timeouts_home"].astype(float),
        "timeouts_away": rows["timeouts_away"].astype(float),
        "home_rest_days": table.game_column(pregame.home_rest),
        "away_rest_days": table.game_column(pregame.away_rest),
    }


def masked(x: np.ndarray, seed: int = MASK_SEED) -> np.ndarray:
    """A copy of the feature matrix with the unknown-field shares blanked (NaN)."""
    out = x.copy()
    u = np.random.default_rng(seed).random(len(x))
    pbp = np.array([FEATURES.index(f) for f in PBP_ONLY])
    board = np.array([FEATURES.index(f) for f in SCOREBOARD])
    out[np.ix_(u < MASK_PBP_SHARE, pbp)] = np.nan
    out[np.ix_(u < MASK_ALL_SHARE, board)] = np.nan
    return out


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def fit_sklearn_logistic(features: tuple[str, ...], x: np.ndarray, y: np.ndarray) -> Linear:
    """scikit-learn's logistic (C=1e4, as the reference) on named features; NaN -> 0."""
    from sklearn.linear_model import LogisticRegression

    idx = [FEATURES.index(f) for f in features]
    model = LogisticRegression(C=1e4, max_iter=5000)
    model.fit(np.nan_to_num(x[:, idx]), y)
    return Linear(features, (float(model.intercept_[0]), *(float(c) for c in model.coef_[0])))


def fit_linear(features: tuple[str, ...], x: np.ndarray, target: np.ndarray) -> Linear:
    idx = [FEATURES.index(f) for f in features]
    design = np.column_stack([np.ones(len(x)), np.nan_to_num(x[:, idx])])
    beta, *_ = np.linalg.lstsq(design, target, rcond=None)
    return Linear(features, tuple(float(b) for b in beta))


def trees_from_lightgbm(dump: dict[str, Any], features: tuple[str, ...]) -> TreeEnsemble:
    """LightGBM's ``Booster.dump_model()`` as flat arrays over the full ``FEATURES``.

    A split whose ``missing_type`` is ``NaN`` sends NaN ``default_left``; with ``None``
    LightGBM reads NaN as 0, so NaN goes where 0 goes.
    """
    feature: list[int] = []
    threshold: list[float] = []
    default_left: list[bool] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    roots: list[int] = []
    depth = 0

    def add(node: dict[str, Any], level: int) -> int:
        nonlocal depth
        depth = max(depth, level)
        index = len(feature)
        feature.append(-1)
        threshold.append(0.0)
        default_left.append(True)
        left.append(index)
        right.append(index)
        value.append(float(node.get("leaf_value", 0.0)))
        if "split_feature" in node:
            if node.get("decision_type", "<=") != "<=":
                raise ValueError(f"unsupported split {node.get('decision_type')}")
            thr = float(node["threshold"])
            feature[index] = FEATURES.index(features[int(node["split_feature"])])
            threshold[index] = thr
            missing = node.get("missing_type", "None")
            default_left[index] = bool(node["default_left"]) if missing == "NaN" else thr >= 0.0
            if missing == "Zero":
                raise ValueError("zero_as_missing splits are not supported")
            left[index] = add(node["left_child"], level + 1)
            right[index] = add(node["right_child"], level + 1)
        return index

    for tree in dump["tree_info"]:
        roots.append(add(tree["tree_structure"], 0))
    return TreeEnsemble(
        feature=np.asarray(feature, np.int32),
        threshold=np.asarray(threshold, float),
        default_left=np.asarray(default_left, bool),
        left=np.asarray(left, np.int32),
        right=np.asarray(right, np.int32),
        value=np.asarray(value, float),
        roots=np.asarray(roots, np.int32),
        max_depth=depth,
    )


def fit_trees(
    x_train: np.ndarray,
    y_train: np.ndarray,
    base_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    base_val: np.ndarray,
) -> tuple[TreeEnsemble, int]:
    """LightGBM boosted from the base logit; the number of trees by early stopping on
    the calibration season (log loss)."""
    import lightgbm as lgb

    idx = [FEATURES.index(f) for f in TREE_FEATURES]
    params = dict(TREE_PARAMS)
    params["monotone_constraints"] = [1 if f in MONOTONE_INCREASING else 0 for f in TREE_FEATURES]
    train = lgb.Dataset(x_train[:, idx], y_train, init_score=base_train)
    val = lgb.Dataset(x_val[:, idx], y_val, init_score=base_val, reference=train)
    booster = lgb.train(
        params,
        train,
        num_boost_round=MAX_TREES,
        valid_sets=[val],
        callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)],
    )
    best = int(booster.best_iteration)
    dump = booster.dump_model(num_iteration=best)
    return trees_from_lightgbm(dump, TREE_FEATURES), best


def fit_isotonic(p: np.ndarray, y: np.ndarray) -> Isotonic:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(p, y)
    return Isotonic(
        tuple(float(v) for v in iso.X_thresholds_), tuple(float(v) for v in iso.y_thresholds_)
    )


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, b) of P = sigmoid(a + b z): a one-feature logistic on the logit (the identity
    (0, 1) when ``y`` has one class: nothing to calibrate against)."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:
        return 0.0, 1.0
    model = LogisticRegression(C=1e4, max_iter=1000).fit(z[:, None], y)
    return float(model.intercept_[0]), float(model.coef_[0][0])


def calibration_halves(
    z: np.ndarray, y: np.ndarray, game: np.ndarray, splits: int = ISOTONIC_SPLITS, seed: int = 0
) -> dict[str, Any]:
    """Which calibration helps? Each map (none, Platt, isotonic) is fitted on a random
    half of the calibration games and scored on the other half; mean Brier over
    ``splits`` random halvings."""
    rng = np.random.default_rng(seed)
    scores: dict[str, list[float]] = {"none": [], "platt": [], "isotonic": []}
    p = sigmoid(z)
    for _ in range(splits):
        fold = (rng.permutation(int(game.max()) + 1) % 2)[game]
        platt_out, iso_out = np.empty(len(z)), np.empty(len(z))
        for f in (0, 1):
            fit, test = fold != f, fold == f
            a, b = fit_platt(z[fit], y[fit])
            platt_out[test] = sigmoid(a + b * z[test])
            iso_out[test] = fit_isotonic(p[fit], y[fit])(p[test])
        scores["none"].append(brier(p, y))
        scores["platt"].append(brier(platt_out, y))
        scores["isotonic"].append(brier(iso_out, y))
    return {"brier": {k: float(np.mean(v)) for k, v in scores.items()}, "splits": splits}


def choose_strength(
    games_pregame: Pregame, final: np.ndarray, train: np.ndarray, val: np.ndarray
) -> tuple[float, float, list[dict[str, float]]]:
    """(pseudo_games, carry) with the lowest pre-game squared error of the final margin on
    the calibration season (a line in the strength fitted on the training seasons)."""
    table = []
    for k in PSEUDO_GAMES_GRID:
        for carry in CARRY_GRID:
            s = games_pregame.strength(k, carry)
            design = np.column_stack([np.ones(len(s)), s])
            beta, *_ = np.linalg.lstsq(design[train], final[train], rcond=None)
            mse = float(np.mean((design[val] @ beta - final[val]) ** 2))
            table.append({"pseudo_games": k, "carry": carry, "val_pregame_mse": mse})
    best = min(table, key=lambda r: r["val_pregame_mse"])
    return float(best["pseudo_games"]), float(best["carry"]), table


def calibrate_intervals(
    period: np.ndarray, left: np.ndarray, final: np.ndarray, point: np.ndarray
) -> dict[str, list[float]]:
    """Per-quarter split-conformal factor of sqrt(t + 1) (t minutes) on integer scores."""
    scores = integer_scores(final, point) / np.sqrt(left / 60.0 + 1.0)
    q = quarter_of(period)
    out: dict[str, list[float]] = {}
    for level in LEVELS:
        pooled = conformal_quantile(scores, float(level))
        per = []
        for b in range(len(QUARTERS)):
            value = conformal_quantile(scores[q == b], float(level))
            per.append(pooled if not np.isfinite(value) else value)
        out[level] = per
    return out


@dataclass(frozen=True)
class Split:
    table: StateTable
    pregame: Pregame


def split_seasons(table: StateTable, pregame: Pregame, seasons: tuple[int, ...]) -> Split:
    """The games of ``seasons`` (re-indexed) and their rows."""
    import dataclasses

    keep = np.array([g.season in seasons for g in table.games])
    idx = np.flatnonzero(keep)
    remap = np.full(len(table.games), -1, dtype=np.int64)
    remap[idx] = np.arange(len(idx))
    rows = table.take(keep[table.game])
    games = [table.games[i] for i in idx]
    sub = StateTable(games, remap[rows.game].astype(np.int32), rows.kind, rows.rows)
    pre = Pregame(**{f.name: getattr(pregame, f.name)[idx] for f in dataclasses.fields(pregame)})
    return Split(sub, pre)


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip()


def train_state_model(
    table: StateTable,
    provenance: dict[str, Any],
    out_root: Path,
    version_prefix: str = "state1",
    progress: Progress = logger.info,
) -> tuple[StateModel, Path]:
    """Fit, choose and calibrate; write ``out_root/<version>/`` (card + trees)."""
    started = dt.datetime.now(dt.UTC)
    seasons = {g.season for g in table.games}
    if not set(TRAIN_SEASONS + CALIBRATION_SEASONS) <= seasons:
        raise ValueError(f"need seasons {TRAIN_SEASONS + CALIBRATION_SEASONS}, have {seasons}")
    used = split_seasons(table, pregame_table(table.games), TRAIN_SEASONS + CALIBRATION_SEASONS)
    all_table, all_pre = used.table, used.pregame
    final_games = np.array([g.final_margin for g in all_table.games], dtype=float)
    game_season = np.array([g.season for g in all_table.games])
    k, carry, strength_table = choose_strength(
        all_pre,
        final_games,
        np.isin(game_season, TRAIN_SEASONS),
        np.isin(game_season, CALIBRATION_SEASONS),
    )
    progress(f"strength: {k:g} pseudo-games at {carry:g} x last season (chosen on 2023-24)")
    train = split_seasons(all_table, all_pre, TRAIN_SEASONS)
    val = split_seasons(all_table, all_pre, CALIBRATION_SEASONS)
    data: dict[str, dict[str, Any]] = {}
    for name, part in (("train", train), ("val", val)):
        cols = table_columns(part.table, part.pregame, k, carry)
        live = cols["regime_seconds_left"] > 0
        data[name] = {
            "x": feature_matrix(cols),
            "y": part.table.home_win,
            "live": live,
            "regulation": live & (cols["period"] <= REGULATION_PERIODS),
            "overtime": live & (cols["period"] > REGULATION_PERIODS),
            "grid": live & ((part.table.kind & KIND_GRID) > 0),
            "cols": cols,
            "final": part.table.final,
            "game": part.table.game,
        }
    tr, va = data["train"], data["val"]
    x_train = masked(tr["x"])
    progress(
        f"{len(train.table.games)} training games ({int(tr['live'].sum())} states), "
        f"{len(val.table.games)} calibration games ({int(va['live'].sum())} states)"
    )
    reg_t, reg_v = tr["regulation"], va["regulation"]
    regulation = fit_sklearn_logistic(REGULATION_BASE, x_train[reg_t], tr["y"][reg_t])
    base_t = regulation(x_train[reg_t])
    base_v = regulation(va["x"][reg_v])
    progress(f"  regulation logistic {regulation.as_dict()}")
    trees, n_trees = fit_trees(
        x_train[reg_t], tr["y"][reg_t], base_t, va["x"][reg_v], va["y"][reg_v], base_v
    )
    p_base = sigmoid(base_v)
    p_trees = sigmoid(base_v + trees(va["x"][reg_v]))
    grid_reg = va["grid"][reg_v]
    yv = va["y"][reg_v]
    choice = {
        "logistic_only_grid_brier": brier(p_base[grid_reg], yv[grid_reg]),
        "with_trees_grid_brier": brier(p_trees[grid_reg], yv[grid_reg]),
        "trees": n_trees,
    }
    use_trees = choice["with_trees_grid_brier"] < choice["logistic_only_grid_brier"]
    if not use_trees:
        trees = TreeEnsemble.empty()
    progress(f"  trees ({n_trees} by early stopping): {choice}; shipped: {use_trees}")
    z_reg = base_v + trees(va["x"][reg_v])
    calibration_check = calibration_halves(
        z_reg[grid_reg], yv[grid_reg], va["game"][reg_v][grid_reg]
    )
    calibration = min(calibration_check["brier"], key=calibration_check["brier"].get)
    platt, isotonic = (0.0, 1.0), Isotonic()
    if calibration == "platt":
        platt = fit_platt(z_reg, yv)
    elif calibration == "isotonic":
        isotonic = fit_isotonic(sigmoid(z_reg), yv)
    p_reg = isotonic(sigmoid(platt[0] + platt[1] * z_reg))
    progress(f"  calibration on 2023-24 halves: {calibration_check}; shipped: {calibration}")

    ot_t, ot_v = tr["overtime"], va["overtime"]
    overtime = fit_sklearn_logistic(OVERTIME_BASE, x_train[ot_t], tr["y"][ot_t])
    z_ot_t = regulation(x_train[ot_t]) + trees(x_train[ot_t])
    z_ot_v = regulation(va["x"][ot_v]) + trees(va["x"][ot_v])
    recalibrated = fit_platt(z_ot_t, tr["y"][ot_t])
    y_ot = va["y"][ot_v]
    ot_compare: dict[str, Any] = {
        "overtime_rows": int(ot_v.sum()),
        "overtime_games": len(np.unique(va["game"][ot_v])),
        "brier": {
            "own_logistic": brier(sigmoid(overtime(va["x"][ot_v])), y_ot),
            "regulation_logit_recalibrated": brier(
                sigmoid(recalibrated[0] + recalibrated[1] * z_ot_v), y_ot
            ),
        },
    }
    ot_mode = min(ot_compare["brier"], key=ot_compare["brier"].get)
    on_regulation = recalibrated if ot_mode == "regulation_logit_recalibrated" else None
    progress(
        f"  overtime: own logistic {overtime.as_dict()}, regulation recalibrated "
        f"{recalibrated}: {ot_compare}; shipped: {ot_mode}"
    )

    live_t = tr["live"]
    margin_change = fit_linear(
        MARGIN_FEATURES,
        x_train[live_t],
        tr["final"][live_t] - tr["cols"]["margin"][live_t],
    )
    live_v = va["live"]
    point_v = va["cols"]["margin"][live_v] + margin_change(va["x"][live_v])
    half_widths = calibrate_intervals(
        va["cols"]["period"][live_v],
        va["cols"]["regime_seconds_left"][live_v],
        va["final"][live_v],
        point_v,
    )
    progress(f"  final margin {margin_change.as_dict()}; interval factors {half_widths}")

    made = sum(g.free_throws_made for g in train.table.games)
    attempted = sum(g.free_throws_attempted for g in train.table.games)
    if not attempted:
        raise ValueError("no free throws in the training games")
    baselines = fit_baselines(train.table, train.pregame)
    progress(f"  baselines (training seasons): {baselines.as_dict()}")
    digest = provenance.get("digest", "nodigest")
    version = f"{version_prefix}-{digest}"
    card: dict[str, Any] = {
        "schema": 1,
        "model": "state",
        "trained_at": started.isoformat(timespec="seconds"),
        "training_seconds": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "code_commit": git_commit(),
        "environment": {"python": platform.python_version(), **_library_versions()},
        "data": {
            **provenance,
            "train_seasons": list(TRAIN_SEASONS),
            "calibration_seasons": list(CALIBRATION_SEASONS),
            "train_games": len(train.table.games),
            "calibration_games": len(val.table.games),
            "train_states": int(tr["live"].sum()),
            "calibration_states": int(va["live"].sum()),
            "sampling": (
                f"every {GRID_SECONDS} s of game clock and at every scoring play, "
                "while time is left (pipelines.state_dataset)"
            ),
            "test_season_used_for_fitting": False,
            "first_season_strength_prior": (
                "2021-22 has no previous season on disk: its prior is neutral (0)"
            ),
        },
        "masking": {
            "pbp_only_fields_blank_share": MASK_PBP_SHARE,
            "all_optional_fields_blank_share": MASK_ALL_SHARE,
            "pbp_only": list(PBP_ONLY),
            "scoreboard": list(SCOREBOARD),
            "seed": MASK_SEED,
        },
        "selection": {
            "strength": strength_table,
            "trees": {**choice, "shipped": use_trees, "params": TREE_PARAMS},
            "calibration": {**calibration_check, "shipped": calibration},
            "overtime": {**ot_compare, "shipped": ot_mode},
        },
        "baselines": baselines.as_dict(),
        "validation_minutes_1_47_brier_calibrated_in_sample": _minutes_brier(val, p_reg, reg_v),
    }
    model = StateModel(
        version=version,
        regulation=regulation,
        trees=trees,
        platt=platt,
        isotonic=isotonic,
        overtime=overtime,
        overtime_on_regulation=on_regulation,
        margin_change=margin_change,
        half_widths=half_widths,
        strength_params={"pseudo_games": k, "carry": carry},
        free_throw_rate=made / attempted,
        card=card,
    )
    directory = out_root / version
    model.save(directory)
    progress(f"wrote {directory}")
    return StateModel.load(directory), directory


def _minutes_brier(val: Split, p_reg: np.ndarray, reg_v: np.ndarray) -> float:
    """Mean Brier over minutes 1-47 on the calibration season (calibrated in sample)."""
    minutes = whole_minute_rows(val.table)[reg_v]
    y = val.table.home_win[reg_v]
    return brier(p_reg[minutes], y[minutes])


def _library_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("numpy", "scikit-learn", "lightgbm")}
