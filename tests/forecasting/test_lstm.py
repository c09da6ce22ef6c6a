import subprocess
import sys

import numpy as np
import pytest

from forecasting.lstm import NumpyLSTM, encode_patterns
from predictions.registry import served_directory


def _shipped_weights() -> dict[str, np.ndarray]:
    directory = served_directory("ensemble")
    with np.load(directory / "lstm.npz") as data:
        return {name: data[name] for name in data.files}


def test_served_lstm_matches_torch_within_1e_5() -> None:
    torch = pytest.importorskip("torch", reason="torch not installed (the optional [train] extra)")
    from pipelines.lstm_training import module_from_weights

    weights = _shipped_weights()
    rng = np.random.default_rng(4)
    patterns = np.cumsum(rng.integers(-3, 4, size=(64, 18)), axis=1).astype(float)
    strength = rng.uniform(-0.4, 0.4, size=64)
    inputs = encode_patterns(patterns, strength)
    with torch.no_grad():
        expected = module_from_weights(weights)(torch.tensor(inputs, dtype=torch.float32)).numpy()
    served = NumpyLSTM(weights).forward(inputs)
    np.testing.assert_allclose(served, expected, rtol=0, atol=1e-5)


def test_lstm_inputs_carry_the_pattern_and_team_strength() -> None:
    x = encode_patterns(np.arange(18.0)[None, :], np.array([0.25]))
    assert x.shape == (1, 18, 4)
    assert x[0, -1, 0] == pytest.approx(1.7) and x[0, 3, 1] == pytest.approx(0.2)
    assert np.all(x[0, :, 3] == 1.0)


def test_serving_never_imports_torch() -> None:
    code = (
        "import sys, django; django.setup();"
        "from predictions.registry import load_forecaster, GameContext;"
        "f = load_forecaster(); f.forecast(list(range(18)), GameContext(3, 1, 1, 3));"
        "print(f.name); assert 'torch' not in sys.modules, 'torch imported'"
    )
    env = {"DJANGO_SETTINGS_MODULE": "livescores.settings"}
    import os

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "ensemble"
