"""LevelStats: the running read-off statistics eval and the planner rely on."""

import numpy as np
import pytest

from circuitc.evaluate import LevelStats


@pytest.mark.parametrize("shape, density, strided", [((300, 500), 0.01, False),
                                                     ((40, 60), 0.5, True), ((5, 4), 0.0, False),
                                                     ((5, 4), 1.0, False)])
def test_batches_give_the_naive_statistics_and_leave_the_input_alone(shape, density, strided):
    rng = np.random.default_rng(1)
    stats, readoffs, stores = LevelStats(), [], []
    for _ in range(3):
        big = (rng.random((shape[0], 2 * shape[1])) * 1.4 - 0.2).astype(np.float32)
        readoff = big[:, ::2] if strided else np.ascontiguousarray(big[:, : shape[1]])
        stored = rng.random(shape) < density
        before = readoff.copy()
        stats.add(readoff, stored)
        assert np.array_equal(readoff, before)
        readoffs.append(before)
        stores.append(stored)
    r, s = np.concatenate(readoffs), np.concatenate(stores)
    error = r.astype(np.float64) - s
    result = stats.result()
    assert result["mean_error"] == pytest.approx(error.mean(), abs=1e-6)
    assert result["max_abs_error"] == pytest.approx(np.abs(error).max())
    assert stats.min_true == (r[s].min() if s.any() else np.inf)
    assert stats.max_false == (r[~s].max() if (~s).any() else -np.inf)
    if s.any() and (~s).any():
        assert result["margin"] == pytest.approx(r[s].min() - r[~s].max())
    else:
        assert result["margin"] is None
