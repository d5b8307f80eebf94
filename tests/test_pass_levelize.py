import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.passes.fanin import fanin
from circuitc.passes.levelize import levelize
from circuitc.passes.monomials import monomials
from circuitc.passes.polarity import polarity
from circuitc.simulate import simulate
from conftest import random_circuit
from pass_helpers import (assert_equivalent, check_level_contract, circuits, eval_by_polys,
                          inputs_for)


def prepared(c, samples=128):
    return polarity(monomials(fanin(c, 2)[0])[0], samples=samples)[0]


@settings(max_examples=120, deadline=None)
@given(circuits(), st.booleans())
def test_contract_and_function(c, balance):
    ready = prepared(c)
    new, report = levelize(ready, balance=balance)
    assert_equivalent(c, new)
    check_level_contract(new)
    x = inputs_for(c)
    assert np.array_equal(eval_by_polys(new, x), simulate(c, x))
    assert K.LEVEL not in ready.graph.nodes[ready.inputs[0]]  # the argument is untouched
    assert report["depth"] == ready.depth
    assert sum(r["buffers"] for r in report["levels"]) == report["buffers"]


@pytest.mark.parametrize("seed", range(6))
def test_balance_never_adds_buffers_nor_depth(seed):
    ready = prepared(random_circuit(seed, n_inputs=12, n_gates=60))
    asap, ra = levelize(ready)
    alap, rb = levelize(ready, balance=True)
    check_level_contract(alap)
    assert_equivalent(asap, alap)
    assert rb["buffers"] <= ra["buffers"] and rb["depth"] == ra["depth"]


def test_balance_moves_a_gate_next_to_its_late_reader():
    c = Circuit("t")
    a, b, d = c.add_input("a"), c.add_input("b"), c.add_input("d")
    path = d
    for i in range(4):
        path = c.add_gate(K.OP_NOT, [path], name=f"c{i + 1}")
    h = c.add_gate(K.OP_AND, [a, b], name="h")  # ASAP level 1, read at level 6
    k = c.add_gate(K.OP_OR, [a, b, path], name="k")  # a and b are carried to level 4 anyway
    c.add_output("y", c.add_gate(K.OP_AND, [h, k], name="y"))
    ready = monomials(c)[0]
    asap, ra = levelize(ready)
    alap, rb = levelize(ready, balance=True)
    check_level_contract(alap)
    assert_equivalent(c, alap)
    assert asap.graph.nodes["h"][K.LEVEL] == 1 and alap.graph.nodes["h"][K.LEVEL] == 5
    assert ra["buffers"] == 12 and rb["buffers"] == 8  # h@2..h@5 are gone


def test_buffer_chains_are_shared_and_carry_polarity():
    c = Circuit("t")
    a, b = c.add_input("a"), c.add_input("b")
    n = c.add_gate(K.OP_NOR, [a, b], name="n")  # mostly on: complemented
    g1 = c.add_gate(K.OP_AND, [a, b], name="g1")
    g2 = c.add_gate(K.OP_XOR, [g1, b], name="g2")
    g3 = c.add_gate(K.OP_OR, [g2, n], name="g3")  # reads n two levels late
    g4 = c.add_gate(K.OP_AND, [g3, n], name="g4")  # and three levels late
    c.add_output_vector("y", [g4, n])  # and n is an output, at the last level
    c.distribution = [{"inputs": ["a", "b"], "kind": "bernoulli", "p": 0.1}]
    ready = polarity(monomials(c)[0], samples=500)[0]
    new, report = levelize(ready)
    check_level_contract(new)
    assert_equivalent(c, new)
    chain = ["n@2", "n@3", "n@4"]
    assert [new.operands(b)[0] for b in chain] == ["n", "n@2", "n@3"]
    for buf in chain:
        data = new.graph.nodes[buf]
        assert data[K.OP] == K.OP_BUF and data[K.POLY] == [[1, [new.operands(buf)[0]]]]
        assert data[K.COMPLEMENTED] is True
        assert data[K.ACTIVITY] == ready.graph.nodes["n"][K.ACTIVITY]
    assert new.operands("g3") == ("g2", "n@2") and new.operands("g4") == ("g3", "n@3")
    assert new.driver(new.outputs[1]) == "n@4"
    assert report["buffers"] == 4  # n@2..n@4 and b@1 (g2 at level 2 reads b)
    assert [r["wires"] for r in report["levels"]] == [2, 3, 2, 2, 2]


def test_constant_and_input_drivers():
    c = Circuit("t")
    a, b = c.add_input("a"), c.add_input("b")
    c.add_output("g", c.add_gate(K.OP_AND, [c.add_gate(K.OP_OR, [a, b]), a]))
    c.add_output("a", a)
    c.add_output("zero", c.const(0))
    new, _ = levelize(monomials(c)[0])
    check_level_contract(new)
    assert new.driver("out:a") == "a@2" and new.driver("out:zero") == K.CONST0_ID
    assert new.graph.nodes[K.CONST0_ID][K.LEVEL] == 0


def test_no_gates():
    c = Circuit("t")
    c.add_output("y", c.add_input("a"))
    new, report = levelize(c)
    check_level_contract(new)
    assert report["depth"] == 0 and report["buffers"] == 0 and len(report["levels"]) == 1


@pytest.mark.parametrize("seed", range(4))
def test_without_carrying_same_levels_and_buffer_counts_no_buffer_nodes(seed):
    ready = prepared(random_circuit(seed, n_inputs=10, n_gates=70))
    carried, rc = levelize(ready)
    plain, rp = levelize(ready, carry=False)
    assert rp["carried"] is False and rc["carried"] is True
    assert not any(plain.op(g) == K.OP_BUF for g in plain.gates()
                   if g not in ready.graph)  # nothing inserted
    assert len(plain.graph) == len(ready.graph)
    assert rp["buffers"] == rc["buffers"] and rp["depth"] == rc["depth"]
    assert [(r["gates"], r["buffers"], r["wires"]) for r in rp["levels"]] == \
        [(r["gates"], r["buffers"], r["wires"]) for r in rc["levels"]]
    for g in ready.gates():
        assert plain.graph.nodes[g][K.LEVEL] == carried.graph.nodes[g][K.LEVEL]
