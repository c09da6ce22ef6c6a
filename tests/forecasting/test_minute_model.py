"""The shipped per-minute model: loads without torch, behaves sensibly at every minute."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from datetime import date

import numpy as np
import pytest

from forecasting.minute_model import (
    MinuteModel,
    MinuteState,
    TeamStrength,
    minutes_left,
    quarter_index,
    shrunk_strength,
    team_strength_from_results,
)
from predictions.registry import load_minute_model

EVEN = TeamStrength(games=0, win_pct=0.5, avg_margin=0.0)
STRONG = TeamStrength(games=30, win_pct=0.7, avg_margin=6.0)
WEAK = TeamStrength(games=30, win_pct=0.3, avg_margin=-6.0)
FORECAST_MINUTES = [*range(1, 48), 49, 50, 51, 52, 54, 57]


@pytest.fixture(scope="module")
def model() -> MinuteModel:
    return load_minute_model()


def _state(minute: int, margin: int, home: TeamStrength = EVEN, away: TeamStrength = EVEN):
    series = tuple(round(margin * (i + 1) / minute) for i in range(minute))
    return MinuteState(minute=minute, series=series, home=home, away=away)


def test_model_loads_and_forecasts_without_torch_or_pandas() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from forecasting.minute_model import MinuteModel, MinuteState, TeamStrength\n"
        "root = Path('predictions/artifacts')\n"
        "model = MinuteModel.load(root / (root / 'MINUTE_LATEST').read_text().strip())\n"
        "s = TeamStrength(3, 0.5, 1.0)\n"
        "f = model.forecast(MinuteState(30, tuple(range(30)), s, s))\n"
        "assert 0 < f.home_win_prob < 1\n"
        "bad = [m for m in ('torch', 'pandas', 'django') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("minute", [1, 12, 24, 36, 44, 47, 50])
def test_win_probability_and_final_margin_grow_with_the_margin(
    model: MinuteModel, minute: int
) -> None:
    forecasts = [model.forecast(_state(minute, margin)) for margin in range(-20, 21, 2)]
    probs = [f.home_win_prob for f in forecasts]
    finals = [f.final_margin for f in forecasts]
    assert all(b >= a for a, b in itertools.pairwise(probs)), probs
    assert probs[-1] > probs[0]
    assert all(b > a for a, b in itertools.pairwise(finals)), finals


def test_probabilities_stay_inside_zero_and_one_and_intervals_nest(model: MinuteModel) -> None:
    for minute in FORECAST_MINUTES:
        for margin in (-40, -7, 0, 3, 40):
            for home, away in ((EVEN, EVEN), (STRONG, WEAK), (WEAK, STRONG)):
                f = model.forecast(_state(minute, margin, home, away))
                assert 0.0 < f.home_win_prob < 1.0
                lo90, hi90 = f.interval90
                lo95, hi95 = f.interval95
                assert lo95 <= lo90 <= f.final_margin <= hi90 <= hi95
                assert lo90 == int(lo90) and hi95 == int(hi95)  # integer outcomes


def test_intervals_narrow_as_the_game_runs_out(model: MinuteModel) -> None:
    widths = [np.subtract(*model.forecast(_state(m, 0)).interval90[::-1]) for m in (1, 24, 47)]
    assert widths[0] > widths[1] > widths[2]


def test_the_stronger_team_is_favoured_at_a_tie(model: MinuteModel) -> None:
    at_home = model.forecast(_state(10, 0, STRONG, WEAK)).home_win_prob
    away = model.forecast(_state(10, 0, WEAK, STRONG)).home_win_prob
    assert at_home > 0.5 > away


def test_a_tie_with_no_time_left_goes_to_overtime(model: MinuteModel) -> None:
    for minute in (48, 53, 58):
        f = model.forecast(_state(minute, 0))
        assert f.home_win_prob == pytest.approx(model.tie_home_win_rate, abs=1e-4)
        assert f.final_margin == pytest.approx(model.tie_margin[0], abs=0.01)
        assert f.interval95[0] < 0 < f.interval95[1]  # the final margin includes overtime
    decided = model.forecast(_state(48, 3))
    assert decided.home_win_prob > 0.999 and decided.interval90 == (3.0, 3.0)
    assert model.forecast(_state(48, -1)).home_win_prob < 0.001


def test_minutes_left_counts_to_the_end_of_the_current_period() -> None:
    minutes = np.array([1, 47, 48, 49, 52, 53, 54, 58])
    assert minutes_left(minutes).tolist() == [47, 1, 0, 4, 1, 0, 4, 0]
    assert quarter_index(np.array([1, 12, 13, 36, 37, 47, 49])).tolist() == [0, 0, 1, 2, 3, 3, 4]


def test_strength_with_no_games_is_even_and_shrinks_toward_it() -> None:
    none = team_strength_from_results([], before=date(2024, 11, 1))
    assert none == TeamStrength(games=0, win_pct=0.5, avg_margin=0.0)
    share, margin = shrunk_strength(np.array([0, 2, 80]), np.array([0.5, 1.0, 1.0]),
                                    np.array([0.0, 10.0, 10.0]), 10.0)  # fmt: skip
    assert share[0] == 0.5 and margin[0] == 0.0
    assert 0.5 < share[1] < share[2] < 1.0 and 0.0 < margin[1] < margin[2] < 10.0
    zero_prior = shrunk_strength(np.array([0]), np.array([0.5]), np.array([0.0]), 0.0)
    assert zero_prior[0][0] == 0.5 and zero_prior[1][0] == 0.0


def test_strength_counts_only_games_before_the_date() -> None:
    results = [(date(2024, 10, 22), 10), (date(2024, 10, 24), -4), (date(2024, 10, 26), 30)]
    s = team_strength_from_results(results, before=date(2024, 10, 26))
    assert s == TeamStrength(games=2, win_pct=0.5, avg_margin=3.0)


def test_one_game_forecast_equals_the_batch_path_used_for_scoring(model: MinuteModel) -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        minute = int(rng.choice([*range(1, 48), 49, 52, 54, 57]))
        series = tuple(int(x) for x in np.cumsum(rng.integers(-3, 4, size=minute)))
        teams = [
            TeamStrength(int(rng.integers(0, 60)), float(rng.random()), float(rng.normal(0, 6)))
            for _ in range(2)
        ]
        state = MinuteState(minute, series, teams[0], teams[1])
        assert model.forecast(state) == model._forecast_arrays(state, float(series[-1]))
