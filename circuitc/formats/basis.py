"""Rewrite a circuit's gates into the basis the standard formats know (no MAJ, no MUX).

Contract: `basic_gates(circuit, taken)` lists the circuit's gates in topological order as
(name, op, operands) with op in and/or/nand/nor/xor/xnor/not/buf. A MUX becomes
or(and(s, a), and(not s, b)); an n-input MAJ becomes a threshold network: after reading inputs
x_1..x_i, ge_j is "at least j of them are 1", ge_j <- ge_j | (x_i & ge_{j-1}), for j up to
n//2 + 1 (about n^2/2 two-input gates; no exponential sum of products). Each rewritten gate keeps
its name on its last step; helper steps get fresh names not in `taken` (which is extended).
"""

from __future__ import annotations

from circuitc import keys as K
from circuitc.graph import Circuit

Step = tuple[str, str, tuple[str, ...]]


def basic_gates(circuit: Circuit, taken: set[str]) -> list[Step]:
    """The circuit's gates, MUX and MAJ rewritten; see the module docstring."""
    steps: list[Step] = []

    def fresh(base: str) -> str:
        k = len(taken)
        while f"{base}_{k}" in taken:
            k += 1
        taken.add(f"{base}_{k}")
        return f"{base}_{k}"

    for node in circuit.gates():
        op, operands = circuit.op(node), circuit.operands(node)
        if op == K.OP_MUX:
            s, a, b = operands
            inv = fresh(f"{node}_ns")
            t1, t0 = fresh(f"{node}_s1"), fresh(f"{node}_s0")
            steps += [(inv, K.OP_NOT, (s,)), (t1, K.OP_AND, (s, a)), (t0, K.OP_AND, (inv, b)),
                      (node, K.OP_OR, (t1, t0))]
        elif op == K.OP_MAJ:
            steps += _majority(node, operands, fresh)
        else:
            steps.append((node, op, tuple(operands)))
    return steps


def _majority(node: str, operands: tuple[str, ...], fresh) -> list[Step]:
    need = len(operands) // 2 + 1
    steps: list[Step] = []
    ge: dict[int, str] = {}  # j -> signal "at least j of the inputs read so far are 1"
    for i, x in enumerate(operands):
        for j in range(min(i + 1, need), 0, -1):  # descending: use the old ge[j - 1]
            term = x
            if j > 1:
                term = fresh(f"{node}_t")
                steps.append((term, K.OP_AND, (x, ge[j - 1])))
            if j in ge:
                merged = fresh(f"{node}_g")
                steps.append((merged, K.OP_OR, (ge[j], term)))
                ge[j] = merged
            else:
                ge[j] = term
    result = ge[need]
    if steps and steps[-1][0] == result:
        steps[-1] = (node, steps[-1][1], steps[-1][2])
    else:
        steps.append((node, K.OP_BUF, (result,)))
    return steps
