import numpy as np
import pytest

from circuitc import distribution as D
from circuitc.graph import Circuit


def circuit(n=20):
    c = Circuit()
    f = c.add_input_vector("f", n)
    g = c.add_input_vector("g", 4)
    c.add_output("y", f[0])
    return c, f, g


@pytest.mark.parametrize("spec, expected", [
    ("uniform", {"kind": "uniform"}), ("sparse(3)", {"kind": "sparse", "k": 3}),
    (" atmost( 2 ) ", {"kind": "atmost", "k": 2}), ("bernoulli(0.05)", {"kind": "bernoulli", "p": 0.05}),
])
def test_parse_spec(spec, expected):
    assert D.parse_spec(spec) == expected
    assert D.parse_spec(D.format_spec(expected)) == expected


@pytest.mark.parametrize("bad", ["sparse", "sparse(x)", "sparse(1.5)", "bernoulli(2)", "zipf(3)",
                                 "uniform(2)"])
def test_bad_specs(bad):
    with pytest.raises(ValueError):
        D.parse_spec(bad)


def test_sparse_groups_and_uniform_rest():
    c, f, g = circuit()
    c.distribution = [{"inputs": f, "kind": "sparse", "k": 3}]
    x = D.sample(c, 5000, seed=1)
    assert (x[:, :20].sum(1) == 3).all()
    # every feature is equally likely to be on: 3/20 each
    assert np.allclose(x[:, :20].mean(0), 0.15, atol=0.03)
    assert abs(x[:, 20:].mean() - 0.5) < 0.03
    assert not D.is_sparse(c)
    assert (D.sample(c, 5000, seed=1) == x).all()


def test_atmost_and_bernoulli():
    c, f, g = circuit()
    c.distribution = [{"inputs": f, "kind": "atmost", "k": 2},
                      {"inputs": g, "kind": "bernoulli", "p": 0.1}]
    x = D.sample(c, 6000, seed=2)
    counts = np.bincount(x[:, :20].sum(1), minlength=3)
    assert counts.size == 3 and (np.abs(counts / 6000 - 1 / 3) < 0.03).all()
    assert abs(x[:, 20:].mean() - 0.1) < 0.02
    assert D.is_sparse(c)


def test_whole_circuit_override():
    c, f, g = circuit()
    groups = D.whole_circuit(c, "sparse(2)")
    assert groups[0]["inputs"] == c.inputs
    assert (D.sample(c, 100, groups=groups).sum(1) == 2).all()
    with pytest.raises(ValueError, match="more bits"):
        D.whole_circuit(c, "sparse(99)")


def _by_full_sort(group, n, width, rng):
    """The definition the blocked sampler must reproduce: ranks of one [n, width] draw of keys
    in a stable sort, below k (sparse) or below a count drawn after the keys (atmost)."""
    keys = rng.random((n, width))
    ranks = np.argsort(np.argsort(keys, axis=1, kind="stable"), axis=1, kind="stable")
    k = group["k"]
    counts = np.full((n, 1), k) if group["kind"] == "sparse" else rng.integers(0, k + 1, (n, 1))
    return ranks < counts


class _TiedKeys:
    """A generator whose keys take 3 values: ties at the k-th smallest key in most rows."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def random(self, shape):
        return np.floor(self.rng.random(shape) * 3) / 3

    def integers(self, *args, **kwargs):
        return self.rng.integers(*args, **kwargs)


@pytest.mark.parametrize("kind,k,width,n", [("sparse", 4, 3000, 700), ("atmost", 3, 1000, 500),
                                            ("sparse", 3, 5, 60), ("atmost", 6, 4, 60),
                                            ("sparse", 0, 10, 20)])
def test_blocked_k_subsets_equal_one_full_sort_of_the_same_keys(kind, k, width, n, monkeypatch):
    monkeypatch.setattr(D, "DRAW_BYTES", 8 * width * 7)  # blocks of 7 rows
    group = {"kind": kind, "k": k, "inputs": list(range(width))}
    for seed in range(3):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        assert np.array_equal(D._sample_group(group, n, width, a),
                              _by_full_sort(group, n, width, b))
        assert a.random() == b.random()  # the same draws were made
    for seed in range(3):
        group = {"kind": "atmost", "k": 3, "inputs": list(range(50))}
        assert np.array_equal(D._sample_group(group, 200, 50, _TiedKeys(seed)),
                              _by_full_sort(group, 200, 50, _TiedKeys(seed)))
