"""pair_risk: the exact expected bit errors of a U-AND layer of pairs against every input.

At small sizes every exactly-s input is enumerated and run through the layer: the counts of
outputs decoded wrong with one or two of their wires on must equal the formula's, and with none
on must not exceed its bound."""

import itertools
import math

import numpy as np
import pytest

from circuitc.lowering.pair_risk import pair_risk
from circuitc.lowering.uand import build_uand


def _layer(m, d, c, seed=0, s=3):
    pairs = list(itertools.combinations(range(m), 2))
    return build_uand(pairs, m, d, c=c, seed=seed, s=s, mode="universal"), np.array(pairs)


def _enumerated(layer, pairs, m, s, theta, eps):
    """Wrong outputs per input by class (none, one, both on), over every exactly-s input."""
    counts = np.zeros(3)
    subsets = list(itertools.combinations(range(m), s))
    x = np.zeros((len(subsets), m), np.float32)
    for row, on in enumerate(subsets):
        x[row, list(on)] = 1
    y = layer.forward(x).astype(np.float64)
    on_count = x[:, pairs[:, 0]] + x[:, pairs[:, 1]]
    for j in range(3):
        cls = on_count == j
        wrong = (y < theta + eps) if j == 2 else (y > theta - eps)
        counts[j] = (wrong & cls).sum()
    return counts / len(subsets)


@pytest.mark.parametrize("m,d,c,s,seed", [(14, 40, 6, 3, 0), (16, 30, 8, 3, 1), (13, 24, 5, 2, 2),
                                          (12, 20, 4, 1, 3)])
def test_counts_match_every_input(m, d, c, s, seed):
    layer, pairs = _layer(m, d, c, seed, s)
    risk = pair_risk(layer.W, layer.b, layer.A, layer.a0, pairs, m, s)
    assert risk is not None
    lo, hi = float(layer.a0.min()), float((risk.w * risk.c + layer.a0).max())
    for theta in np.linspace(lo - 0.1, hi + 0.1, 23):
        for eps in (0.0, 0.05):
            got = np.array(risk.errors_by_class(theta, eps))
            want = _enumerated(layer, pairs, m, s, theta, eps)
            # one or two on: exact (up to float rounding at a read-off equal to theta - eps)
            assert got[1:] == pytest.approx(want[1:], abs=2.0 / math.comb(m, s))
            assert got[0] >= want[0] - 1e-9  # none on: an upper bound
    # the bound is not vacuous: somewhere errors happen and are counted, somewhere none
    assert risk.errors(lo - 0.1) > 1 and risk.errors(*risk.best_threshold()[:1]) < risk.errors(lo)


def test_a_mixture_of_counts_is_the_weighted_sum():
    # atmost(3): 0..3 wires on, each count equally likely, then a uniform subset of that size
    m = 13
    layer, pairs = _layer(m, 30, 6, 5, 3)
    on = {j: 0.25 for j in range(4)}
    risk = pair_risk(layer.W, layer.b, layer.A, layer.a0, pairs, m, on)
    for theta in np.linspace(-0.3, 1.3, 17):
        got = np.array(risk.errors_by_class(theta, 0.02))
        want = sum(0.25 * _enumerated(layer, pairs, m, j, theta, 0.02) for j in range(1, 4))
        want[0] += 0.25 * np.sum(layer.a0 > theta - 0.02)  # nothing on: every read-off is a0
        assert got[1:] == pytest.approx(want[1:], abs=1e-9)
        assert got[0] >= want[0] - 1e-9


def test_none_on_bound_holds_for_two_on():
    # s = 2, none on: the read-off is |H n S_k1 n S_k2| w + a0 <= min(g) w + a0; the bound counts
    # the pairs whose smaller g is above t: check it never undercounts on many thresholds
    layer, pairs = _layer(15, 36, 6, 4, 2)
    risk = pair_risk(layer.W, layer.b, layer.A, layer.a0, pairs, 15, 2)
    for theta in np.linspace(-0.5, 1.5, 41):
        assert risk.errors_by_class(theta)[0] >= _enumerated(layer, pairs, 15, 2, theta, 0)[0] - 1e-9


def test_not_of_the_form():
    layer, pairs = _layer(12, 30, 6)
    assert pair_risk(layer.W, layer.b, layer.A, layer.a0, pairs, 12, 4) is None  # s > 3
    assert pair_risk(layer.W, layer.b, layer.A, layer.a0, pairs, 12, {2: .5, 4: .5}) is None
    assert pair_risk(layer.W, layer.b + 0.5, layer.A, layer.a0, pairs, 12, 3) is None  # bias
    W = layer.W.copy()
    W.data = W.data * 2
    assert pair_risk(W, layer.b, layer.A, layer.a0, pairs, 12, 3) is None  # weights
    A = layer.A.tocsc().copy()
    A.data[0] *= 2  # one host weighted differently
    assert pair_risk(layer.W, layer.b, A, layer.a0, pairs, 12, 3) is None
    swapped = pairs.copy()
    swapped[0] = swapped[1]  # the read-off of pair 0 is not hosted by its wires
    assert pair_risk(layer.W, layer.b, layer.A, layer.a0, swapped, 12, 3) is None


@pytest.mark.parametrize("m,d,c,seed", [(40, 24, 6, 0), (60, 64, 16, 1), (60, 400, 44, 2)])
def test_hopeless_is_never_said_of_a_layer_the_full_count_would_pass(m, d, c, seed):
    """hopeless(floor) claims more than `floor` expected errors at every threshold: never false
    against the full count's errors at a fine grid of thresholds (and at its best one), and
    said of the narrow layers, whose full count is far above the floor."""
    from circuitc.lowering.pair_risk import hopeless

    layer, pairs = _layer(m, d, c, seed)
    full = pair_risk(layer.W, layer.b, layer.A, layer.a0, pairs, m, 3)
    eps = 0.025
    lowest = min([full.errors(float(t), eps) for t in np.linspace(-3, 4, 701)] +
                 [full.best_threshold(eps)[1]])
    for floor in (1e-4, 1e-2, 1.0, lowest / 2, lowest, 2 * lowest):
        said = hopeless(layer.W, layer.b, layer.A, layer.a0, pairs, m, 3, eps, floor)
        assert not said or lowest > floor, (floor, lowest)
    if d <= 64:
        assert hopeless(layer.W, layer.b, layer.A, layer.a0, pairs, m, 3, eps, 1e-4)
