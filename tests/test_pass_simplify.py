import pytest
from hypothesis import given, settings

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.passes.simplify import simplify
from conftest import random_circuit
from pass_helpers import assert_equivalent, circuits


@settings(max_examples=150, deadline=None)
@given(circuits())
def test_simplify_preserves_function(c):
    before = c.to_json()
    new, report = simplify(c)
    assert c.to_json() == before  # the argument is never mutated
    assert_equivalent(c, new)
    assert report["gates_after"] <= report["gates_before"]
    assert not any(new.op(g) == K.OP_BUF for g in new.gates())
    again, _ = simplify(new)  # a fixpoint
    assert again.to_json() == new.to_json()


@pytest.mark.parametrize("seed", range(10))
def test_simplify_random_circuits_deterministic(seed):
    c = random_circuit(seed, n_inputs=14, n_gates=80)
    a, _ = simplify(c)
    b, _ = simplify(c)
    assert a.to_json() == b.to_json()
    assert_equivalent(c, a)


def one_gate(op, operands_of):
    """A circuit with inputs a, b, s and one gate op(operands_of(nodes)) as output y."""
    c = Circuit("t")
    a, b, s = c.add_input("a"), c.add_input("b"), c.add_input("s")
    nodes = {"a": a, "b": b, "s": s, "0": c.const(0), "1": c.const(1)}
    c.add_output("y", c.add_gate(op, [nodes[n] for n in operands_of]))
    return c


def driver_op(c):
    new, _ = simplify(c)
    assert_equivalent(c, new)
    d = new.driver(new.outputs[0])
    return new.op(d), tuple(new.op(o) if new.op(o) in K.CONST_OPS else o for o in new.operands(d))


@pytest.mark.parametrize("op, operands, expected", [
    (K.OP_AND, "a0", (K.OP_CONST0, ())),
    (K.OP_AND, "a1", (K.OP_INPUT, ())),
    (K.OP_OR, "a1", (K.OP_CONST1, ())),
    (K.OP_XOR, "a1", (K.OP_NOT, ("a",))),
    (K.OP_XOR, "aa", (K.OP_CONST0, ())),
    (K.OP_XNOR, "aab", (K.OP_NOT, ("b",))),
    (K.OP_NAND, "a1", (K.OP_NOT, ("a",))),
    (K.OP_AND, "aab", (K.OP_AND, ("a", "b"))),
    (K.OP_MAJ, "ab1", (K.OP_OR, ("a", "b"))),
    (K.OP_MAJ, "ab0", (K.OP_AND, ("a", "b"))),
    (K.OP_MAJ, "aab", (K.OP_INPUT, ())),
    (K.OP_MAJ, "ab10s", (K.OP_MAJ, ("a", "b", "s"))),
    (K.OP_MUX, "1ab", (K.OP_INPUT, ())),
    (K.OP_MUX, "saa", (K.OP_INPUT, ())),
    (K.OP_MUX, "s10", (K.OP_INPUT, ())),
    (K.OP_MUX, "s01", (K.OP_NOT, ("s",))),
    (K.OP_MUX, "s1b", (K.OP_OR, ("b", "s"))),
    (K.OP_MUX, "sa0", (K.OP_AND, ("a", "s"))),
    (K.OP_MUX, "ssb", (K.OP_OR, ("b", "s"))),
])
def test_constant_and_duplicate_rules(op, operands, expected):
    assert driver_op(one_gate(op, operands)) == expected


def test_double_negation_buffers_and_complements():
    c = Circuit("t")
    a, b = c.add_input("a"), c.add_input("b")
    na = c.add_gate(K.OP_NOT, [c.add_gate(K.OP_BUF, [a])])
    c.add_output("nn", c.add_gate(K.OP_NOT, [na]))
    c.add_output("contra", c.add_gate(K.OP_AND, [a, na, b]))
    c.add_output("taut", c.add_gate(K.OP_XOR, [a, na]))
    new, report = simplify(c)
    assert_equivalent(c, new)
    drivers = [new.driver(o) for o in new.outputs]
    assert drivers == ["a", K.CONST0_ID, K.CONST1_ID]
    assert new.gates() == []


def test_inverter_absorbed_and_structural_hashing():
    c = Circuit("t")
    a, b = c.add_input("a"), c.add_input("b")
    g1 = c.add_gate(K.OP_AND, [a, b], name="g1")
    g2 = c.add_gate(K.OP_AND, [b, a], name="g2")  # same gate, operands swapped
    c.add_output("p", g1)
    c.add_output("q", c.add_gate(K.OP_NOT, [g2], name="n"))
    c.add_gate(K.OP_OR, [a, b], name="dead")
    new, _ = simplify(c)
    assert_equivalent(c, new)
    assert sorted((new.op(g), new.operands(g)) for g in new.gates()) == [
        (K.OP_AND, ("a", "b")), (K.OP_NAND, ("a", "b"))]
    assert "dead" not in new.graph and new.depth == 1


def test_outputs_driven_by_inputs_and_constants_are_kept():
    c = Circuit("t")
    a = c.add_input("a")
    c.add_output("same", a)
    c.add_output("zero", c.add_gate(K.OP_AND, [a, c.const(0)]))
    c.add_output("one", c.const(1))
    new, _ = simplify(c)
    assert new.output_names == ["same", "zero", "one"]
    assert [new.driver(o) for o in new.outputs] == ["a", K.CONST0_ID, K.CONST1_ID]
    assert new.validate() == []
