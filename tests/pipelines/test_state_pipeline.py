"""Training, trees, evaluation and the possession check, end to end on tiny data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from forecasting.state_model import FEATURES, GameState, StateModel
from pipelines.possession_check import LiveGame, agreement, live_actions
from pipelines.state_artifacts import provenance
from pipelines.state_dataset import load_tables
from pipelines.state_evaluation import (
    evaluate_directory,
    paired,
    per_game_weighted,
    reliability_with_ci,
)
from pipelines.state_report import render
from pipelines.state_training import TREE_FEATURES, train_state_model, trees_from_lightgbm
from support.live_pbp import GAMES, home_away, raw_actions


def test_lightgbm_trees_are_served_exactly_as_numpy_arrays() -> None:
    """Synthetic data with missing values: the array trees equal LightGBM's raw score."""
    import lightgbm as lgb

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, len(TREE_FEATURES)))
    x[rng.random(x.shape) < 0.2] = np.nan
    y = np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 3]) + rng.normal(size=4000) > 0
    params = {"objective": "binary", "num_leaves": 15, "min_data_in_leaf": 20, "verbose": -1}
    booster = lgb.train(params, lgb.Dataset(x, y.astype(float)), num_boost_round=30)
    trees = trees_from_lightgbm(booster.dump_model(), TREE_FEATURES)
    full = np.full((len(x), len(FEATURES)), np.nan)
    full[:, [FEATURES.index(f) for f in TREE_FEATURES]] = x
    expected = booster.predict(x, raw_score=True)
    np.testing.assert_allclose(trees(full), expected, atol=1e-9)
    assert len(trees.roots) == 30


def test_possession_check_on_the_live_fixtures() -> None:
    games = []
    for game_id in GAMES:
        raw = raw_actions(game_id)
        (home_id, _), (away_id, _) = home_away(raw)
        games.append(LiveGame(game_id, live_actions(raw, {"teamId": home_id}, {"teamId": away_id})))
    result = agreement(games)
    assert result["games"] == 3
    for view in ("live_instants", "archive_instants", "grid"):
        assert result[view]["agreement"] >= 0.99, (view, result[view])
    assert result["archive_actions"]["agreement"] < result["archive_instants"]["agreement"]


def test_per_game_weights_keep_the_row_mean() -> None:
    values = np.array([1.0, 2.0, 3.0, 10.0])
    game = np.array([0, 0, 0, 1])
    assert per_game_weighted(values, game).mean() == pytest.approx(values.mean())
    ci = paired(values, game)
    assert ci["estimate"] == pytest.approx(values.mean())


def test_reliability_bins_have_counts_and_intervals() -> None:
    rng = np.random.default_rng(1)
    p = rng.random(2000)
    y = (rng.random(2000) < p).astype(float)
    table = reliability_with_ci(p, y, np.arange(2000) // 20)
    assert sum(b["n"] for b in table["bins"]) == 2000
    for b in table["bins"]:
        lo, hi = b["gap_ci95_pp"]
        assert lo <= b["gap_pp"] <= hi


@pytest.fixture(scope="module")
def trained(four_seasons: Path, tmp_path_factory: pytest.TempPathFactory) -> StateModel:
    cache = tmp_path_factory.mktemp("cache")
    table = load_tables(four_seasons, [2022, 2023, 2024], cache)
    out = tmp_path_factory.mktemp("artifacts")
    model, directory = train_state_model(
        table, provenance(four_seasons, [2022, 2023, 2024]), out, progress=lambda _: None
    )
    assert directory.parent == out
    return model


def test_training_writes_a_card_with_its_provenance(trained: StateModel) -> None:
    card = trained.card
    assert card["data"]["test_season_used_for_fitting"] is False
    assert card["data"]["train_seasons"] == [2022, 2023]
    assert card["data"]["source_commit"] and card["data"]["files"] == 3 * 5
    assert card["trained_at"].startswith("20")
    assert 0.6 < trained.free_throw_rate < 0.95
    assert {"stern", "logistic", "net_rating_logistic"} <= set(card["baselines"])
    forecast = trained.forecast(GameState(period=4, seconds_left=30.0, margin=2, possession=1))
    assert 0 < forecast.home_win_prob < 1  # six training games: no quality to expect


def test_the_harness_on_a_tiny_directory(trained: StateModel, four_seasons: Path) -> None:
    report = evaluate_directory(trained, four_seasons, [2025], None, reproduce=False)
    assert report["games"] == 3 and report["overtime_games"] == 2
    assert report["previous_season_on_disk"] is True
    minutes = report["protocols"]["minutes_1_47"]
    assert minutes["rows"] == 3 * 47
    for section in report["protocols"].values():
        assert set(section["brier"]) == {"model", "stern", "logistic", "net_rating_logistic"}
        for ci in section["versus"].values():
            assert ci["ci95_low"] <= ci["estimate"] <= ci["ci95_high"]
    last = report["protocols"]["last_3_minutes"]
    assert last["rows"] == 3 * 18 + 2 * 30  # 3:00 of regulation, 5:00 of overtime, every 10 s
    assert set(report["reliability"]["by_quarter"]) == {"Q1", "Q2", "Q3", "Q4", "OT"}
    assert report["final_margin"]["OT"]["n"] == 2 * 30
    assert set(report["targets"]) == {
        "minutes_1_47_brier_le_0.1525",
        "minutes_1_47_ci_vs_net_rating_logistic_below_0",
        "last_3_minutes_brier_le_0.85_stern",
        "reliability_bins_500_plus_within_3pp",
    }
    json.dumps(report)  # plain JSON
    text = render(report, trained.card)
    assert "## Brier score" in text and "net-rating logistic" in text


def test_the_harness_refuses_a_season_it_does_not_have(trained: StateModel, pbp_dir: Path) -> None:
    with pytest.raises(FileNotFoundError):
        evaluate_directory(trained, pbp_dir, [2019], None, reproduce=False)
