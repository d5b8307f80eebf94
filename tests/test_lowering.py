"""The lowering and the exact construction on hand-levelized circuits (no passes involved)."""


import numpy as np
import scipy.sparse as sp

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.lowering.construction import via_monomials
from circuitc.lowering.exact import build_exact
from circuitc.lowering.lower import level_wires, lower, polynomials
from circuitc.network import Affine
from circuitc.simulate import all_inputs, simulate


def test_exact_construction_is_exact_on_every_input():
    monomials = [(0,), (2,), (0, 1), (1, 2, 3), (0, 1, 2, 3)]
    layer = build_exact(monomials, 4)
    w = all_inputs(4).astype(np.float32)
    got = np.maximum(w @ layer.W + layer.b, 0) @ layer.A + layer.a0
    want = np.stack([w[:, list(m)].prod(1) for m in monomials], axis=1)
    assert np.array_equal(got, want)
    assert layer.width == len(monomials)


def hand_levelized() -> Circuit:
    """y = (a & b) ^ c, z = ~(a | c) stored complemented; levels and polys set by hand."""
    c = Circuit("hand")
    a, b, cc = c.add_input("a"), c.add_input("b"), c.add_input("c")
    ab = c.add_gate(K.OP_AND, [a, b], name="ab")
    cb = c.add_gate(K.OP_BUF, [cc], name="c@1")
    aorc = c.add_gate(K.OP_OR, [a, cc], name="aorc")  # stored complemented: NOR = (1-a)(1-c)
    y = c.add_gate(K.OP_XOR, [ab, cb], name="y")
    z = c.add_gate(K.OP_BUF, [aorc], name="z")
    c.add_output("y", y)
    c.add_output("z", z)
    c.add_output("one", c.const(1))
    n = c.graph.nodes
    for node, level in {"a": 0, "b": 0, "c": 0, "ab": 1, "c@1": 1, "aorc": 1, "y": 2, "z": 2}.items():
        n[node][K.LEVEL] = level
    n["ab"][K.POLY] = [[1, ["a", "b"]]]
    n["c@1"][K.POLY] = [[1, ["c"]]]
    n["aorc"][K.POLY] = [[1, []], [-1, ["a"]], [-1, ["c"]], [1, ["a", "c"]]]
    n["aorc"][K.COMPLEMENTED] = True
    n["y"][K.POLY] = [[1, ["ab"]], [1, ["c@1"]], [-2, ["ab", "c@1"]]]
    n["z"][K.POLY] = [[1, ["aorc"]]]
    n["z"][K.COMPLEMENTED] = True
    return c


def test_polynomials_share_monomials():
    c = hand_levelized()
    wires = level_wires(c)
    assert wires == [["a", "b", "c"], ["ab", "c@1", "aorc"], ["y", "z"]]
    monomials, P, p0 = polynomials(c, wires[1], wires[0])
    assert monomials == [(0,), (2,), (0, 1), (0, 2)]
    assert P.shape == (4, 3) and list(p0) == [0, 0, 1]


def test_lowered_network_matches_simulation_on_every_input():
    c = hand_levelized()
    identity = sp.eye_array(3, dtype=np.float32, format="csr")
    lowered = lower(c, Affine(identity, np.zeros(3, np.float32)),
                    lambda spec: via_monomials(build_exact(spec.monomials, spec.n_wires), spec))
    x = all_inputs(3)
    h = x.astype(np.float32)
    hs = [h]
    for layer in lowered.layers:
        hs.append(np.maximum(layer(hs[-1]), 0))
    y = lowered.readout(hs[-1])
    assert np.array_equal(y > 0.5, simulate(c, x))
    assert np.array_equal(y, simulate(c, x).astype(np.float32))  # exact, not just decodable
    # read-offs of level 1 give stored values (aorc complemented)
    stored1 = lowered.readoffs[1](hs[1])
    a, b, cc = x.T
    assert np.array_equal(stored1, np.stack([a & b, cc, ~(a | cc)], 1).astype(np.float32))
