"""forecasting.state_model: the served state model (numpy / pure Python)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from forecasting.state_model import (
    FEATURES,
    GameState,
    StateModel,
    feature_matrix,
    pregame_strength,
    state_columns,
)

ROOT = Path(__file__).resolve().parents[2]


def test_features_of_a_state() -> None:
    state = GameState(period=3, seconds_left=300.0, margin=6, strength=2.0, possession=1)
    assert state.regime_seconds_left == 720 + 300
    x = feature_matrix(state_columns([state]))[0]
    t = 17.0
    assert x[FEATURES.index("t")] == pytest.approx(t)
    assert x[FEATURES.index("lead_z")] == pytest.approx(6 / math.sqrt(t + 0.5))
    assert x[FEATURES.index("strength_t")] == pytest.approx(2.0 * t / 48)
    assert x[FEATURES.index("possession_z")] == pytest.approx(1 / math.sqrt(t + 0.5))
    assert math.isnan(x[FEATURES.index("fouls_home")])  # unknown stays unknown


def test_a_decided_game_is_certain(model: StateModel) -> None:
    won = model.forecast(GameState(period=4, seconds_left=0.0, margin=3))
    lost = model.forecast(GameState(period=6, seconds_left=0.0, margin=-1))
    assert (won.home_win_prob, won.final_margin, won.interval90) == (1 - 1e-4, 3.0, (3.0, 3.0))
    assert lost.home_win_prob == 1e-4 and lost.regime == "decided"


def test_a_tie_at_the_buzzer_goes_to_the_overtime_prior(model: StateModel) -> None:
    tie = model.forecast(GameState(period=4, seconds_left=0.0, margin=0, strength=3.0))
    start = model.forecast(GameState(period=5, seconds_left=300.0, margin=0, strength=3.0))
    assert tie.regime == "tie -> overtime"
    assert tie.home_win_prob == start.home_win_prob
    assert tie.final_margin == start.final_margin
    assert 0.5 < tie.home_win_prob < 0.6  # home court and strength, not a coin: made-up weights


def test_free_throws_at_zero_are_played_out(model: StateModel) -> None:
    """Down 1, two free throws to come at 0:00 (rate 0.8 in the synthetic model)."""
    state = GameState(period=4, seconds_left=0.0, margin=-1, free_throws_pending=2)
    tie = model.forecast(GameState(period=4, seconds_left=0.0, margin=0)).home_win_prob
    out = model.forecast(state)
    expected = 0.8**2 * 1.0 + 2 * 0.8 * 0.2 * tie
    assert out.home_win_prob == pytest.approx(expected, abs=1e-4)
    assert out.final_margin == pytest.approx(-1 + 2 * 0.8)
    assert out.interval95 == (-1.0, 1.0)


def test_overtime_is_its_own_regime(model: StateModel) -> None:
    state = GameState(period=5, seconds_left=120.0, margin=2)
    z = 0.05 + 0.9 * 2 / math.sqrt(2.0 + 0.5)
    assert model.forecast(state).home_win_prob == pytest.approx(1 / (1 + math.exp(-z)), abs=1e-4)
    assert model.forecast(state).regime == "overtime"


def test_unknown_fields_give_a_forecast_of_their_own(model: StateModel) -> None:
    known = GameState(period=4, seconds_left=40.0, margin=1, possession=-1)
    bare = GameState(period=4, seconds_left=40.0, margin=1)
    p_known, p_bare = model.forecast(known).home_win_prob, model.forecast(bare).home_win_prob
    assert 0 < p_known < p_bare < 1
    home_ball = model.forecast(GameState(period=4, seconds_left=40.0, margin=1, possession=1))
    assert home_ball.home_win_prob > p_bare


def test_batch_and_single_paths_agree(model: StateModel) -> None:
    states = [
        GameState(period=p, seconds_left=s, margin=m, possession=pos, strength=1.5)
        for p, s, m, pos in [(1, 600, 2, 1), (4, 12.3, -3, None), (5, 0.0, 0, None), (4, 0, 5, -1)]
    ]
    batch = model.predict_columns(state_columns(states))
    for i, state in enumerate(states):
        single = model.forecast(state)
        assert single.home_win_prob == pytest.approx(batch["prob"][i], abs=1e-4)
        assert single.interval90 == (batch["lo90"][i], batch["hi90"][i])


def test_intervals_are_rounded_outward_and_narrow_with_time(model: StateModel) -> None:
    early = model.forecast(GameState(period=1, seconds_left=700.0, margin=0))
    late = model.forecast(GameState(period=4, seconds_left=60.0, margin=0))
    for f in (early, late):
        assert f.interval90[0] == math.floor(f.interval90[0])
        assert f.interval95[0] <= f.interval90[0] <= f.final_margin <= f.interval90[1]
    assert late.interval90[1] - late.interval90[0] < early.interval90[1] - early.interval90[0]


def test_pregame_strength_regresses_last_season() -> None:
    assert pregame_strength(0.0, 0, 10.0, pseudo_games=10, carry=0.5) == 5.0
    assert pregame_strength(40.0, 10, None, pseudo_games=10, carry=0.5) == 2.0


def test_save_and_load_round_trip(model: StateModel, tmp_path: Path) -> None:
    model.save(tmp_path / "m")
    card = json.loads((tmp_path / "m" / "state_model.json").read_text())
    assert card["features"] == list(FEATURES) and card["note"] == "synthetic test model"
    loaded = StateModel.load(tmp_path / "m")
    states = [GameState(period=2, seconds_left=100.0, margin=-4, possession=1, strength=-2.0)]
    a = model.predict_columns(state_columns(states))
    b = loaded.predict_columns(state_columns(states))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    first = (tmp_path / "m" / "state_trees.npz").read_bytes()
    loaded.save(tmp_path / "m")
    assert (tmp_path / "m" / "state_trees.npz").read_bytes() == first  # reproducible bytes


def test_an_artifact_of_other_features_is_refused(model: StateModel, tmp_path: Path) -> None:
    model.save(tmp_path / "m")
    path = tmp_path / "m" / "state_model.json"
    card = json.loads(path.read_text())
    card["features"] = card["features"][:-1]
    path.write_text(json.dumps(card))
    with pytest.raises(ValueError, match="features"):
        StateModel.load(tmp_path / "m")


SERVE = """
import sys
from pathlib import Path
from forecasting.state_model import GameState, StateModel
model = StateModel.load(Path(sys.argv[1]))
f = model.forecast(GameState(period=4, seconds_left=35.5, margin=-2, possession=1))
assert 0 < f.home_win_prob < 1, f
names = ("sklearn", "pandas", "torch", "lightgbm", "django", "scipy")
heavy = [m for m in names if m in sys.modules]
print(",".join(heavy) or "clean")
"""


def _serve(directory: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-c", SERVE, str(directory)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return out.stdout.strip()


def test_serving_imports_no_heavy_library(model: StateModel, tmp_path: Path) -> None:
    model.save(tmp_path / "m")
    assert _serve(tmp_path / "m") == "clean"


def test_the_shipped_artifact_serves_without_heavy_libraries() -> None:
    pointer = ROOT / "predictions" / "artifacts" / "STATE_LATEST"
    if not pointer.is_file():
        pytest.skip("no shipped state model (predictions/artifacts/STATE_LATEST)")
    assert _serve(pointer.parent / pointer.read_text().strip()) == "clean"
