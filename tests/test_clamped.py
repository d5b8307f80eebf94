"""The clamped targeted construction: unit decomposition, exactness, clamping, spurious rates."""


import numpy as np
import pytest
import scipy.sparse as sp

from circuitc.lowering.clamped import (AND, ANDNOT, OR, Unit, build_clamped, decompose,
                                       measured_spurious, placement, predicted_errors,
                                       predicted_spurious)
from circuitc.lowering.construction import LevelSpec
from circuitc.simulate import all_inputs

# gate name -> polynomial over (a, b): {monomial: coefficient}, constant
GATES = {
    "and": ({(0, 1): 1}, 0), "or": ({(0,): 1, (1,): 1, (0, 1): -1}, 0),
    "xor": ({(0,): 1, (1,): 1, (0, 1): -2}, 0), "a&~b": ({(0,): 1, (0, 1): -1}, 0),
    "b&~a": ({(1,): 1, (0, 1): -1}, 0), "nand": ({(0, 1): -1}, 1),
    "nor": ({(0,): -1, (1,): -1, (0, 1): 1}, 1), "buf": ({(0,): 1}, 0),
    "odd": ({(0,): 2, (1,): 1, (0, 1): -3}, 0),  # not a 2-unit combination: falls back to 3
}
FEWEST = {"and": 1, "or": 1, "xor": 2, "a&~b": 2, "b&~a": 2, "nand": 1, "nor": 1, "buf": 1,
          "odd": 3}


def spec_of(gates, n_wires, level=1):
    """A LevelSpec from [(operand wires, {local monomial: coef}, const)]."""
    monos = sorted({tuple(w[i] for i in m) for w, poly, _ in gates for m in poly},
                   key=lambda m: (len(m), m))
    col = {m: i for i, m in enumerate(monos)}
    rows, cols, vals = [], [], []
    for g, (w, poly, _) in enumerate(gates):
        for m, v in poly.items():
            rows.append(col[tuple(w[i] for i in m)])
            cols.append(g)
            vals.append(v)
    P = sp.csr_array((np.array(vals, np.float32), (rows, cols)), shape=(len(monos), len(gates)))
    p0 = np.array([c for _, _, c in gates], np.float32)
    return LevelSpec(level, n_wires, monos, P, p0)


def truth(spec, w):
    vals = np.stack([w[:, list(m)].prod(1) for m in spec.monomials], axis=1)
    return vals @ spec.P.toarray() + spec.p0


def unit_values(units, w):
    def value(u):
        x = w[:, list(u.wires)] > 0.5
        return x.all(1) if u.kind == AND else x[:, 0] & ~x[:, 1] if u.kind == ANDNOT else x.any(1)

    return np.stack([value(u) for u in units], axis=1).astype(np.float32)


def forward(layer, w):
    pre = np.asarray(w @ layer.W.toarray()) + layer.b
    return np.maximum(pre, 0) @ layer.R.toarray() + layer.r


def random_spec(seed, n_wires=14, n_gates=24):
    rng = np.random.default_rng(seed)
    gates = []
    for _ in range(n_gates):
        name = list(GATES)[rng.integers(len(GATES))]
        a, b = rng.choice(n_wires, 2, replace=False)
        poly, const = GATES[name]
        gates.append(((int(a), int(b)), poly, const))
    a, b, c = rng.choice(n_wires, 3, replace=False)  # a degree-3 gate: the monomial fallback
    gates.append(((int(a), int(b), int(c)), {(0, 1, 2): 1, (0,): 1}, 0))
    return spec_of(gates, n_wires)


@pytest.mark.parametrize("name", sorted(GATES))
def test_each_gate_decomposes_into_fewest_units_exactly(name):
    poly, const = GATES[name]
    spec = spec_of([((0, 1), poly, const)], 2)
    units, C, k = decompose(spec)
    assert len(units) == FEWEST[name]
    w = all_inputs(2).astype(np.float32)
    assert np.array_equal(unit_values(units, w) @ C.toarray() + k, truth(spec, w))


def test_units_are_shared_between_gates():
    a_not_b, b_not_a = GATES["a&~b"], GATES["b&~a"]
    spec = spec_of([((0, 1), *a_not_b), ((0, 1), *b_not_a), ((0, 1), *GATES["xor"])], 2)
    units, _, _ = decompose(spec)
    assert len(units) == 4  # buf a, and, buf b (or or), + or for xor; never 6
    assert Unit(AND, (0, 1)) in units


def test_exact_when_no_pair_is_shared_and_clamps_noise():
    spec = random_spec(0)
    units, _, _ = decompose(spec)
    c, h = 3, 0.1
    layer = build_clamped(spec, 2 * c * len(units), c=c, h=h, seed=1)
    pl = placement(spec, 2 * c * len(units), c, 1)
    assert np.bincount(pl.hj).max() == 1  # every pair hosts one unit
    w = all_inputs(spec.n_wires).astype(np.float32)
    want = truth(spec, w)
    assert np.allclose(forward(layer, w), want, atol=1e-5)
    # noise below (1/2 - h) / (wires a pair reads) on every wire is removed exactly
    reads = int(pl.Wcount.sum(axis=0).max())
    rng = np.random.default_rng(2)
    noise = rng.uniform(-1, 1, w.shape).astype(np.float32) * 0.99 * (0.5 - h) / reads
    assert np.allclose(forward(layer, w + noise), want, atol=1e-5)
    # ... and noise beyond the margin is not (the test can fail)
    assert not np.allclose(forward(layer, w + 0.6), want, atol=1e-3)


def test_shared_layer_spurious_rates_match_prediction():
    rng = np.random.default_rng(3)
    n_wires = 400
    gates = [((int(a), int(b)), *GATES[list(GATES)[rng.integers(5)]])
             for a, b in (rng.choice(n_wires, 2, replace=False) for _ in range(600))]
    spec = spec_of(gates, n_wires)
    pl = placement(spec, 1200, 6, seed=4)  # ~ 600 pairs for ~ 900 units x 6: heavy sharing
    alpha = np.full(n_wires, 0.01)
    x = rng.random((20000, n_wires)) < alpha
    q_pred = predicted_spurious(pl.units, pl.hu, pl.hj, pl.Wcount, pl.thr, alpha)
    q_meas = measured_spurious(pl.units, pl.hu, pl.hj, pl.Wcount, pl.thr, x)
    for kind in (OR, AND):
        sel = np.array([pl.units[t].kind == kind for t in pl.hu])
        p, m = q_pred[sel].mean(), q_meas[sel].mean()
        assert p > 0 and abs(p - m) < 0.1 * p + 2e-4, (kind, p, m)
    assert np.corrcoef(q_pred, q_meas)[0, 1] > 0.8
    # AND hosts need two coincidences: far rarer than OR hosts
    assert q_pred[[pl.units[t].kind == AND for t in pl.hu]].mean() < \
        0.2 * q_pred[[pl.units[t].kind == OR for t in pl.hu]].mean()


def test_error_per_input_class_matches_prediction():
    """Mean signed error of the gates whose operands are none / some / all on, against section 5
    of the docstring, on a heavily shared layer (so the errors are far from zero)."""
    spec = random_spec(8, n_wires=300, n_gates=400)
    alpha = np.full(spec.n_wires, 0.02)
    layer = build_clamped(spec, 800, c=6, seed=9, activity=alpha)
    pred = predicted_errors(spec, 800, alpha, c=6, seed=9, activity=alpha)
    rng = np.random.default_rng(10)
    w = (rng.random((30000, spec.n_wires)) < alpha).astype(np.float32)
    err = forward(layer, w) - truth(spec, w)
    P = sp.csc_array(spec.P)
    two = [g for g in range(spec.n_gates)
           if len({i for m in P.indices[P.indptr[g]:P.indptr[g + 1]] for i in spec.monomials[m]}) == 2]
    ops = np.array([sorted({i for m in P.indices[P.indptr[g]:P.indptr[g + 1]]
                            for i in spec.monomials[m]}) for g in two])
    state = 2 * w[:, ops[:, 0]].astype(int) + w[:, ops[:, 1]].astype(int)  # [n, gates]
    on = w[:, ops[:, 0]] + w[:, ops[:, 1]]
    p = pred[two][np.arange(len(two))[None, :], state]
    means = {}
    for k in (0, 1, 2):
        sel = on == k
        e, q = err[:, two][sel], p[sel]
        se = e.std() / np.sqrt(sel.sum()) + 1e-4
        assert abs(e.mean() - q.mean()) < 5 * se, (k, e.mean(), q.mean(), se)
        means[k] = q.mean()
    # the classes really differ (so the test can fail): one on is one collision from an AND
    # firing, none on two; both on, every unit is on and reads exactly 1
    assert means[1] < means[0] - 0.05
    assert np.all(pred[two][:, 3] == 0.0)


def test_debiased_readoff_is_unbiased_and_decodes_on_sparse_inputs():
    spec = random_spec(5, n_wires=300, n_gates=300)
    rng = np.random.default_rng(6)
    calib = rng.random((4000, spec.n_wires)) < 0.01
    test = (rng.random((4000, spec.n_wires)) < 0.01).astype(np.float32)
    plain = build_clamped(spec, 1200, c=6, seed=7)
    debiased = build_clamped(spec, 1200, c=6, seed=7, wire_samples=calib)
    assert plain.info["background"] == "none" and debiased.info["background"] == "samples"
    assert debiased.info["gamma_mean"] > 0
    want = truth(spec, test)
    err_plain = (forward(plain, test) - want).mean()
    err_deb = (forward(debiased, test) - want).mean()
    assert abs(err_deb) < 0.2 * abs(err_plain)
    # sharing costs some bits at this width (~4.5 units per pair), debiasing fewer than none
    wrong = [int(((forward(layer, test) > 0.5) != (want > 0.5)).sum()) for layer in (plain, debiased)]
    assert 0 < wrong[1] < wrong[0]
    # the planner hands the samples over as CSR of the ones: the same layer, to the bit
    for signed in (False, True):
        dense = build_clamped(spec, 1200, c=6, seed=7, wire_samples=calib, signed=signed)
        ones = build_clamped(spec, 1200, c=6, seed=7, wire_samples=sp.csr_array(calib),
                             signed=signed)
        assert (dense.R != ones.R).nnz == 0 and np.array_equal(dense.r, ones.r)


def test_deterministic_in_seed():
    spec = random_spec(8)
    a, b = build_clamped(spec, 60, seed=3), build_clamped(spec, 60, seed=3)
    other = build_clamped(spec, 60, seed=4)
    for x, y in ((a.W, b.W), (a.R, b.R)):
        assert (x != y).nnz == 0
    assert np.array_equal(a.b, b.b) and np.array_equal(a.r, b.r) and a.info == b.info
    assert (a.W != other.W).nnz > 0


def test_bad_arguments_are_reported_together():
    spec = random_spec(9)
    with pytest.raises(ValueError) as e:
        build_clamped(spec, 1, c=0, h=0.7, wire_samples=np.zeros((3, 2), bool))
    msg = str(e.value)
    for part in ("d must", "c must", "h must", "wire_samples"):
        assert part in msg


# ---- signed units (section 6) ------------------------------------------------------------------
SIGNED_FEWEST = FEWEST | {"a&~b": 1, "b&~a": 1}


@pytest.mark.parametrize("name", sorted(GATES))
def test_signed_decomposition_is_exact_and_no_larger(name):
    poly, const = GATES[name]
    spec = spec_of([((0, 1), poly, const)], 2)
    units, C, k = decompose(spec, signed=True)
    assert len(units) == SIGNED_FEWEST[name]
    w = all_inputs(2).astype(np.float32)
    assert np.array_equal(unit_values(units, w) @ C.toarray() + k, truth(spec, w))
    if name in ("a&~b", "b&~a", "xor"):
        assert all(u.kind == ANDNOT for u in units)


def test_signed_pair_block_costs_two_units():
    spec = spec_of([((0, 1), *GATES["a&~b"]), ((0, 1), *GATES["b&~a"])], 2)
    assert len(decompose(spec)[0]) == 3 and len(decompose(spec, signed=True)[0]) == 2


def test_signed_layer_exact_when_no_pair_is_shared_and_clamps_noise():
    spec = random_spec(11)
    units, _, _ = decompose(spec, signed=True)
    c, h, d = 3, 0.1, 2 * 3 * len(units)
    calib = np.random.default_rng(12).random((500, spec.n_wires)) < 0.1
    layer = build_clamped(spec, d, c=c, h=h, seed=1, signed=True, wire_samples=calib)
    pl = placement(spec, d, c, 1, signed=True)
    assert np.bincount(pl.hj).max() == 1 and (pl.Wcount.data < 0).any()
    w = all_inputs(spec.n_wires).astype(np.float32)
    want = truth(spec, w)
    assert np.allclose(forward(layer, w), want, atol=1e-5)
    reads = int(abs(pl.Wcount).sum(axis=0).max())
    noise = np.random.default_rng(2).uniform(-1, 1, w.shape).astype(np.float32)
    assert np.allclose(forward(layer, w + noise * 0.99 * (0.5 - h) / reads), want, atol=1e-5)
    assert not np.allclose(forward(layer, w + 0.6), want, atol=1e-3)


def test_signed_spurious_rates_and_cancellation():
    """Measured spurious rates of signed hosts against a direct count: an ANDNOT host fires
    spuriously by one coincidence (like OR), and an on unit's host is silenced when a co-hosted
    ANDNOT unit's negative wire is on (the signed construction's false negatives)."""
    rng = np.random.default_rng(13)
    n_wires = 300
    gates = [((int(a), int(b)), *GATES[("a&~b", "b&~a", "or", "and")[rng.integers(4)]])
             for a, b in (rng.choice(n_wires, 2, replace=False) for _ in range(400))]
    spec = spec_of(gates, n_wires)
    pl = placement(spec, 800, 6, seed=4, signed=True)
    x = rng.random((5000, n_wires)) < 0.01
    q = measured_spurious(pl.units, pl.hu, pl.hj, pl.Wcount, pl.thr, x)
    pre = x.astype(np.float32) @ pl.Wcount.toarray()
    fires = pre >= pl.thr
    on = unit_values(pl.units, x.astype(np.float32)).astype(bool)  # [n, units]
    e = 7  # one host entry, by hand
    t, j = pl.hu[e], pl.hj[e]
    off = ~on[:, t]
    assert q[e] == pytest.approx(fires[off, j].mean(), rel=1e-6)
    kinds = np.array([pl.units[t].kind for t in pl.hu])
    assert q[kinds == ANDNOT].mean() > 0
    # false negatives: hosts of on units that do not fire, only through negative reads
    silent = [(~fires[on[:, t], j]).mean() for t, j in zip(pl.hu, pl.hj) if on[:, t].any()]
    assert 0 < np.mean(silent) < 0.2


def test_signed_needs_samples_to_calibrate():
    spec = spec_of([((0, 1), *GATES["a&~b"])], 2)
    with pytest.raises(ValueError, match="wire_samples"):
        build_clamped(spec, 12, c=3, signed=True, activity=0.1)
