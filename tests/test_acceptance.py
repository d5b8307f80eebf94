"""The acceptance rule (circuitc.lowering.acceptance): tails fitted on per-sample extremes
predict what fresh samples do, and the verdict says how confident it is."""

import numpy as np
import pytest

from circuitc.evaluate import LevelStats
from circuitc.lowering import acceptance as acc
from circuitc.lowering import plan


def test_exponential_tail_is_recovered_and_predicts_fresh_samples():
    rng = np.random.default_rng(0)
    values = rng.exponential(0.03, 200_000)
    fit = acc.fit_upper(values[:20_000], z=0.0)
    assert fit.beta == pytest.approx(0.03, rel=0.1)  # the memoryless tail: scale of the data
    fresh = values[20_000:]
    for x in (0.15, 0.25, 0.35):
        predicted = float(fit.above(x)) * len(fresh)
        observed = int(np.sum(fresh > x))
        assert predicted == pytest.approx(observed, rel=0.35, abs=3)


def test_a_gaussian_tail_is_overestimated_never_under():
    rng = np.random.default_rng(1)
    values = rng.normal(0.0, 1.0, 400_000)
    fit = acc.fit_upper(values[:10_000])
    fresh = values[10_000:]
    for x in (3.0, 3.5, 4.0):
        assert float(fit.above(x)) >= np.mean(fresh > x)


def test_read_offs_without_spread_have_no_risk_and_a_centred_threshold():
    false = np.zeros(5000)  # exact read-offs: 0 and 1 on every sample
    true = np.ones(5000)
    verdict = acc.judge(false, true, draws=10_000)
    assert verdict["ok"] and verdict["risk"] == 0.0 and verdict["wrong_samples"] == 0
    assert verdict["threshold"] == pytest.approx(0.5, abs=0.01)


def test_overlapping_extremes_are_rejected_with_their_errors():
    rng = np.random.default_rng(2)
    false = rng.normal(0.3, 0.1, 3000)
    true = rng.normal(0.7, 0.1, 3000)
    verdict = acc.judge(false, true, draws=3000, threshold=0.5)
    assert not verdict["ok"] and verdict["wrong_samples"] > 0 and verdict["risk"] == 1.0


def test_risk_grows_with_the_draws_and_shrinks_with_the_gap():
    rng = np.random.default_rng(3)
    false = rng.exponential(0.02, 10_000)
    true = 1.0 - rng.exponential(0.02, 10_000)
    near = [acc.judge(false, true, draws=n)["risk"] for n in (1000, 10_000, 100_000)]
    assert near[0] < near[1] < near[2]
    wider = acc.judge(false - 0.1, true + 0.1, draws=10_000)["risk"]
    assert wider < near[1]
    # samples without a true output (+inf) or a false one (-inf) count as no risk on that side
    true[::2] = np.inf
    assert acc.judge(false, true, draws=10_000)["samples"] == 10_000


def test_level_stats_keep_each_samples_worst_read_offs_across_column_blocks():
    import scipy.sparse as sp

    rng = np.random.default_rng(4)
    y = rng.random((6, 10)).astype(np.float32)
    truth = rng.random((6, 10)) < 0.2
    stats = LevelStats(8)
    for lo, hi in ((0, 4), (4, 10)):  # two column blocks of samples 2..7
        stats.add(y[:, lo:hi].copy(), sp.csr_array(truth[:, lo:hi]), start=2)
    want_false = np.where(truth, -np.inf, y).max(axis=1)
    want_true = np.where(truth, y, np.inf).min(axis=1)
    assert np.array_equal(stats.worst_false[2:], want_false.astype(np.float32))
    assert np.array_equal(stats.worst_true[2:], want_true.astype(np.float32))
    assert np.all(np.isneginf(stats.worst_false[:2]))
    assert stats.result()["margin"] == pytest.approx(want_true.min() - want_false.max())


def test_the_fresh_check_draws_more_samples_than_eval():
    assert plan.holdout_size(10_000) > 10_000
    assert plan.holdout_size(1000) == round(plan.HOLDOUT_FACTOR * 1000)


def test_the_middle_threshold_halves_the_measured_gap_whatever_the_tails():
    """acceptance.middle_threshold (clamped read-offs, which move in host steps): the middle of
    (max false, min true), however skewed the tails that best_threshold would fit; as
    best_threshold when a side is missing."""
    rng = np.random.default_rng(0)
    false = np.concatenate([rng.exponential(0.01, 5000), [0.41]])  # a light tail, one far point
    true = 1 - rng.exponential(0.1, 5000)
    true = np.maximum(true, 0.75)
    assert acc.middle_threshold(false, true) == pytest.approx((0.41 + 0.75) / 2)
    assert acc.best_threshold(false, true) != pytest.approx((0.41 + 0.75) / 2)
    nothing = np.full(10, -np.inf)
    assert acc.middle_threshold(nothing, true) == acc.best_threshold(nothing, true)
