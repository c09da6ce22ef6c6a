import numpy as np

from predictions.conformal import MondrianConformal, conformal_quantile, round_outward


def test_conformal_interval_rounds_outward() -> None:
    assert round_outward(-3.2, 4.1) == (-4, 5)
    model = MondrianConformal(levels=(0.9,), n_bins=1, half_widths={"0.900": [2.5]})
    lo, hi = model.intervals(np.array([0.3]), None, 0.9)
    assert (lo[0], hi[0]) == (-3, 3)  # [-2.2, 2.8] rounded outward


def test_conformal_quantile_uses_the_finite_sample_rank() -> None:
    scores = np.arange(1, 20, dtype=float)  # n = 19: rank ceil(20 * 0.9) = 18
    assert conformal_quantile(scores, 0.9) == 18.0
    assert conformal_quantile(np.arange(5.0), 0.95) == np.inf


def test_conformal_integer_intervals_cover_at_the_nominal_rate() -> None:
    rng = np.random.default_rng(1)
    points = rng.normal(0, 5, size=6000)
    outcomes = np.round(points + rng.normal(0, 6, size=6000))
    model = MondrianConformal.calibrate(outcomes[:3000], points[:3000], None, (0.9, 0.95), 1)
    for level in (0.9, 0.95):
        lo, hi = model.intervals(points[3000:], None, level)
        coverage = np.mean((outcomes[3000:] >= lo) & (outcomes[3000:] <= hi))
        assert abs(coverage - level) < 0.02


def test_mondrian_calibration_gives_each_lead_bin_its_own_width() -> None:
    rng = np.random.default_rng(2)
    bins = np.repeat([0, 1], 2000)
    noise = np.where(bins == 0, 3.0, 9.0)
    points = np.zeros(4000)
    outcomes = np.round(rng.normal(0, noise))
    model = MondrianConformal.calibrate(outcomes, points, bins, (0.9,), 2)
    narrow, wide = model.half_widths["0.900"]
    assert wide > 2 * narrow
    restored = MondrianConformal.from_dict(model.as_dict())
    assert restored.half_widths == model.half_widths
