import math

import pytest
from hypothesis import given, settings, strategies as st

from circuitc import keys as K
from circuitc.errors import CircuitError
from circuitc.graph import Circuit
from circuitc.passes.fanin import fanin
from circuitc.passes.monomials import monomials
from conftest import random_circuit
from pass_helpers import assert_equivalent, circuits


def max_fanin(c):
    """The largest polynomial degree of any gate: what fanin bounds."""
    with_polys, _ = monomials(c)
    return max((len(ids) for g in with_polys.gates()
                for _, ids in with_polys.graph.nodes[g][K.POLY]), default=0)


@settings(max_examples=150, deadline=None)
@given(circuits(max_fanin=9), st.integers(2, 4))
def test_fanin_preserves_function_and_bounds_fanin(c, k):
    before = c.to_json()
    new, report = fanin(c, k)
    assert c.to_json() == before
    assert_equivalent(c, new)
    assert max_fanin(new) <= k and report["max_degree_after"] <= k


@pytest.mark.parametrize("seed", range(5))
def test_fanin_on_larger_random_circuits(seed):
    c = random_circuit(seed, n_inputs=16, n_gates=60, max_fanin=9)
    new, _ = fanin(c, 2)
    assert_equivalent(c, new)
    assert max_fanin(new) <= 2


@pytest.mark.parametrize("op", [K.OP_AND, K.OP_OR, K.OP_XOR, K.OP_NAND, K.OP_NOR, K.OP_XNOR])
@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("n", [2, 3, 5, 8, 9, 10])
def test_wide_gates_become_depth_minimal_trees(op, k, n):
    c = Circuit("t")
    xs = c.add_input_vector("x", n)
    c.add_output("y", c.add_gate(op, xs, name="g"))
    new, _ = fanin(c, k)
    assert_equivalent(c, new)
    assert new.depth == max(1, math.ceil(math.log(n, k) - 1e-9))
    assert new.driver(new.outputs[0]) == "g"  # the root keeps the gate's id
    assert new.op("g") == op


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("n", [3, 4, 5, 6, 7, 9])
def test_wide_majority_decomposes_exactly(k, n):
    c = Circuit("t")
    xs = c.add_input_vector("x", n)
    c.add_output("y", c.add_gate(K.OP_MAJ, xs, name="m"))
    new, report = fanin(c, k)
    assert_equivalent(c, new)  # exhaustive: n <= 9 inputs
    assert max_fanin(new) <= k
    assert report["rewritten"] == (1 if n > k else 0)


def test_mux_has_degree_two_and_stays_one_gate():
    c = Circuit("t")
    s, a, b = c.add_input("s"), c.add_input("a"), c.add_input("b")
    c.add_output("y", c.add_gate(K.OP_MUX, [s, a, b], name="m"))
    c.add_output("z", c.add_gate(K.OP_XOR, [s, a, b], name="x"))
    two, report = fanin(c, 2)
    assert_equivalent(c, two)
    assert two.op("m") == K.OP_MUX and two.operands("m") == (s, a, b)
    assert report["rewritten"] == 1  # only the 3-input xor (degree 3)
    assert max_fanin(two) == 2


@pytest.mark.parametrize("k", [1, 0, -3])
def test_bad_k_is_a_clear_error(k):
    c = Circuit("t")
    c.add_output("y", c.add_input("a"))
    with pytest.raises(CircuitError, match="at least 2"):
        fanin(c, k)


@settings(max_examples=100, deadline=None)
@given(circuits(max_fanin=3), st.integers(2, 4))
def test_fanin_copy_shortcut_is_the_rebuild(c, k):
    """When nothing needs splitting, fanin copies a graph already in rebuilt form instead of
    rebuilding it: the result must be the rebuild's, byte for byte (JSON, edge order included),
    on graphs in rebuilt form (simplify's output) and on graphs that are not (the builders')."""
    from circuitc.passes.fanin import _Rewriter, _as_rebuilt
    from circuitc.passes.simplify import simplify

    for graph in (c, simplify(c)[0]):
        new, report = fanin(graph, k)
        rebuilt = _Rewriter(graph, k).run()
        assert new.to_json() == rebuilt.to_json()
        if report["max_degree_before"] <= k and _as_rebuilt(graph):
            assert report["rewritten"] == 0


def test_fanin_copy_shortcut_taken_on_simplified_aig():
    """The shortcut must actually fire where it matters: an AIG after simplify."""
    from circuitc.passes.fanin import _Rewriter, _as_rebuilt
    from circuitc.passes.simplify import simplify

    c = Circuit("aig")
    a, b, d = c.add_input("a"), c.add_input("b"), c.add_input("d")
    x = c.add_gate(K.OP_AND, [a, c.add_gate(K.OP_NOT, [b])])
    y = c.add_gate(K.OP_AND, [a, d])
    c.add_output("y", c.add_gate(K.OP_NOT, [c.add_gate(K.OP_AND, [x, y])]))
    s, _ = simplify(c)
    assert _as_rebuilt(s)
    s.set_operands(x, s.operands(x))  # x's edges re-added: a's successors now y, x
    assert not _as_rebuilt(s)
    assert fanin(s, 2)[0].to_json() == _Rewriter(s, 2).run().to_json()
