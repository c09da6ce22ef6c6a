from __future__ import annotations

import numpy as np
import pytest

from forecasting.state_model import Isotonic, Linear, StateModel, TreeEnsemble


def one_tree() -> TreeEnsemble:
    """A synthetic stump: +0.3 to the logit when home has the ball, -0.3 when away has
    it, 0 when possession is unknown (NaN goes left, to the 0 leaf)."""
    from forecasting.state_model import FEATURES

    poss = FEATURES.index("possession")
    return TreeEnsemble(
        feature=np.array([poss, poss, -1, -1, -1], np.int32),
        threshold=np.array([0.0, -0.5, 0.0, 0.0, 0.0]),
        default_left=np.array([True, False, True, True, True]),
        left=np.array([1, 3, 2, 3, 4], np.int32),
        right=np.array([2, 4, 2, 3, 4], np.int32),
        value=np.array([0.0, 0.0, 0.3, -0.3, 0.0]),
        roots=np.array([0], np.int32),
        max_depth=2,
    )


@pytest.fixture
def model() -> StateModel:
    """A hand-made model (synthetic coefficients, not fitted): enough to test the rules."""
    return StateModel(
        version="synthetic",
        regulation=Linear(("lead_z", "strength_z", "possession_z"), (0.1, 0.8, 1.0, 0.4)),
        trees=one_tree(),
        platt=(0.0, 1.0),
        isotonic=Isotonic(),
        overtime=Linear(("lead_z", "possession_z"), (0.05, 0.9, 0.5)),
        overtime_on_regulation=None,
        margin_change=Linear(("t", "possession"), (0.1, 1.0, 0.5)),
        half_widths={"0.900": [3.0] * 5, "0.950": [4.0] * 5},
        strength_params={"pseudo_games": 10.0, "carry": 0.8},
        free_throw_rate=0.8,
        card={"schema": 1, "model": "state", "note": "synthetic test model"},
    )
