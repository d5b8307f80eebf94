"""Rewrite a circuit's gates into the basis the standard formats know (no MAJ, no MUX).

Contract: `basic_gates(circuit, taken)` lists the circuit's gates in topological order as
(name, op, operands) with op in and/or/nand/nor/xor/xnor/not/buf. A LUT becomes the OR of
its minterms (or the NOR of its off-set's, when fewer), each an AND of literals; a MUX becomes
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
        elif op == K.OP_LUT:
            steps += _lut(node, operands, int(circuit.graph.nodes[node][K.TRUTH], 16), fresh)
        else:
            steps.append((node, op, tuple(operands)))
    return steps


def _lut(node: str, operands: tuple[str, ...], table: int, fresh) -> list[Step]:
    """A LUT as a sum of its minterms (or NOR of its off-set minterms, when fewer): one AND of
    literals per row; lutmap never leaves a constant LUT."""
    n = len(operands)
    ones = [r for r in range(1 << n) if table >> r & 1]
    zeros = [r for r in range(1 << n) if not table >> r & 1]
    rows, op = (ones, K.OP_OR) if len(ones) <= len(zeros) else (zeros, K.OP_NOR)
    steps: list[Step] = []
    negated: dict[int, str] = {}

    def literal(i: int, r: int) -> str:
        if r >> i & 1:
            return operands[i]
        if i not in negated:
            negated[i] = fresh(f"{node}_n")
            steps.append((negated[i], K.OP_NOT, (operands[i],)))
        return negated[i]

    terms = []
    for r in rows:
        lits = tuple(literal(i, r) for i in range(n))
        if n == 1:
            terms.append(lits[0])
        else:
            terms.append(fresh(f"{node}_m"))
            steps.append((terms[-1], K.OP_AND, lits))
    steps.append((node, op if len(terms) > 1 else
                  (K.OP_BUF if op == K.OP_OR else K.OP_NOT), tuple(terms)))
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
