import json
from pathlib import Path

import numpy as np
import pytest

from forecasting.ensemble import EnsembleForecaster
from forecasting.history_table import read_history
from predictions import registry
from predictions.registry import GameContext, served_directory

PATTERN = [0, 2, 3, 5, 4, 6, 8, 7, 9, 10, 8, 9, 11, 12, 10, 9, 11, 12]


@pytest.fixture(scope="module")
def forecaster() -> EnsembleForecaster:
    directory = served_directory("ensemble")
    return EnsembleForecaster.load(directory)


def test_forecast_carries_every_output(forecaster: EnsembleForecaster) -> None:
    f = forecaster.forecast(PATTERN, GameContext(20, 10, 12, 18))
    assert f.halftime_lo95 is not None and f.halftime_hi95 is not None
    assert f.final_point is not None and f.final_lo90 is not None and f.final_hi90 is not None
    assert f.home_win_probability is not None
    assert f.model_name == "ensemble" and f.model_version == forecaster.version
    assert (
        f.halftime_lo95 <= f.halftime_lo90 <= f.halftime_point <= f.halftime_hi90 <= f.halftime_hi95
    )
    assert set(f.components) >= {"dejavu", "lstm", "ensemble"}
    assert f.components["ensemble"] == f.halftime_point
    assert f.final_lo90 <= f.final_point <= f.final_hi90
    assert 0.5 < f.home_win_probability < 1.0  # up 12 at home against a weaker team
    assert len(f.neighbours) == 5


def test_neighbours_come_from_the_historical_table(forecaster: EnsembleForecaster) -> None:
    from django.conf import settings

    rows = {r.game_id: r for r in read_history(Path(settings.HISTORY_FILE), (2022, 2023))}
    f = forecaster.forecast(PATTERN, GameContext())
    for n in f.neighbours:
        row = rows[n["game_id"]]
        assert (n["date"], n["home"], n["away"]) == (row.date, row.home, row.away)
        assert n["minute18"] == row.minutes[17] and n["halftime"] == row.halftime_diff


def test_single_forecast_equals_the_batch_used_for_evaluation(
    forecaster: EnsembleForecaster,
) -> None:
    batch = forecaster.predict_batch(np.array([PATTERN], dtype=float), np.array([0.0]))
    f = forecaster.forecast(PATTERN, GameContext())
    assert f.halftime_point == round(float(batch["halftime"][0]), 3)
    assert (f.halftime_lo90, f.halftime_hi90) == (batch["lo90"][0], batch["hi90"][0])


def test_home_advantage_and_strength_move_the_forecast(forecaster: EnsembleForecaster) -> None:
    strong = forecaster.forecast(PATTERN, GameContext(30, 5, 5, 30))
    weak = forecaster.forecast(PATTERN, GameContext(5, 30, 30, 5))
    assert strong.final_point is not None and weak.final_point is not None
    assert strong.home_win_probability is not None and weak.home_win_probability is not None
    assert strong.final_point > weak.final_point
    assert strong.home_win_probability > weak.home_win_probability


def test_shipped_artifact_is_small_and_has_a_model_card() -> None:
    directory = served_directory("ensemble")
    assert sum(p.stat().st_size for p in directory.iterdir()) < 3 * 1024 * 1024
    card = json.loads((directory / "model.json").read_text())
    assert card["data"]["test_season_used_for_fitting"] is False
    assert card["data"]["train_seasons"] == [2022, 2023]
    assert card["data"]["validation_seasons"] == [2024]
    assert card["validation_metrics"]["halftime_mae"]["B0"] > 0


def test_load_forecaster_serves_the_shipped_ensemble() -> None:
    registry.load_forecaster.cache_clear()
    try:
        assert registry.load_forecaster().name == "ensemble"
    finally:
        registry.load_forecaster.cache_clear()


def test_load_forecaster_falls_back_to_the_baseline_without_artifact(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(registry.load_served, "__defaults__", (tmp_path,))
    registry.load_forecaster.cache_clear()
    try:
        assert registry.load_forecaster().name == "baseline-drift"
    finally:
        registry.load_forecaster.cache_clear()
