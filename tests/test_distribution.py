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
