"""The exact construction with signed monomials (lowering/exact.py, build_exact_gates): exact on
every input, one ReLU for a & ~b, and never wider than one ReLU per plain monomial."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from circuitc.lowering.construction import LevelSpec
from circuitc.lowering.exact import build_exact_gates
from circuitc.passes.monomials import moebius
from circuitc.simulate import all_inputs


def spec_of(tables: list[tuple[int, tuple[int, ...]]], n_wires: int) -> LevelSpec:
    """A level whose gate g is the boolean function tables[g] = (truth table, its wires)."""
    terms: dict[tuple[int, ...], dict[int, int]] = {}
    p0 = np.zeros(len(tables), dtype=np.float32)
    for g, (table, wires) in enumerate(tables):
        for mask, c in enumerate(moebius(table, len(wires))):
            mono = tuple(sorted(w for i, w in enumerate(wires) if mask >> i & 1))
            if c and mono:
                terms.setdefault(mono, {})[g] = c
            elif c:
                p0[g] += c
    monomials = sorted(terms, key=lambda m: (len(m), m))
    P = sp.lil_array((len(monomials), len(tables)), dtype=np.float32)
    for i, m in enumerate(monomials):
        for g, c in terms[m].items():
            P[i, g] = c
    return LevelSpec(1, n_wires, monomials, sp.csr_array(P), p0)


def gates_of(layer, w):
    return np.maximum(w @ layer.W + layer.b, 0) @ layer.R + layer.r


def test_signed_layers_are_exact_on_every_input():
    rng = np.random.default_rng(0)
    w = all_inputs(7).astype(np.float32)
    for _ in range(30):
        tables = []
        for _ in range(int(rng.integers(1, 12))):
            k = int(rng.integers(1, 5))
            wires = tuple(int(v) for v in rng.choice(7, size=k, replace=False))
            tables.append((int(rng.integers(0, 1 << (1 << k))), wires))
        spec = spec_of(tables, 7)
        layer = build_exact_gates(spec)
        want = np.stack([[t >> sum(int(row[v]) << i for i, v in enumerate(wires)) & 1
                          for t, wires in tables] for row in w.astype(int)])
        assert np.array_equal(gates_of(layer, w), want)
        assert layer.width <= len(spec.monomials)


def test_and_not_and_nor_are_one_relu_each():
    w = all_inputs(3).astype(np.float32)
    # a & ~b (a - ab), ~a & ~b & ~c (NOR: 7 plain monomials), a & ~b & c
    spec = spec_of([(0b0010, (0, 1)), (0b00000001, (0, 1, 2)), (0b00100000, (0, 1, 2))], 3)
    layer = build_exact_gates(spec)
    assert layer.width == 3 and layer.info["signed"] and layer.info["plain_width"] > 3
    assert np.array_equal(gates_of(layer, w)[:, 0], w[:, 0] * (1 - w[:, 1]))


def test_plain_monomials_stay_when_signing_does_not_help():
    spec = spec_of([(0b1000, (0, 1)), (0b0110, (0, 1))], 2)  # ab and a ^ b = a + b - 2ab
    layer = build_exact_gates(spec)
    assert layer.width == 3 and "signed" not in layer.info
