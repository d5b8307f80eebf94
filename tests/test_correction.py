"""Correction layers: clean re-encoding of noisy sparse wires, and lower() inserting them."""

import numpy as np

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.lowering.clamped import placement
from circuitc.lowering.construction import via_monomials
from circuitc.lowering.correction import KIND, build_correction
from circuitc.lowering.exact import build_exact
from circuitc.lowering.lower import lower
from circuitc.network import Affine
from circuitc.simulate import all_inputs, simulate

import scipy.sparse as sp


def forward(layer, w):
    return np.maximum(w @ layer.W.toarray() + layer.b, 0) @ layer.R.toarray() + layer.r


def test_exact_regime_removes_noise_below_the_margin():
    n, c, h = 10, 3, 0.1
    layer = build_correction(n, 2 * c * n, c=c, h=h, seed=0)
    assert layer.info["kind"] == KIND and layer.W.shape == (n, 2 * c * n)
    w = all_inputs(n).astype(np.float32)
    rng = np.random.default_rng(1)
    for amp in (0.0, 0.2, 0.39):  # any |noise| < 1/2 - h: the output is exactly the wires
        noisy = w + rng.uniform(-amp, amp, w.shape).astype(np.float32)
        assert np.allclose(forward(layer, noisy), w, atol=1e-5)
    assert not np.allclose(forward(layer, w + 0.45), w, atol=1e-3)  # beyond it: not


def test_superposed_regime_output_does_not_depend_on_small_input_noise():
    n, d, c, h = 300, 600, 4, 0.1  # 300 pairs host 1200 slots: 4 wires per pair
    rng = np.random.default_rng(2)
    x = rng.random((3000, n)) < 0.01
    layer = build_correction(n, d, c=c, h=h, seed=3, wire_samples=x)
    reads = int(placement_reads(n, d, c, 3))
    clean = forward(layer, x.astype(np.float32))
    noisy = forward(layer, x + rng.uniform(-1, 1, x.shape).astype(np.float32)
                    * 0.99 * (0.5 - h) / reads)
    assert np.allclose(clean, noisy, atol=1e-5)
    err = clean - x
    assert abs(err.mean()) < 2e-3  # debiased
    assert np.abs(err).max() > 0  # shared slots do cost something: a floor, not zero


def placement_reads(n, d, c, seed):
    from circuitc.lowering.construction import LevelSpec

    spec = LevelSpec(0, n, [(i,) for i in range(n)], sp.eye_array(n, format="csr"),
                     np.zeros(n, np.float32))
    return placement(spec, d, c, seed).Wcount.sum(axis=0).max()


def chain_circuit() -> Circuit:
    """Three levels hand-levelized: l1 = a & ~b, b & ~a, a ^ c; l2 = l1_0 | l1_2, l1_1 & l1_2."""
    c = Circuit("chain")
    a, b, cc = c.add_input("a"), c.add_input("b"), c.add_input("c")
    g = [c.add_gate(K.OP_MUX, [b, c.const(0), a], name="g0"),
         c.add_gate(K.OP_MUX, [a, c.const(0), b], name="g1"),
         c.add_gate(K.OP_XOR, [a, cc], name="g2")]
    y0 = c.add_gate(K.OP_OR, [g[0], g[2]], name="y0")
    y1 = c.add_gate(K.OP_AND, [g[1], g[2]], name="y1")
    c.add_output("y0", y0)
    c.add_output("y1", y1)
    n = c.graph.nodes
    for node in ("a", "b", "c"):
        n[node][K.LEVEL] = 0
    polys = {"g0": [[1, ["a"]], [-1, ["a", "b"]]], "g1": [[1, ["b"]], [-1, ["a", "b"]]],
             "g2": [[1, ["a"]], [1, ["c"]], [-2, ["a", "c"]]],
             "y0": [[1, ["g0"]], [1, ["g2"]], [-1, ["g0", "g2"]]], "y1": [[1, ["g1", "g2"]]]}
    for node, poly in polys.items():
        n[node][K.POLY] = poly
        n[node][K.LEVEL] = 1 if node.startswith("g") else 2
    return c


def test_lower_inserts_correction_layers_and_stays_exact():
    circuit = chain_circuit()
    calls = []

    def build(spec):
        return via_monomials(build_exact(spec.monomials, spec.n_wires), spec)

    def correct(level, n_wires):
        calls.append((level, n_wires))
        return build_correction(n_wires, 2 * 2 * n_wires, c=2, seed=level) if level == 1 else None

    identity = Affine(sp.eye_array(3, dtype=np.float32, format="csr"), np.zeros(3, np.float32))
    low = lower(circuit, identity, build, correct)
    assert calls == [(1, 3), (2, 2)]
    assert len(low.layers) == 3 and low.level_layers == [0, 2, 3]
    assert [i.get("kind", "compute") for i in low.layer_info] == ["compute", "correct", "compute"]
    x = all_inputs(3).astype(np.float32)
    h = x
    for layer in low.layers:
        h = np.maximum(layer(h), 0)
    assert np.array_equal(low.readout(h) > 0.5, simulate(circuit, x.astype(bool)))
    plain = lower(circuit, identity, build)
    assert len(plain.layers) == 2 and plain.level_layers == [0, 1, 2]
