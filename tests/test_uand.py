"""U-AND construction: predicted interference per input class, exact limits, decoding, sparsity."""

import itertools

import numpy as np
import pytest
from scipy import sparse

from circuitc.lowering.uand import build_uand


def exactly_s(m, s, n, seed):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, m), dtype=np.float32)
    for row in x:
        row[rng.choice(m, s, replace=False)] = 1
    return x


def truth_and_class(x, monomials):
    """Per sample and monomial: the AND value and how many of its wires are on."""
    on = np.zeros((len(x), len(monomials)), dtype=np.int64)
    for t, mono in enumerate(monomials):
        on[:, t] = x[:, list(mono)].sum(1)
    deg = np.array([len(t) for t in monomials])
    return (on == deg).astype(np.float32), on


def check_predictions(layer, x, n_se=5.0):
    """Mean of (measured - predicted) error per class j is zero within n_se standard errors.

    Read-offs of one sample share its active wires, so they are not independent: the standard
    error is taken over samples (which are independent)."""
    truth, on = truth_and_class(x, layer.monomials)
    err = layer.forward(x) - truth
    pred = layer.predicted[np.arange(len(layer.monomials))[None, :], on]
    resid = err - pred
    checked = 0
    for j in range(on.max() + 1):
        sel = on == j
        rows = sel.any(1)
        if rows.sum() < 30:
            continue
        # ratio estimator over samples (sum of residuals / number of entries), delta-method SE
        sums, counts = (resid * sel).sum(1), sel.sum(1)
        mean = sums.sum() / counts.sum()
        se = np.sqrt(((sums - mean * counts) ** 2).sum()) / counts.sum()
        assert abs(mean) <= n_se * se + 1e-4, (j, mean, se)
        checked += 1
    return checked


def test_universal_pairs_match_the_predicted_error_per_class():
    m, s = 24, 3
    mons = list(itertools.combinations(range(m), 2))
    layer = build_uand(mons, m, 300, c=16, s=s, seed=3, mode="universal")
    x = exactly_s(m, s, 400, seed=1)
    assert check_predictions(layer, x) == 3
    # the note's table for the raw (pre-offset) error, p = sqrt(c/d): both on ~ (s-2)p,
    # one on ~ (s-1)p; predicted[j] - predicted[0] removes the common offset a0
    p = layer.W.nnz / (m * 300)
    pr = layer.stats["predicted_error_deg2"]
    assert pr[1] - pr[0] == pytest.approx((s - 1) * p - (s * p - 1 + (1 - p) ** s), rel=0.25)
    assert pr[2] - pr[0] == pytest.approx((s - 2) * p - (s * p - 1 + (1 - p) ** s), rel=0.25)


def test_targeted_mixed_degrees_match_predictions():
    m, s = 40, 3
    rng = np.random.default_rng(0)
    pairs = {tuple(sorted(rng.choice(m, 2, replace=False).tolist())) for _ in range(60)}
    triples = {tuple(sorted(rng.choice(m, 3, replace=False).tolist())) for _ in range(20)}
    mons = [(i,) for i in range(0, m, 3)] + sorted(pairs) + sorted(triples)
    layer = build_uand(mons, m, 400, c=8, s=s, seed=5, mode="targeted")
    assert layer.mode == "targeted"
    assert set(layer.stats["widths"]) == {1, 2, 3}
    # biases by degree group: 0, -1, -2
    assert sorted(set(layer.b.tolist())) == [-2.0, -1.0, 0.0]
    x = exactly_s(m, s, 400, seed=2)
    assert check_predictions(layer, x) >= 3


def test_independent_activity_model_matches_predictions():
    m = 30
    activity = np.linspace(0.02, 0.15, m)
    mons = list(itertools.combinations(range(m), 2))
    layer = build_uand(mons, m, 300, c=16, activity=activity, seed=1, mode="universal")
    rng = np.random.default_rng(4)
    x = (rng.random((500, m)) < activity).astype(np.float32)
    assert check_predictions(layer, x) == 3
    # a0 makes the read-off unbiased over the distribution (the classes weighted by probability)
    truth, _ = truth_and_class(x, layer.monomials)
    err = layer.forward(x) - truth
    assert abs(err.mean()) < 5 * err.std() / np.sqrt(err.size) * 30  # cluster-robust bound


@pytest.mark.parametrize("c", [1, 2])
def test_targeted_exact_limit_has_zero_error_on_every_input(c):
    m = 8
    mons = [(0,), (3,)] + list(itertools.combinations(range(m), 2))[:10] + [(1, 2, 5), (0, 4, 6)]
    layer = build_uand(mons, m, c * len(mons), c=c, s=2, seed=0, mode="targeted")
    assert layer.hosts.tolist() == [c] * len(mons)
    assert np.all(layer.a0 == 0)  # no host reads any wire but its own monomial's
    x = np.array(list(itertools.product([0, 1], repeat=m)), dtype=np.float32)  # all 256 inputs
    truth, _ = truth_and_class(x, mons)
    np.testing.assert_allclose(layer.forward(x), truth, atol=1e-6)


def test_universal_p_one_has_no_fluctuation_only_the_predicted_bias():
    # p = 1: every neuron reads every wire, so the error is the same on every exactly-s input
    m, s = 10, 3
    mons = list(itertools.combinations(range(m), 2))
    layer = build_uand(mons, m, 5, p=1.0, s=s, mode="universal")
    x = np.zeros((120, m), dtype=np.float32)
    for row, act in zip(x, itertools.combinations(range(m), s)):
        row[list(act)] = 1
    truth, on = truth_and_class(x, mons)
    err = layer.forward(x) - truth
    np.testing.assert_allclose(err, layer.predicted[np.arange(len(mons))[None, :], on], atol=1e-5)
    raw = layer.predicted - layer.predicted[:, :1]  # without a0: (s-2)p, (s-1)p, C(s,2)p^2 exactly
    np.testing.assert_allclose(raw[0], [0, (s - 1) - 2, (s - 2) - 2], atol=1e-6)


def test_every_pair_decodes_with_one_threshold_at_comfortable_width():
    m, s = 20, 3
    mons = list(itertools.combinations(range(m), 2))
    layer = build_uand(mons, m, 1500, c=48, s=s, seed=0, mode="universal")
    x = np.zeros((1140, m), dtype=np.float32)  # every 3-sparse input
    for row, act in zip(x, itertools.combinations(range(m), s)):
        row[list(act)] = 1
    truth, _ = truth_and_class(x, mons)
    y = layer.forward(x)
    margin = y[truth == 1].min() - y[truth == 0].max()
    assert margin > 0.2
    # the one threshold halfway between the classes' predicted means decodes every AND
    pr = layer.stats["predicted_error_deg2"]
    threshold = (1 + pr[2] + pr[1]) / 2
    assert np.all((y > threshold) == (truth == 1))


def test_same_seed_same_arrays_and_other_seed_differs():
    mons = list(itertools.combinations(range(15), 2))
    a = build_uand(mons, 15, 200, c=12, s=3, seed=7)
    b = build_uand(mons, 15, 200, c=12, s=3, seed=7)
    for u, v in ((a.W, b.W), (a.A, b.A)):
        assert (u != v).nnz == 0
    np.testing.assert_array_equal(a.b, b.b)
    np.testing.assert_array_equal(a.a0, b.a0)
    c = build_uand(mons, 15, 200, c=12, s=3, seed=8)
    assert (a.W != c.W).nnz > 0


@pytest.mark.parametrize("mode", ["universal", "targeted"])
def test_layer_is_sparse_typed_and_shaped(mode):
    m, d, c = 60, 400, 8
    mons = list(itertools.combinations(range(0, m, 2), 2))[:200]
    layer = build_uand(mons, m, d, c=c, s=3, seed=0, mode=mode)
    for mat, shape in ((layer.W, (m, d)), (layer.A, (d, len(mons)))):
        assert isinstance(mat, sparse.csr_array) and mat.dtype == np.float32
        assert mat.shape == shape
    assert layer.b.dtype == np.float32 and layer.a0.dtype == np.float32
    assert layer.A.nnz == layer.hosts.sum()
    # every column of A is the mean over its hosts
    np.testing.assert_allclose(np.asarray(layer.A.sum(axis=0)).ravel(), 1.0, rtol=1e-5)
    # odd wires appear in no monomial, so nothing reads them
    assert layer.W[1::2].nnz == 0
    if mode == "universal":
        p = np.sqrt(c / d)
        assert layer.W.nnz == pytest.approx(p * (m // 2) * d, rel=0.15)
    else:
        assert layer.hosts.max() <= c
        assert layer.W.nnz <= 2 * c * len(mons)
    assert layer.A.nnz < 0.2 * d * len(mons)


def test_repair_gives_every_monomial_min_hosts():
    mons = list(itertools.combinations(range(30), 2))
    bare = build_uand(mons, 30, 200, c=10, s=3, seed=2, mode="universal", min_hosts=0)
    fixed = build_uand(mons, 30, 200, c=10, s=3, seed=2, mode="universal", min_hosts=7)
    assert bare.hosts.min() < 7 <= fixed.hosts.min()
    assert fixed.W.nnz > bare.W.nnz  # repaired by extra connections only
    assert (bare.W > fixed.W).nnz == 0


def test_auto_picks_universal_for_all_pairs_and_targeted_for_few():
    m = 40
    everything = list(itertools.combinations(range(m), 2))
    assert build_uand(everything, m, 300, c=16, s=3).mode == "universal"
    assert build_uand(everything[::40], m, 300, c=16, s=3).mode == "targeted"


def test_bias_shift_scales_read_off_and_keeps_predictions():
    m, s = 24, 3
    mons = list(itertools.combinations(range(m), 2))
    layer = build_uand(mons, m, 300, c=16, s=s, seed=3, mode="universal", bias_shift=0.4)
    assert np.all(layer.b == -1.4)
    x = exactly_s(m, s, 300, seed=9)
    assert check_predictions(layer, x) == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(monomials=[(0, 0)], n_wires=3, d=4), "distinct"),
        (dict(monomials=[(0, 5)], n_wires=3, d=4), "outside"),
        (dict(monomials=[], n_wires=3, d=4), "no monomials"),
        (dict(monomials=[(0, 1)], n_wires=3, d=0), "d must be"),
        (dict(monomials=[(0, 1)], n_wires=3, d=4, mode="magic"), "mode"),
        (dict(monomials=[(0, 1)], n_wires=3, d=4, p=1.5), "p must"),
        (dict(monomials=[(0,), (0, 1), (0, 1, 2)], n_wires=3, d=2), "too small"),
        (dict(monomials=[(i, j) for i in range(9) for j in range(i + 1, 10)], n_wires=10, d=3,
              p=0.05, mode="universal", min_hosts=0), "share no neuron"),
    ],
)
def test_bad_arguments_give_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_uand(**kwargs)


def test_fixed_degree_reads_each_wire_on_exactly_pd_neurons_and_evens_hosts():
    m, d, c = 40, 400, 16
    mons = list(itertools.combinations(range(m), 2))
    fixed = build_uand(mons, m, d, c=c, s=3, seed=1, mode="universal", min_hosts=0)
    bern = build_uand(mons, m, d, c=c, s=3, seed=1, mode="universal", min_hosts=0,
                      fixed_degree=False)
    w = round(np.sqrt(c / d) * d)
    assert np.all(np.diff(fixed.W.indptr) == w)
    assert np.diff(bern.W.indptr).std() > 1
    assert fixed.hosts.std() < bern.hosts.std()


def _brute_hosts(layer):
    """A's pattern from the definition: neuron n hosts T when it reads every wire of T
    (universal placement, one degree group)."""
    B = layer.W.toarray() > 0  # [wires, d]
    return np.array([[all(B[i, n] for i in mono) for mono in layer.monomials]
                     for n in range(B.shape[1])])


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("k", [2, 3])
def test_read_off_pattern_is_every_neuron_reading_the_monomial(monkeypatch, dense, k):
    """The read-off built by the counting sort (dense AND of rows, or sparse products for large
    groups) is A[n, T] = 1 / c_T exactly where neuron n reads all of T; rows sorted, canonical;
    both paths give the same layer."""
    import circuitc.lowering.uand as uand

    if not dense:
        monkeypatch.setattr(uand, "_DENSE_HOSTS", 0)
        monkeypatch.setattr(uand, "_CHUNK", 7)  # many chunks: rows filled across chunks
    m, d = 14, 90
    mons = list(itertools.combinations(range(m), k))
    layer = build_uand(mons, m, d, c=6, s=3, seed=5, mode="universal")
    hosted = _brute_hosts(layer)
    A = layer.A.toarray()
    np.testing.assert_array_equal(A > 0, hosted)
    np.testing.assert_array_equal(layer.hosts, hosted.sum(0))
    np.testing.assert_allclose(A[hosted], np.broadcast_to(1 / layer.hosts, A.shape)[hosted],
                               rtol=1e-6)
    assert layer.A.has_canonical_format
    assert all(np.all(np.diff(layer.A.indices[a:b]) > 0)
               for a, b in zip(layer.A.indptr[:-1], layer.A.indptr[1:]))
    if not dense:
        monkeypatch.undo()
        other = build_uand(mons, m, d, c=6, s=3, seed=5, mode="universal")
        assert (other.A != layer.A).nnz == 0 and (other.W != layer.W).nnz == 0


def test_read_off_of_mixed_degrees_stacks_the_groups_in_neuron_order():
    """Two degree groups (pairs universal, triples targeted): each monomial's column holds its
    hosts inside its own group's block of neurons, and the counts match."""
    m = 20
    pairs = list(itertools.combinations(range(m), 2))
    triples = list(itertools.combinations(range(m), 3))[::200]
    mons = [t for pair in itertools.zip_longest(pairs, triples) for t in pair if t is not None]
    layer = build_uand(mons, m, 400, c=8, s=3, seed=2, mode="auto")
    assert layer.mode == "targeted+universal"
    A = layer.A.toarray()
    block = {k: w for k, w in layer.stats["widths"].items()}
    start = {2: 0, 3: block[2]}
    for t, mono in enumerate(mons):
        rows = np.flatnonzero(A[:, t])
        k = len(mono)
        assert len(rows) == layer.hosts[t] > 0
        assert start[k] <= rows.min() and rows.max() < start[k] + block[k]
        assert np.all(layer.W.toarray()[np.ix_(list(mono), rows)] > 0)  # hosts read all of T
    assert layer.A.has_canonical_format


def test_host_sums_equal_scipys_product_bit_for_bit():
    """_host_sums(A, f) is A^T f as scipy computes it, to the last bit, in blocks of neurons."""
    import circuitc.lowering.uand as uand

    rng = np.random.default_rng(0)
    A = sparse.random_array((300, 500), density=0.2, format="csr", dtype=np.float32, rng=rng)
    f = rng.standard_normal(300)
    for entries in (1, 17, 1 << 21):
        uand_entries = uand._ENTRIES
        try:
            uand._ENTRIES = entries
            got = uand._host_sums(A, f)
        finally:
            uand._ENTRIES = uand_entries
        assert np.array_equal(got, A.T @ f)
