"""Training the LSTM component with PyTorch (the optional ``[train]`` extra).

torch is imported lazily inside the functions here, so importing this module is
cheap and the web/worker never pull torch in. Training uses the training seasons
only; early stopping uses a seeded hold-out of training *games* (never 2023-24 or
2024-25), so the validation season stays clean for the ensemble and calibration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecasting.lstm import FINAL_SCALE, HALFTIME_SCALE, INPUT_SIZE, encode_patterns

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LSTMTrainingConfig:
    hidden: int = 32
    head: int = 16
    epochs: int = 200
    batch_size: int = 128
    learning_rate: float = 1e-3
    weight_decay: float = 1e-3
    patience: int = 25
    holdout_share: float = 0.15
    final_loss_weight: float = 0.5
    seed: int = 20250
    threads: int = 2

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def build_module(hidden: int, head: int) -> Any:
    """The torch module whose state dict ``NumpyLSTM`` reads."""
    import torch
    from torch import nn

    class ChangeLSTM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(INPUT_SIZE, hidden, batch_first=True)
            self.head = nn.Sequential(nn.Linear(hidden, head), nn.Tanh(), nn.Linear(head, 2))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            _, (h, _) = self.lstm(x)
            return self.head(h[-1])

    return ChangeLSTM()


def module_from_weights(weights: dict[str, np.ndarray]) -> Any:
    """A torch module carrying saved numpy weights (for checking the numpy port)."""
    import torch

    hidden = weights["lstm.weight_hh_l0"].shape[1]
    head = weights["head.0.weight"].shape[0]
    module = build_module(hidden, head)
    module.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in weights.items()})
    module.eval()
    return module


def train_lstm(
    patterns: np.ndarray,
    strength: np.ndarray,
    halftime_change: np.ndarray,
    final_change: np.ndarray,
    config: LSTMTrainingConfig,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fit on training-season games; returns float32 weights and a training log."""
    import torch

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(config.seed)

    x = torch.tensor(encode_patterns(patterns, strength), dtype=torch.float32)
    y = torch.tensor(
        np.stack([halftime_change / HALFTIME_SCALE, final_change / FINAL_SCALE], axis=1),
        dtype=torch.float32,
    )
    order = rng.permutation(len(x))
    n_hold = round(config.holdout_share * len(x))
    hold, fit = order[:n_hold], order[n_hold:]
    loss_weights = torch.tensor([1.0, config.final_loss_weight])

    module = build_module(config.hidden, config.head)
    optimiser = torch.optim.Adam(
        module.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )

    def loss_of(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return ((pred - target).abs() * loss_weights).sum(dim=1).mean()

    best = (float("inf"), 0, {k: v.detach().clone() for k, v in module.state_dict().items()})
    history: list[dict[str, float]] = []
    for epoch in range(1, config.epochs + 1):
        module.train()
        shuffled = fit[rng.permutation(len(fit))]
        total = 0.0
        for start in range(0, len(shuffled), config.batch_size):
            batch = torch.from_numpy(shuffled[start : start + config.batch_size])
            optimiser.zero_grad()
            loss = loss_of(module(x[batch]), y[batch])
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        module.eval()
        with torch.no_grad():
            hold_pred = module(x[hold])
            hold_loss = float(loss_of(hold_pred, y[hold]))
            hold_mae = float((hold_pred[:, 0] - y[hold, 0]).abs().mean()) * HALFTIME_SCALE
        history.append({"epoch": epoch, "train_loss": total / len(fit), "holdout_loss": hold_loss})
        if hold_loss < best[0] - 1e-5:
            best = (
                hold_loss,
                epoch,
                {k: v.detach().clone() for k, v in module.state_dict().items()},
            )
        if progress and (epoch == 1 or epoch % 10 == 0):
            progress(
                f"  lstm epoch {epoch:3d}: train loss {total / len(fit):.4f}, "
                f"hold-out loss {hold_loss:.4f}, hold-out halftime MAE {hold_mae:.3f}"
            )
        if epoch - best[1] >= config.patience:
            break
    weights = {k: v.numpy().astype(np.float32) for k, v in best[2].items()}
    log = {
        "best_epoch": best[1],
        "epochs_run": len(history),
        "holdout_loss": best[0],
        "fit_games": len(fit),
        "holdout_games": len(hold),
    }
    logger.info("lstm trained: %s", log)
    return weights, log
