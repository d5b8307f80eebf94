import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.simulate import (all_inputs, assign_ports, pack, read_ports, simulate, truth_table,
                               unpack)
from conftest import naive_eval, random_circuit


@pytest.mark.parametrize("n", [1, 63, 64, 65, 200])
def test_pack_round_trip(n):
    x = np.random.default_rng(n).random((n, 7)) < 0.5
    assert (unpack(pack(x), n) == x).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), n_samples=st.integers(1, 130))
def test_simulator_matches_naive_evaluator(seed, n_samples):
    c = random_circuit(seed, n_inputs=5, n_gates=25, n_outputs=6)
    x = np.random.default_rng(seed).random((n_samples, 5)) < 0.5
    y = simulate(c, x)
    expected = np.array([naive_eval(c, row) for row in x])
    assert (y == expected).all()


def test_wires_are_returned():
    c = random_circuit(1)
    x = all_inputs(6)
    y, wires = simulate(c, x, wires=True)
    for i, out in enumerate(c.outputs):
        assert (wires[out] == y[:, i]).all()
        assert (wires[c.driver(out)] == y[:, i]).all()


def test_majority_and_mux_truth_tables():
    c = Circuit()
    a = c.add_input_vector("a", 7)
    c.add_output("m", c.add_gate(K.OP_MAJ, a))
    c.add_output("x", c.add_gate(K.OP_MUX, a[:3]))
    x, y = truth_table(c)
    assert (y[:, 0] == (x.sum(1) >= 4)).all()
    assert (y[:, 1] == np.where(x[:, 0], x[:, 1], x[:, 2])).all()


def test_truth_table_row_order_and_limit():
    c = Circuit()
    a = c.add_input_vector("a", 3)
    c.add_output_vector("y", a)
    x, y = truth_table(c)
    assert [int(sum(b << i for i, b in enumerate(row))) for row in y] == list(range(8))
    with pytest.raises(ValueError, match="too many"):
        truth_table(c, max_inputs=2)


def test_port_values():
    c = Circuit()
    a = c.add_input_vector("a", 4)
    b = c.add_input("b")
    c.add_output_vector("y", [c.add_gate(K.OP_XOR, [bit, b]) for bit in a])
    assert simulate(c, {"a": 0b0101, "b": 1}) == {"y": 0b1010}
    assert read_ports(c, simulate(c, assign_ports(c, {"a": 9})[None])[0]) == {"y": 9}
    with pytest.raises(ValueError, match="does not fit"):
        assign_ports(c, {"a": 16})
    with pytest.raises(ValueError, match="no input port"):
        assign_ports(c, {"q": 1})


@pytest.mark.parametrize("k", [1, 2, 3])
def test_lut_steps_with_one_table_match_the_general_fold(k):
    """`_luts` folds a table shared by every gate on constants (`_one_table`); it computes
    what the general Shannon fold over per-gate tables does, for every table of k inputs."""
    from circuitc.simulate import _luts

    rng = np.random.default_rng(k)
    g, words = 70, 3
    v = rng.integers(0, 1 << 63, size=(g, k, words), dtype=np.uint64) << np.uint64(1)
    v |= rng.integers(0, 2, size=(g, k, words), dtype=np.uint64)
    for t in range(1 << (1 << k)):
        table = np.array([(t >> r) & 1 for r in range(1 << k)], dtype=bool)
        mixed = np.tile(table, (g, 1))
        mixed[0] = ~table  # a second table: the general fold
        shared = _luts(v, np.tile(table, (g, 1)))
        assert (shared[1:] == _luts(v, mixed)[1:]).all(), t
        x = v[0]  # gate 0 by its table: bit 5 of word s of operand i is bit i of the row
        for s in range(words):
            r = sum(int((int(x[i, s]) >> 5) & 1) << i for i in range(k))
            assert (int(shared[0, s]) >> 5) & 1 == int(table[r])
