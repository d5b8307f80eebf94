"""Helpers for the pass tests: a hypothesis strategy of random circuits, equivalence checks, the
levelize contract, a POLY-only evaluator (what the backends compute), and two model circuits."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from circuitc import keys as K
from circuitc.distribution import sample
from circuitc.graph import Circuit
from circuitc.simulate import all_inputs, simulate


@st.composite
def circuits(draw, max_inputs: int = 6, max_gates: int = 16, max_fanin: int = 6) -> Circuit:
    """A random DAG: every op, random fan-in (duplicates allowed), constants as operands, and
    outputs that may be inputs, constants or gates."""
    c = Circuit("hyp")
    nodes = c.add_input_vector("x", draw(st.integers(1, max_inputs)))
    if draw(st.booleans()):
        nodes += [c.const(0), c.const(1)]
    for _ in range(draw(st.integers(0, max_gates))):
        op = draw(st.sampled_from(K.BASIC_GATE_OPS))
        n = {K.OP_NOT: 1, K.OP_BUF: 1, K.OP_MUX: 3}.get(op) or draw(st.integers(1, max_fanin))
        # favour recent nodes so that circuits get deep, not only wide
        picks = draw(st.lists(st.integers(0, len(nodes) - 1), min_size=n, max_size=n))
        if draw(st.booleans()):
            picks = [len(nodes) - 1 - (p % min(len(nodes), 4)) for p in picks]
        nodes.append(c.add_gate(op, [nodes[p] for p in picks]))
    outs = draw(st.lists(st.integers(0, len(nodes) - 1), min_size=1, max_size=5))
    c.add_output_vector("y", [nodes[i] for i in outs])
    return c


def inputs_for(circuit: Circuit, n: int = 512, seed: int = 0) -> np.ndarray:
    """Every input vector when there are at most 12 inputs, else n seeded samples."""
    if len(circuit.inputs) <= 12:
        return all_inputs(len(circuit.inputs))
    return sample(circuit, n, seed)


def assert_equivalent(a: Circuit, b: Circuit, n: int = 512) -> None:
    assert a.inputs == b.inputs and a.outputs == b.outputs
    assert b.validate() == []
    x = inputs_for(a, n)
    assert np.array_equal(simulate(a, x), simulate(b, x))


def stored_values(circuit: Circuit, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every node's stored value (logical value XOR COMPLEMENTED), int arrays, by simulation."""
    _, wires = simulate(circuit, x, wires=True)
    return {n: (v ^ bool(circuit.graph.nodes[n].get(K.COMPLEMENTED, False))).astype(np.int64)
            for n, v in wires.items()}


def eval_poly(poly: list, values: dict[str, np.ndarray], n: int) -> np.ndarray:
    total = np.zeros(n, dtype=np.int64)
    for coef, ids in poly:
        term = np.full(n, coef, dtype=np.int64)
        for v in ids:
            term = term * values[v]
        total += term
    return total


def eval_by_polys(circuit: Circuit, x: np.ndarray) -> np.ndarray:
    """Outputs computed from POLYs and COMPLEMENTED only (never from the ops): the backends' view."""
    values = {b: x[:, i].astype(np.int64) for i, b in enumerate(circuit.inputs)}
    values[K.CONST0_ID] = np.zeros(len(x), dtype=np.int64)
    values[K.CONST1_ID] = np.ones(len(x), dtype=np.int64)
    for node in circuit.gates():
        values[node] = eval_poly(circuit.graph.nodes[node][K.POLY], values, len(x))
        assert set(np.unique(values[node])) <= {0, 1}
    out = []
    for o in circuit.outputs:
        d = circuit.driver(o)
        flip = bool(circuit.graph.nodes[d].get(K.COMPLEMENTED, False))
        out.append(values[d] ^ flip)
    return np.stack(out, axis=1).astype(bool) if out else np.zeros((len(x), 0), bool)


def check_level_contract(circuit: Circuit) -> None:
    """levelize's contract for the backends."""
    g = circuit.graph.nodes
    last = max((g[n][K.LEVEL] for n in circuit.gates()), default=0)
    for node, data in circuit.graph.nodes(data=True):
        if data[K.OP] == K.OP_OUTPUT:
            d = circuit.driver(node)
            assert circuit.op(d) in K.CONST_OPS or g[d][K.LEVEL] == last, node
            continue
        assert isinstance(data.get(K.LEVEL), int), node
        if data[K.OP] in K.GATE_OPS:
            assert data[K.LEVEL] >= 1
            for o in data[K.OPERANDS]:
                assert circuit.op(o) in K.CONST_OPS or g[o][K.LEVEL] == data[K.LEVEL] - 1, node
            for _, ids in data[K.POLY]:
                assert all(g[v][K.LEVEL] == data[K.LEVEL] - 1 for v in ids), node
        elif data[K.OP] == K.OP_INPUT:
            assert data[K.LEVEL] == 0


def and_pairs(m: int = 30, k: int = 3) -> Circuit:
    """The AND of every pair of m features, k of which are on (sparse(k))."""
    c = Circuit("pairs")
    xs = c.add_input_vector("x", m)
    ands = [c.add_gate(K.OP_AND, [xs[i], xs[j]], name=f"a{i}_{j}")
            for i, j in itertools.combinations(range(m), 2)]
    c.add_output_vector("y", ands)
    c.distribution = [{"inputs": xs, "kind": "sparse", "k": k}]
    return c


def ripple_adder(n: int = 8) -> Circuit:
    """s = a + b (n + 1 bits) from full adders, uniform inputs."""
    c = Circuit("rca")
    a, b = c.add_input_vector("a", n), c.add_input_vector("b", n)
    carry, sums = c.const(0), []
    for i in range(n):
        t = c.add_gate(K.OP_XOR, [a[i], b[i]])
        sums.append(c.add_gate(K.OP_XOR, [t, carry]))
        carry = c.add_gate(K.OP_OR, [c.add_gate(K.OP_AND, [a[i], b[i]]),
                                      c.add_gate(K.OP_AND, [t, carry])])
    c.add_output_vector("s", sums + [carry])
    return c
