import numpy as np

from forecasting.winprob import Logistic, brier, log_loss


def test_logistic_calibration_recovers_a_known_curve() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(0, 10, size=20000)
    p = 1 / (1 + np.exp(-(0.3 + 0.15 * x)))
    y = (rng.random(20000) < p).astype(float)
    model = Logistic.fit(x, y, scale=10.0)
    assert abs(model.coef[0] - 0.3) < 0.06 and abs(model.coef[1] - 1.5) < 0.1
    assert Logistic.from_dict(model.as_dict()) == model


def test_brier_and_log_loss_of_a_perfect_and_a_coin_forecast() -> None:
    y = np.array([1.0, 0.0, 1.0, 0.0])
    assert brier(y, y) == 0.0
    assert brier(np.full(4, 0.5), y) == 0.25
    assert abs(log_loss(np.full(4, 0.5), y) - np.log(2)) < 1e-12
