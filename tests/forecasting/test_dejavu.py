import numpy as np

from forecasting.dejavu import DejavuConfig, DejavuIndex


def _library() -> DejavuIndex:
    flat = np.zeros(18)
    rising = np.arange(18, dtype=float)
    falling = -np.arange(18, dtype=float)
    library = np.stack([flat, rising, falling, rising + 20])
    return DejavuIndex(
        DejavuConfig(k=1, metric="l1", mode="absolute"),
        library,
        halftime_change=np.array([0.0, 3.0, -3.0, 5.0]),
        final_change=np.array([1.0, 10.0, -10.0, 12.0]),
    )


def test_dejavu_picks_the_nearest_shapes() -> None:
    index = _library()
    query = np.arange(18, dtype=float) + 0.4  # closest to "rising"
    assert index.neighbours(query[None, :], k=2)[0].tolist() == [1, 0]


def test_dejavu_relative_shape_ignores_the_level() -> None:
    index = _library().with_config(DejavuConfig(k=2, metric="l2", mode="relative"))
    query = np.arange(18, dtype=float) + 50.0
    # Both rising patterns have the same shape relative to minute 18.
    assert sorted(index.neighbours(query[None, :])[0].tolist()) == [1, 3]


def test_dejavu_forecast_is_the_median_of_the_neighbours_change() -> None:
    index = _library().with_config(DejavuConfig(k=3, metric="l1", mode="absolute"))
    half, final, idx = index.predict_changes(np.zeros((1, 18)))
    assert sorted(idx[0].tolist()) == [0, 1, 2]
    assert half[0] == 0.0 and final[0] == 1.0


def test_dejavu_leave_one_out_skips_the_game_itself() -> None:
    index = _library()
    idx = index.neighbours(index.library[:1], k=1, exclude=np.array([0]))
    assert idx[0, 0] != 0


def test_dejavu_l1_and_l2_distances_agree_with_numpy() -> None:
    rng = np.random.default_rng(0)
    library = rng.integers(-20, 20, size=(50, 18)).astype(float)
    query = rng.integers(-20, 20, size=(3, 18)).astype(float)
    for metric, ord_ in (("l1", 1), ("l2", 2)):
        index = DejavuIndex(
            DejavuConfig(metric=metric, mode="absolute"), library, np.zeros(50), np.zeros(50)
        )
        expected = np.linalg.norm(query[:, None, :] - library[None, :, :], ord=ord_, axis=2)
        np.testing.assert_allclose(index.distances(query), expected, atol=1e-9)


def test_tied_neighbours_come_in_library_order_on_every_machine() -> None:
    """Integer minutes tie often under L1: the k chosen among equal distances, and their
    order, are the library's (argpartition left them to the CPU's SIMD sort)."""
    rng = np.random.default_rng(7)
    base = rng.integers(-5, 5, size=18).astype(float)
    library = np.stack([base + (i % 3) for i in range(300)])  # 100 copies of 3 shapes
    index = DejavuIndex(
        DejavuConfig(k=50, metric="l1", mode="absolute"), library, np.zeros(300), np.zeros(300)
    )
    idx = index.neighbours(base[None, :])[0]
    assert idx.tolist() == list(range(0, 150, 3))  # every exact copy, in order
    far = index.neighbours((base + 1.5)[None, :], k=120)[0]  # ties between shapes 1 and 2
    dist = index.distances((base + 1.5)[None, :])[0][far]
    assert (np.diff(dist) >= 0).all()
    for value in np.unique(dist):
        tied = far[dist == value]
        assert tied.tolist() == sorted(tied.tolist())
