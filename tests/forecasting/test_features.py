import numpy as np

from forecasting.features import STRENGTH_PRIOR_GAMES, strength_difference, win_share


def test_record_shrinkage_pulls_early_season_toward_500() -> None:
    assert win_share(0, 0) == 0.5
    early, late = win_share(1, 0), win_share(41, 0)
    assert 0.5 < early < 0.6  # 1-0 is not a perfect team
    assert late > 0.75
    k = STRENGTH_PRIOR_GAMES
    np.testing.assert_allclose(win_share(3, 1), (3 + k / 2) / (4 + k))
    assert abs(strength_difference(1, 0, 0, 1)) < abs(strength_difference(20, 0, 0, 20))
    assert strength_difference(10, 5, 5, 10) == -strength_difference(5, 10, 10, 5)
