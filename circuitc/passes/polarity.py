"""polarity: store mostly-on wires complemented, so that every level stays sparse.

Superposition needs few wires on per level, but NOT, NAND, NOR, XNOR (and OR of busy wires) are
1 on most inputs. A wire that is on in more than half of the samples is stored as 1 - its value:
the negation costs nothing, because it folds into the affine read-offs of the gates that read it
(x -> 1 - x' in their polynomials). After this pass every POLY computes its gate's *stored* value
from the *stored* values of its operands, which is what the backends lower.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

from circuitc import keys as K
from circuitc.distribution import sample
from circuitc.errors import CircuitError, Diagnostic
from circuitc.graph import Circuit
from circuitc.passes._rewrite import input_groups, ones_fraction, packed_chunks, writable

Poly = dict[tuple[str, ...], int]
_GATE_OPS = frozenset(K.GATE_OPS)


def polarity(
    circuit: Circuit,
    samples: int = 10_000,
    seed: int = 0,
    groups: Sequence[Mapping] | None = None,
    complement: bool = True,
) -> tuple[Circuit, dict]:
    """Return a copy of `circuit` with keys.ACTIVITY and keys.COMPLEMENTED on every input,
    constant and gate, and every POLY rewritten over stored values; and a report.

    Activity is measured by exact simulation of `samples` seeded samples of the input
    distribution (`groups`, default the circuit's declared one). A gate whose value is 1 in more
    than half of the samples is COMPLEMENTED (when `complement` is False nothing is, and only the
    activities are recorded); inputs and constants never are. ACTIVITY is the fraction of samples
    in which the stored value is 1. For a complemented operand x the POLY substitutes x -> 1 - x',
    for a complemented gate p -> 1 - p, and re-expands (same term order as `monomials`). Output
    nodes get nothing: an output's value is 1 - stored(driver) when its driver is complemented.
    Needs POLY on every gate (run monomials first; CircuitError otherwise).
    Report per level (longest-path levels, 0 = inputs): wires, mean active wires per sample and
    fraction of mostly-on wires, before (logical values) and after (stored values).
    """
    missing = [g for g in circuit.gates() if K.POLY not in circuit.graph.nodes[g]]
    if missing:
        raise CircuitError([Diagnostic(f"polarity needs POLY on every gate; '{g}' has none "
                                       "(run monomials first)", circuit.name) for g in missing[:5]])
    groups = input_groups(circuit, groups)
    new = writable(circuit)
    x = sample(new, samples, seed, groups)
    rows, ones = {}, 0.0
    for rows, values, n in packed_chunks(new, x):  # bounded memory on wide circuits
        ones = ones + ones_fraction(values, n) * n
    on = {node: float(ones[row]) / samples for node, row in rows.items()}

    order = new.topological_order()
    flipped = {g for g, data in new.graph._node.items()
               if complement and data[K.OP] in _GATE_OPS and on[g] > 0.5}
    for node, data in new.graph._node.items():
        if data[K.OP] == K.OP_OUTPUT:
            continue
        data[K.COMPLEMENTED] = node in flipped
        data[K.ACTIVITY] = float(1.0 - on[node] if node in flipped else on[node])
        if K.POLY in data and (node in flipped or not flipped.isdisjoint(data[K.OPERANDS])):
            data[K.POLY] = _stored(data[K.POLY], flipped, node in flipped)

    level = new.node_levels(order)
    by_level: dict[int, list[str]] = defaultdict(list)
    data_of = new.graph._node
    for node in order:
        op = data_of[node][K.OP]
        if op == K.OP_INPUT or op in _GATE_OPS:
            by_level[level[node]].append(node)
    table = []
    for lv in sorted(by_level):
        nodes = by_level[lv]
        before = np.array([on[n] for n in nodes])
        after = np.array([data_of[n][K.ACTIVITY] for n in nodes])
        table.append({
            "level": lv, "wires": len(nodes),
            "active_before": round(float(before.sum()), 4),
            "active_after": round(float(after.sum()), 4),
            "mostly_on_before": round(float((before > 0.5).mean()), 4),
            "mostly_on_after": round(float((after > 0.5).mean()), 4),
        })
    return new, {"samples": samples, "seed": seed, "complemented": len(flipped), "levels": table}


def _stored(poly: list, flipped: set[str], negate: bool) -> list:
    """to_list(stored_poly({ids: coef}, ...)) for a POLY in `monomials`' form (terms by
    (degree, ids), ids sorted): computed once per shape on the positions of the POLY's sorted
    variables, whose order is the names' order, so the terms come out in the same order."""
    names = sorted({v for _, ids in poly for v in ids})
    at = {v: i for i, v in enumerate(names)}
    shape = tuple((c, tuple(at[v] for v in ids)) for c, ids in poly)
    flips = frozenset(at[v] for v in names if v in flipped)
    return [[c, [names[i] for i in term]] for c, term in _stored_shape(shape, flips, negate)]


@lru_cache(maxsize=1 << 16)
def _stored_shape(shape: tuple, flips: frozenset[int], negate: bool) -> tuple:
    """`_stored` on variable positions: ((coef, positions), ...) in, the same form out."""
    return tuple((c, t) for c, t in to_list(stored_poly(dict((t, c) for c, t in shape),
                                                         flips, negate)))


def stored_poly(poly: Poly, flipped: set[str], negate: bool) -> Poly:
    """Substitute x -> 1 - x for every variable in `flipped`, then p -> 1 - p if `negate`."""
    for var in sorted({v for term in poly for v in term} & flipped):
        out: Poly = defaultdict(int)
        for term, c in poly.items():
            out[term] += c
            if var in term:  # c * x * m = c * m - c * x' * m
                out[term] -= 2 * c
                out[tuple(v for v in term if v != var)] += c
        poly = {t: c for t, c in out.items() if c}
    if negate:
        out = defaultdict(int, {t: -c for t, c in poly.items()})
        out[()] += 1
        poly = {t: c for t, c in out.items() if c}
    return poly


def to_list(poly: Poly) -> list:
    return [[c, list(t)] for t, c in sorted(poly.items(), key=lambda tc: (len(tc[0]), tc[0]))]
