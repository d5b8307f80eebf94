"""monomials: give every gate its multilinear polynomial (keys.POLY) over its operands.

Every boolean function is a unique multilinear polynomial in its inputs, the Moebius transform
of its truth table (AND = ab, OR = a + b - ab, XOR = a + b - 2ab, MUX(s,a,b) = b + sa - sb). A
layer that linearly represents the monomials a level needs therefore represents every gate of
that level through an affine read-off; the backends build one neuron per distinct monomial.

The truth table of each (op, operand pattern) comes from the exact simulator on a one-gate
circuit, so the polynomials can never disagree with `circuitc.simulate` about what an op means.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from circuitc import keys as K
from circuitc.errors import CircuitError, Diagnostic
from circuitc.graph import Circuit
from circuitc.passes._rewrite import writable
from circuitc.simulate import truth_table

MAX_VARIABLES = 12  # 2^12 truth-table rows; wider gates (but AND/NAND) must go through fanin


def monomials(circuit: Circuit) -> tuple[Circuit, dict]:
    """Return a copy of `circuit` with keys.POLY set on every gate, and a report.

    POLY is a list of [coef, [operand ids]]: the gate's value as a polynomial in its distinct
    non-constant operands (a duplicated operand collapses, x*x = x; constant operands are
    substituted, so POLYs never mention constants), integer coefficients, zero terms dropped,
    [] the constant term, terms sorted by (degree, ids), ids sorted within a term.
    A LUT's POLY is the Moebius transform of its TRUTH table over its operands (distinct
    inputs or gates, lutmap's contract). Other gates with more than MAX_VARIABLES distinct
    operands are refused (except AND/NAND, whose
    polynomial is one monomial): CircuitError naming all of them, to be fixed by running fanin.
    Report per level (longest-path levels, 1 = first gate level): distinct monomials by degree
    (degree >= 1; the constant term is a read-off bias, not a neuron) and how many of them are
    used by more than one gate of the level.
    """
    new = writable(circuit)
    too_wide = []
    nodes = new.graph._node
    order = new.topological_order()
    for gate in new.gates(order):
        data = nodes[gate]
        if data[K.OP] == K.OP_LUT:
            data[K.POLY] = lut_poly(data[K.TRUTH], data[K.OPERANDS])
            continue
        poly = gate_poly(data[K.OP], data[K.OPERANDS],
                         {n: nodes[n][K.OP] for n in data[K.OPERANDS]})
        if poly is None:
            too_wide.append(gate)
        else:
            data[K.POLY] = poly
    if too_wide:
        raise CircuitError([Diagnostic(
            f"gate '{g}' ({new.op(g)}) has {len(set(new.operands(g)))} operands; its polynomial "
            f"would need up to 2^{len(set(new.operands(g)))} terms: run fanin first "
            f"(at most {MAX_VARIABLES} here)", new.name) for g in too_wide])
    return new, {"levels": level_monomials(new, new.levels(order))}


def gate_poly(op: str, operands: Sequence[str], op_of: dict[str, str]) -> list | None:
    """The POLY of one gate (see `monomials`), or None when it has too many variables."""
    variables = sorted({o for o in operands if op_of[o] not in K.CONST_OPS})
    index = {v: i for i, v in enumerate(variables)}
    pattern = tuple(index[o] if o in index else -1 - (op_of[o] == K.OP_CONST1) for o in operands)
    if op in (K.OP_AND, K.OP_NAND) and len(variables) > MAX_VARIABLES:
        zero = -1 in pattern
        negated = op == K.OP_NAND
        terms = [] if zero else [[-1 if negated else 1, variables]]
        return ([[1, []]] if negated else []) + terms
    if len(variables) > MAX_VARIABLES:
        return None
    coefs = _moebius(op, pattern, len(variables))
    terms = [(bin(mask).count("1"), [variables[i] for i in range(len(variables)) if mask >> i & 1],
              int(c)) for mask, c in enumerate(coefs) if c]
    return [[c, ids] for _, ids, c in sorted(terms, key=lambda t: (t[0], t[1]))]


def lut_poly(truth: str, operands: Sequence[str]) -> list:
    """The POLY of a LUT gate over its (distinct) operands, in `monomials`' term order."""
    order = tuple(sorted(range(len(operands)), key=operands.__getitem__))
    return [[c, [operands[i] for i in positions]]
            for c, positions in _lut_terms(truth, len(operands), order)]


@lru_cache(maxsize=1 << 16)
def _lut_terms(truth: str, n: int, order: tuple[int, ...]) -> tuple:
    """lut_poly's terms as (coef, operand positions) for operands whose sorted order is
    `order`: the transform depends only on the table, and the term order only on how the
    operand names compare, so a circuit's 100k LUTs share a few hundred of these."""
    rank = {position: r for r, position in enumerate(order)}
    terms = []
    for mask, c in enumerate(moebius(int(truth, 16), n)):
        if c:
            positions = sorted((i for i in range(n) if mask >> i & 1), key=rank.__getitem__)
            terms.append((len(positions), [rank[i] for i in positions], c, tuple(positions)))
    terms.sort(key=lambda t: (t[0], t[1]))
    return tuple((c, positions) for _, _, c, positions in terms)


def moebius(table: int, n_vars: int) -> list[int]:
    """Coefficients by bitmask of variables of the truth table `table` (bit r = the value when
    variable i is bit i of r): c[S] = sum over T <= S of (-1)^|S-T| f(T)."""
    c = [(table >> r) & 1 for r in range(1 << n_vars)]
    for i in range(n_vars):
        step = 1 << i
        for base in range(0, 1 << n_vars, 2 * step):
            for r in range(base + step, base + 2 * step):
                c[r] -= c[r - step]
    return c


@lru_cache(maxsize=4096)
def _moebius(op: str, pattern: tuple[int, ...], n_vars: int) -> tuple[int, ...]:
    """Coefficients by bitmask of variables: c[S] = sum over T <= S of (-1)^|S-T| f(T)."""
    probe = Circuit("gate")
    xs = [probe.add_input(f"v{i}") for i in range(n_vars)]
    operands = [xs[p] if p >= 0 else probe.const(1 if p == -2 else 0) for p in pattern]
    probe.add_output("y", probe.add_gate(op, operands))
    _, y = truth_table(probe, max_inputs=MAX_VARIABLES)
    c = y[:, 0].astype(np.int64)  # row r sets variable i to bit i of r
    for i in range(n_vars):
        step = 1 << i
        c = c.reshape(-1, 2, step)
        c[:, 1, :] -= c[:, 0, :]
        c = c.reshape(-1)
    return tuple(int(v) for v in c)


def level_monomials(circuit: Circuit, levels: Sequence[Sequence[str]]) -> list[dict]:
    """Per level (levels[i] = the nodes of level i + 1): {"level", "gates", "monomials" (degree
    as a string -> distinct count), "shared" (monomials in more than one node's POLY)}."""
    rows = []
    data = circuit.graph._node
    for i, nodes in enumerate(levels):
        users: Counter[tuple[str, ...]] = Counter()
        for node in nodes:
            poly = data[node].get(K.POLY)
            if poly:
                users.update({tuple(ids) for _, ids in poly if ids})
        by_degree = Counter(len(m) for m in users)
        rows.append({
            "level": i + 1, "gates": len(nodes),
            "monomials": {str(d): by_degree[d] for d in sorted(by_degree)},
            "shared": sum(1 for n in users.values() if n > 1),
        })
    return rows
