"""Shared test helpers: random circuits and a naive per-sample evaluator (the simulator's oracle)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from circuitc import keys as K
from circuitc.graph import Circuit

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "circuits"
# ../shared beside the repository; CIRCUITC_SHARED points elsewhere (a git worktree, say)
SHARED = Path(os.environ.get("CIRCUITC_SHARED") or REPO.parent / "shared")

_ARITY = {K.OP_NOT: (1, 1), K.OP_BUF: (1, 1), K.OP_MUX: (3, 3), K.OP_MAJ: (3, 3)}


def random_circuit(seed: int, n_inputs: int = 6, n_gates: int = 30, n_outputs: int = 4,
                   max_fanin: int = 4, constants: bool = True) -> Circuit:
    """A random DAG using every op, with constants and outputs that may be inputs."""
    rng = np.random.default_rng(seed)
    c = Circuit(f"random{seed}")
    nodes = c.add_input_vector("x", n_inputs)
    if constants:
        nodes += [c.const(0), c.const(1)]
    for _ in range(n_gates):
        op = K.BASIC_GATE_OPS[rng.integers(len(K.BASIC_GATE_OPS))]
        lo, hi = _ARITY.get(op, (1, max_fanin))
        if op == K.OP_MAJ:
            lo = hi = int(rng.choice([3, 5]))
        k = int(rng.integers(lo, hi + 1))
        operands = [nodes[i] for i in rng.integers(len(nodes), size=k)]
        nodes.append(c.add_gate(op, operands))
    picks = rng.choice(len(nodes), size=n_outputs, replace=True)
    c.add_output_vector("y", [nodes[i] for i in picks])
    return c


def naive_eval(circuit: Circuit, x_row: np.ndarray) -> list[bool]:
    """Evaluate one sample with plain Python, gate by gate (no packing, no grouping)."""
    value: dict[str, bool] = dict(zip(circuit.inputs, map(bool, x_row)))
    for node in circuit.topological_order():
        op = circuit.op(node)
        v = [value[o] for o in circuit.operands(node)]
        if op == K.OP_INPUT:
            continue
        value[node] = {
            K.OP_CONST0: lambda: False, K.OP_CONST1: lambda: True,
            K.OP_AND: lambda: all(v), K.OP_OR: lambda: any(v), K.OP_XOR: lambda: sum(v) % 2 == 1,
            K.OP_NAND: lambda: not all(v), K.OP_NOR: lambda: not any(v),
            K.OP_XNOR: lambda: sum(v) % 2 == 0, K.OP_NOT: lambda: not v[0],
            K.OP_BUF: lambda: v[0], K.OP_OUTPUT: lambda: v[0],
            K.OP_MAJ: lambda: sum(v) > len(v) / 2, K.OP_MUX: lambda: v[1] if v[0] else v[2],
        }[op]()
    return [value[o] for o in circuit.outputs]


@pytest.fixture
def shared_circuits() -> Path:
    path = SHARED / "circuits"
    if not path.is_dir():
        pytest.skip("../shared not present (benchmark circuits live beside the repository)")
    return path
