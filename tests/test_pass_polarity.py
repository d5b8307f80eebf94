import numpy as np
import pytest
from hypothesis import given, settings

from circuitc import keys as K
from circuitc.distribution import sample
from circuitc.errors import CircuitError
from circuitc.graph import Circuit
from circuitc.passes.monomials import monomials
from circuitc.passes.polarity import polarity
from circuitc.simulate import simulate
from pass_helpers import circuits, eval_by_polys, eval_poly, inputs_for, stored_values


@settings(max_examples=120, deadline=None)
@given(circuits())
def test_stored_polys_match_simulated_stored_values(c):
    with_polys, _ = monomials(c)
    new, report = polarity(with_polys, samples=256, seed=1)
    x = inputs_for(c)
    stored = stored_values(new, x)
    for node, data in new.graph.nodes(data=True):
        if data[K.OP] == K.OP_OUTPUT:
            assert K.COMPLEMENTED not in data and K.ACTIVITY not in data
            continue
        assert isinstance(data[K.COMPLEMENTED], bool) and 0.0 <= data[K.ACTIVITY] <= 1.0
        if data[K.OP] in K.GATE_OPS:
            assert np.array_equal(eval_poly(data[K.POLY], stored, len(x)), stored[node]), node
            assert data[K.ACTIVITY] <= 0.5  # mostly-on wires were complemented
        else:
            assert data[K.COMPLEMENTED] is False  # inputs and constants are given
    assert np.array_equal(eval_by_polys(new, x), simulate(c, x))


def test_activity_and_complement_follow_the_samples():
    c = Circuit("t")
    xs = c.add_input_vector("x", 10)
    nor = c.add_gate(K.OP_NOR, xs[:2], name="nor")
    both = c.add_gate(K.OP_AND, [nor, xs[2]], name="both")
    c.add_output_vector("y", [nor, both])
    c.distribution = [{"inputs": xs, "kind": "sparse", "k": 1}]
    new, report = polarity(monomials(c)[0], samples=4000, seed=3)
    x = sample(c, 4000, 3)
    _, wires = simulate(c, x, wires=True)
    g = new.graph.nodes
    assert g["nor"][K.COMPLEMENTED] and not g["both"][K.COMPLEMENTED]
    assert g["nor"][K.ACTIVITY] == pytest.approx(1 - wires["nor"].mean())
    assert g["both"][K.ACTIVITY] == pytest.approx(wires["both"].mean())
    assert g["x[0]"][K.ACTIVITY] == pytest.approx(wires["x[0]"].mean())
    # stored nor = x0 | x1 = x0 + x1 - x0 x1; both = (1 - nor') * x2 = x2 - nor' x2
    assert g["nor"][K.POLY] == [[1, ["x[0]"]], [1, ["x[1]"]], [-1, ["x[0]", "x[1]"]]]
    assert g["both"][K.POLY] == [[1, ["x[2]"]], [-1, ["nor", "x[2]"]]]
    level1 = report["levels"][1]
    assert level1["mostly_on_before"] == 1.0 and level1["mostly_on_after"] == 0.0
    assert level1["active_after"] < level1["active_before"]


def test_complement_false_only_records_activity():
    c = Circuit("t")
    a = c.add_input("a")
    c.add_output("y", c.add_gate(K.OP_NOT, [a], name="n"))
    c.distribution = [{"inputs": ["a"], "kind": "bernoulli", "p": 0.1}]
    with_polys, _ = monomials(c)
    new, report = polarity(with_polys, samples=500, complement=False)
    assert new.graph.nodes["n"][K.COMPLEMENTED] is False
    assert new.graph.nodes["n"][K.POLY] == with_polys.graph.nodes["n"][K.POLY]
    assert new.graph.nodes["n"][K.ACTIVITY] > 0.8 and report["complemented"] == 0


def test_deterministic_for_a_seed():
    c = Circuit("t")
    xs = c.add_input_vector("x", 6)
    c.add_output("y", c.add_gate(K.OP_XOR, xs[:3]))
    with_polys, _ = monomials(c)
    a, ra = polarity(with_polys, samples=300, seed=7)
    b, rb = polarity(with_polys, samples=300, seed=7)
    assert a.to_json() == b.to_json() and ra == rb


def test_needs_polys_and_a_usable_distribution():
    c = Circuit("t")
    a = c.add_input("a")
    c.add_output("y", c.add_gate(K.OP_NOT, [a], name="n"))
    with pytest.raises(CircuitError, match="monomials"):
        polarity(c, samples=10)
    with pytest.raises(CircuitError, match="more bits"):
        polarity(monomials(c)[0], samples=10, groups=[{"inputs": ["a"], "kind": "sparse", "k": 2}])
