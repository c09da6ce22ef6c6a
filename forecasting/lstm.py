"""The LSTM component served with numpy only (no torch at serving time).

The network reads the 18-minute pattern and predicts the *change* from minute 18
to halftime and to the final. Weights are trained by ``pipelines.lstm_training``
(torch, an optional extra) and saved as a ``.npz`` whose names follow PyTorch's
``nn.LSTM``/``nn.Linear`` state dict; ``NumpyLSTM.forward`` reproduces the
PyTorch forward pass (gate order i, f, g, o).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from forecasting.winprob import sigmoid

INPUT_SIZE = 4  # per minute: differential/10, its one-minute change/5, minute/18, strength
HALFTIME_SCALE = 5.0  # outputs are changes divided by these scales
FINAL_SCALE = 12.0


def encode_patterns(patterns: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """(n, 18) differentials and (n,) team strength -> (n, 18, INPUT_SIZE) inputs.

    ``strength`` is the home-minus-away shrunk winning share
    (``forecasting.features.strength_difference``), repeated at every minute.
    """
    x = np.asarray(patterns, dtype=np.float64).reshape(len(patterns), -1)
    steps = x.shape[1]
    step_change = np.diff(x, axis=1, prepend=0.0)
    minute = np.broadcast_to(np.arange(1, steps + 1) / steps, x.shape)
    team = np.broadcast_to(np.asarray(strength, dtype=np.float64).reshape(-1, 1) * 4.0, x.shape)
    return np.stack([x / 10.0, step_change / 5.0, minute, team], axis=2)


class NumpyLSTM:
    """A one-layer LSTM and a small dense head, as trained in torch."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.w = {name: np.asarray(value, dtype=np.float64) for name, value in weights.items()}
        self.hidden = self.w["lstm.weight_hh_l0"].shape[1]

    @classmethod
    def load(cls, path: Path) -> NumpyLSTM:
        with np.load(path) as data:
            return cls({name: data[name] for name in data.files})

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        """(n, steps, INPUT_SIZE) -> (n, 2) scaled outputs (halftime, final change)."""
        w = self.w
        n, steps, _ = inputs.shape
        h = np.zeros((n, self.hidden))
        c = np.zeros((n, self.hidden))
        w_ih, w_hh = w["lstm.weight_ih_l0"].T, w["lstm.weight_hh_l0"].T
        bias = w["lstm.bias_ih_l0"] + w["lstm.bias_hh_l0"]
        x_proj = inputs @ w_ih + bias  # (n, steps, 4h)
        hs = self.hidden
        for t in range(steps):
            gates = x_proj[:, t] + h @ w_hh
            i = sigmoid(gates[:, :hs])
            f = sigmoid(gates[:, hs : 2 * hs])
            g = np.tanh(gates[:, 2 * hs : 3 * hs])
            o = sigmoid(gates[:, 3 * hs :])
            c = f * c + i * g
            h = o * np.tanh(c)
        z = np.tanh(h @ w["head.0.weight"].T + w["head.0.bias"])
        return z @ w["head.2.weight"].T + w["head.2.bias"]

    def predict_changes(
        self, patterns: np.ndarray, strength: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Halftime and final change in points."""
        out = self.forward(encode_patterns(patterns, strength))
        return out[:, 0] * HALFTIME_SCALE, out[:, 1] * FINAL_SCALE
