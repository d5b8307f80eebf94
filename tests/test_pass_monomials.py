import itertools

import numpy as np
import pytest
from hypothesis import given, settings

from circuitc import keys as K
from circuitc.errors import CircuitError
from circuitc.graph import Circuit
from circuitc.passes.monomials import monomials
from circuitc.simulate import simulate
from pass_helpers import circuits, eval_poly, inputs_for


def gate_circuit(op, n, pattern=None):
    c = Circuit("t")
    xs = c.add_input_vector("x", n)
    operands = [xs[i] for i in pattern] if pattern else xs
    c.add_output("y", c.add_gate(op, operands, name="g"))
    return c


@pytest.mark.parametrize("op, n, expected", [
    (K.OP_AND, 2, [[1, ["x[0]", "x[1]"]]]),
    (K.OP_OR, 2, [[1, ["x[0]"]], [1, ["x[1]"]], [-1, ["x[0]", "x[1]"]]]),
    (K.OP_XOR, 2, [[1, ["x[0]"]], [1, ["x[1]"]], [-2, ["x[0]", "x[1]"]]]),
    (K.OP_NAND, 2, [[1, []], [-1, ["x[0]", "x[1]"]]]),
    (K.OP_NOT, 1, [[1, []], [-1, ["x[0]"]]]),
    (K.OP_MAJ, 3, [[1, ["x[0]", "x[1]"]], [1, ["x[0]", "x[2]"]], [1, ["x[1]", "x[2]"]],
                   [-2, ["x[0]", "x[1]", "x[2]"]]]),
    (K.OP_MUX, 3, [[1, ["x[2]"]], [1, ["x[0]", "x[1]"]], [-1, ["x[0]", "x[2]"]]]),
])
def test_known_polynomials(op, n, expected):
    new, _ = monomials(gate_circuit(op, n))
    poly = new.graph.nodes["g"][K.POLY]
    assert poly == expected
    assert all(type(c) is int for c, _ in poly)


@pytest.mark.parametrize("op", [o for o in K.BASIC_GATE_OPS])
def test_every_op_matches_its_truth_table_on_every_assignment(op):
    sizes = {K.OP_NOT: [1], K.OP_BUF: [1], K.OP_MUX: [3]}.get(op, [1, 2, 3, 4, 5])
    for n in sizes:
        patterns = [None] + ([(0, 0, 1), (1, 0, 1)] if n == 3 else [])
        for pattern in patterns:
            c = gate_circuit(op, n, pattern)
            new, _ = monomials(c)
            x = inputs_for(c)
            values = {b: x[:, i].astype(np.int64) for i, b in enumerate(c.inputs)}
            got = eval_poly(new.graph.nodes["g"][K.POLY], values, len(x))
            assert np.array_equal(got, simulate(c, x)[:, 0].astype(np.int64)), (op, n, pattern)


@settings(max_examples=120, deadline=None)
@given(circuits())
def test_polys_match_simulation_on_random_circuits(c):
    new, report = monomials(c)
    x = inputs_for(c)
    _, wires = simulate(c, x, wires=True)
    values = {n: v.astype(np.int64) for n, v in wires.items()}
    for g in new.gates():
        poly = new.graph.nodes[g][K.POLY]
        assert np.array_equal(eval_poly(poly, values, len(x)), values[g]), g
        for coef, ids in poly:
            assert coef != 0 and ids == sorted(set(ids))
            assert all(new.op(v) not in K.CONST_OPS for v in ids)  # constants substituted
        assert poly == sorted(poly, key=lambda t: (len(t[1]), t[1]))
    assert len(report["levels"]) == c.depth


def test_duplicates_collapse_and_constants_are_substituted():
    c = Circuit("t")
    a, b = c.add_input("a"), c.add_input("b")
    g = c.add_gate(K.OP_AND, [a, a, b, c.const(1)], name="g")
    h = c.add_gate(K.OP_OR, [a, c.const(0)], name="h")
    c.add_output("y", g)
    c.add_output("z", h)
    new, _ = monomials(c)
    assert new.graph.nodes["g"][K.POLY] == [[1, ["a", "b"]]]
    assert new.graph.nodes["h"][K.POLY] == [[1, ["a"]]]
    assert K.POLY not in c.graph.nodes["g"]  # the argument is untouched


def test_report_counts_distinct_and_shared_monomials():
    c = Circuit("t")
    a, b, d = c.add_input("a"), c.add_input("b"), c.add_input("d")
    c.add_output("p", c.add_gate(K.OP_AND, [a, b]))
    c.add_output("q", c.add_gate(K.OP_XOR, [a, b]))  # shares a*b with p
    c.add_output("r", c.add_gate(K.OP_OR, [b, d]))
    _, report = monomials(c)
    assert report["levels"] == [
        {"level": 1, "gates": 3, "monomials": {"1": 3, "2": 2}, "shared": 2}]


def test_too_wide_gates_are_collected_errors_but_wide_and_is_fine():
    c = Circuit("t")
    xs = c.add_input_vector("x", 20)
    c.add_output("a", c.add_gate(K.OP_AND, xs))
    c.add_output("o", c.add_gate(K.OP_OR, xs, name="wide_or"))
    c.add_output("x", c.add_gate(K.OP_XOR, xs, name="wide_xor"))
    with pytest.raises(CircuitError) as err:
        monomials(c)
    assert "wide_or" in str(err.value) and "wide_xor" in str(err.value)
    assert "fanin" in str(err.value)
    ok = Circuit("t")
    ys = ok.add_input_vector("x", 20)
    ok.add_output("n", ok.add_gate(K.OP_NAND, ys, name="n"))
    new, _ = monomials(ok)
    assert new.graph.nodes["n"][K.POLY] == [[1, []], [-1, sorted(ys)]]


def test_exhaustive_small_functions_by_moebius():
    # every 2-input op on every operand pair, including repeated operands
    c = Circuit("t")
    xs = c.add_input_vector("x", 2)
    for op, (i, j) in itertools.product([K.OP_AND, K.OP_OR, K.OP_XOR, K.OP_NOR, K.OP_XNOR],
                                        [(0, 0), (0, 1), (1, 0)]):
        c.add_output(f"{op}{i}{j}", c.add_gate(op, [xs[i], xs[j]]))
    new, _ = monomials(c)
    x = inputs_for(c)
    _, wires = simulate(c, x, wires=True)
    values = {n: v.astype(np.int64) for n, v in wires.items()}
    for g in new.gates():
        assert np.array_equal(eval_poly(new.graph.nodes[g][K.POLY], values, 4), values[g])
