import numpy as np

from forecasting.conformal import MondrianConformal, conformal_quantile, round_outward


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


def test_normalized_conformal_covers_on_held_out_half() -> None:
    from forecasting.conformal import NormalizedConformal, ScaleModel, integer_scores

    rng = np.random.default_rng(3)
    d18 = rng.integers(-25, 26, size=8000).astype(float)
    spread = 3.0 + 0.3 * np.abs(d18)  # wider when the lead is large
    points = d18 + rng.normal(0, 1, size=8000)
    outcomes = np.round(points + rng.normal(0, spread))
    fit, cal, test = slice(0, 3000), slice(3000, 5500), slice(5500, 8000)
    scale = ScaleModel.fit(d18[fit], integer_scores(outcomes[fit], points[fit]))
    assert scale.predict(np.array([20.0]))[0] > 2 * scale.predict(np.array([0.0]))[0]
    model = NormalizedConformal.calibrate(outcomes[cal], points[cal], d18[cal], scale, (0.9,))
    lo, hi = model.intervals(points[test], d18[test], 0.9)
    hit = (outcomes[test] >= lo) & (outcomes[test] <= hi)
    small, large = np.abs(d18[test]) <= 5, np.abs(d18[test]) > 15
    assert abs(hit.mean() - 0.9) < 0.02
    assert abs(hit[small].mean() - 0.9) < 0.035 and abs(hit[large].mean() - 0.9) < 0.035
    restored = NormalizedConformal.from_dict(model.as_dict())
    assert restored.factors == model.factors and restored.scale == model.scale


def test_pooled_is_normalized_with_a_flat_scale() -> None:
    from forecasting.conformal import NormalizedConformal, ScaleModel, conformal_from_dict

    rng = np.random.default_rng(5)
    points = rng.normal(0, 5, size=500)
    outcomes = np.round(points + rng.normal(0, 6, size=500))
    d18 = rng.integers(-20, 21, size=500)
    pooled = NormalizedConformal.calibrate(outcomes, points, d18, ScaleModel(), (0.9,))
    mondrian = MondrianConformal.calibrate(outcomes, points, None, (0.9,), 1)
    assert pooled.factors["0.900"] == mondrian.pooled["0.900"]
    assert isinstance(conformal_from_dict(mondrian.as_dict()), MondrianConformal)
    assert isinstance(conformal_from_dict(pooled.as_dict()), NormalizedConformal)


def test_split_half_study_finds_mondrian_noisier_when_spread_is_flat() -> None:
    from forecasting.conformal import ScaleModel, split_half_study, study_score

    rng = np.random.default_rng(6)
    d18 = rng.integers(-20, 21, size=900).astype(float)
    bins = np.digitize(np.abs(d18), [5.5, 12.5])
    points = rng.normal(0, 3, size=900)
    outcomes = np.round(points + rng.normal(0, 6, size=900))
    study = split_half_study(outcomes, points, d18, bins, 3, ScaleModel(), (0.9,), 100, 0)
    assert set(study) == {"pooled", "normalized", "mondrian"}
    assert study_score(study["pooled"]) < study_score(study["mondrian"])
