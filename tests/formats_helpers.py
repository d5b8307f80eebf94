"""Shared helpers of the tests/test_formats_*.py files (not a test module)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.simulate import all_inputs, simulate
from conftest import SHARED  # noqa: F401  (re-exported to the format tests)

DATA = Path(__file__).resolve().parent / "data" / "formats"


def inputs_for(circuit: Circuit, n: int = 256, seed: int = 0) -> np.ndarray:
    """Every input vector when there are at most 12 inputs, else `n` seeded random ones."""
    if len(circuit.inputs) <= 12:
        return all_inputs(len(circuit.inputs))
    return np.random.default_rng(seed).random((n, len(circuit.inputs))) < 0.5


def same_function(a: Circuit, b: Circuit, n: int = 256, seed: int = 0) -> bool:
    """Same input and output counts and equal outputs on the same vectors."""
    if len(a.inputs) != len(b.inputs) or len(a.outputs) != len(b.outputs):
        return False
    x = inputs_for(a, n, seed)
    return bool((simulate(a, x) == simulate(b, x)).all())


def random_circuit(seed: int, n_inputs: int = 6, n_gates: int = 30) -> Circuit:
    """A seeded random circuit using every op (including MAJ/MUX and constants), a vector input
    port, odd names, outputs on inputs, constants and one signal twice."""
    rng = np.random.default_rng(seed)
    c = Circuit(f"rand{seed}")
    pool = c.add_input_vector("v", n_inputs - 2) + [c.add_input("22"), c.add_input("a.b")]
    pool += [c.const(0), c.const(1)]
    ops = [K.OP_AND, K.OP_OR, K.OP_XOR, K.OP_NAND, K.OP_NOR, K.OP_XNOR, K.OP_NOT, K.OP_BUF,
           K.OP_MAJ, K.OP_MUX]
    for i in range(n_gates):
        op = ops[i % len(ops)] if i < len(ops) else ops[int(rng.integers(len(ops)))]
        if op in (K.OP_NOT, K.OP_BUF):
            k = 1
        elif op == K.OP_MUX:
            k = 3
        elif op == K.OP_MAJ:
            k = int(rng.choice([3, 4, 5, 7]))
        else:
            k = int(rng.integers(1, 5))
        operands = [pool[int(j)] for j in rng.integers(0, len(pool), size=k)]
        pool.append(c.add_gate(op, operands, name=f"g{i}" if i % 3 else f"{i}"))
    gates = pool[-n_gates:]
    c.add_output_vector("z", gates[-3:])
    c.add_output("y", gates[-4])
    c.add_output("y.2", gates[-4])  # the same signal twice
    c.add_output("22", "22")  # an output named like (and driven by) an input
    c.add_output("k", c.const(1))
    c.add_output("g1", gates[-5])  # named like another gate
    return c
