"""The exact construction: one ReLU per monomial.

A monomial of degree k over 0/1 wires is the AND of its k factors, and on boolean inputs

    AND(w_1..w_k) = relu(w_1 + ... + w_k - (k - 1))

exactly: the sum is k only when every factor is 1, and at most k - 1 otherwise. A degree-1
monomial is relu(w) = w. So with one neuron per monomial,

    W = incidence [n_wires, n_monomials],  b_m = -(deg(m) - 1),  A = I,  a0 = 0,

and the layer's monomials are exact (zero error, not merely small) on every boolean input. The
width is the number of distinct monomials the next level needs, which the monomial pass keeps
below one per gate when gates share monomials. This is the baseline of every other construction
and the oracle of their tests.

`build_exact_gates` (what the planner uses) goes one step further: a neuron may also read wires
negatively, relu(sum_pos w - sum_neg w - (|pos| - 1)) = prod_pos w prod_neg (1 - w), so a gate
such as a & ~b = a - ab costs one ReLU instead of two; it keeps the plain monomials when those
are fewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from circuitc.lowering.construction import (GateLayer, LevelLayer, LevelSpec, Monomial,
                                            monomial_incidence, via_monomials)
from circuitc.lowering.terms import cheapest_terms, signed_moebius


SIGNED_MAX_VARIABLES = 8  # build_exact_gates tries all 2^n complement sets of a gate's n wires


def build_exact(monomials: Sequence[Monomial], n_wires: int) -> LevelLayer:
    """One neuron per monomial; see the module docstring for the maths."""
    degree = np.array([len(m) for m in monomials], dtype=np.float32)
    n = len(monomials)
    return LevelLayer(
        W=monomial_incidence(monomials, n_wires),
        b=1.0 - degree,
        A=sp.eye_array(n, dtype=np.float32, format="csr"),
        a0=np.zeros(n, dtype=np.float32),
        info={"construction": "exact", "width": n},
    )


def build_exact_gates(spec: LevelSpec) -> GateLayer:
    """The exact layer with cubes (products of literals), one ReLU each, when that takes fewer
    ReLUs than one per monomial (else `build_exact` read off through the monomials).

    A cube over 0/1 wires is a product of wires and complemented wires, and

        prod_pos w_i prod_neg (1 - w_j) = relu(sum_pos w_i - sum_neg w_j - (|pos| - 1))

    exactly: the sum reaches |pos| only when every pos wire is 1 and every neg wire 0, and is at
    most |pos| - 1 otherwise (|pos| = 0 included: relu(1 - sum_neg w_j) is their NOR). So
    a & ~b = a - ab is one ReLU, relu(a - b), where plain monomials need two (a and ab), and
    a ^ b = a~b + ~ab two, relu(a - b) + relu(b - a), where they need three.
    Each gate's polynomial (a column of P, plus p0) is rewritten from its truth table in the
    cheapest of the forms of `terms.cheapest_terms` (signed monomials under the best complement
    set, or disjoint cubes of its on- or off-set), a sum of cubes with coefficients whose
    constant joins the read-off bias; the level's gates share equal cubes. Gates over more than
    SIGNED_MAX_VARIABLES wires keep their plain monomials.
    """
    P = sp.csc_array(spec.P)
    neurons: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
    rows, cols, vals = [], [], []
    r = np.asarray(spec.p0, dtype=np.float64).copy()
    for g in range(spec.n_gates):
        lo, hi = P.indptr[g], P.indptr[g + 1]
        terms = [(spec.monomials[m], int(round(float(c)))) for m, c in
                 zip(P.indices[lo:hi], P.data[lo:hi])]
        variables = sorted({w for mono, _ in terms for w in mono})
        if len(variables) > SIGNED_MAX_VARIABLES:
            signed = [(sum(1 << variables.index(w) for w in mono), 0, c) for mono, c in terms]
            constant = 0
        else:
            local = {w: i for i, w in enumerate(variables)}
            key = tuple(sorted((sum(1 << local[w] for w in mono), c) for mono, c in terms))
            signed, constant = _signed_terms(key, len(variables))
        r[g] += constant
        for pos, neg, c in signed:
            literal = (tuple(variables[i] for i in range(len(variables)) if pos >> i & 1),
                       tuple(variables[i] for i in range(len(variables)) if neg >> i & 1))
            rows.append(neurons.setdefault(literal, len(neurons)))
            cols.append(g)
            vals.append(c)
    if len(neurons) >= len(spec.monomials):
        return via_monomials(build_exact(spec.monomials, spec.n_wires), spec)
    literals = list(neurons)
    w_rows = [w for pos, neg in literals for w in pos + neg]
    w_cols = [j for j, (pos, neg) in enumerate(literals) for _ in pos + neg]
    w_vals = [v for pos, neg in literals for v in [1.0] * len(pos) + [-1.0] * len(neg)]
    n = len(literals)
    return GateLayer(
        W=sp.csr_array((np.array(w_vals, dtype=np.float32), (w_rows, w_cols)),
                       shape=(spec.n_wires, n), dtype=np.float32),
        b=np.array([1.0 - len(pos) for pos, _ in literals], dtype=np.float32),
        R=sp.csr_array((np.array(vals, dtype=np.float32), (rows, cols)),
                       shape=(n, spec.n_gates), dtype=np.float32),
        r=r.astype(np.float32),
        info={"construction": "exact", "width": n, "signed": True,
              "plain_width": len(spec.monomials)},
    )


@lru_cache(maxsize=65536)
def _signed_terms(key: tuple[tuple[int, int], ...], n: int) -> tuple[list, int]:
    """(pos mask, neg mask, coefficient) terms of degree >= 1 and the constant of the cheapest
    form (`terms.cheapest_terms`) of sum c * prod(mask), a boolean gate less its constant."""
    f = np.zeros(1 << n, dtype=np.int64)
    for mask, c in key:
        f[mask] += c
    for i in range(n):  # zeta transform: coefficients -> the truth table
        f = f.reshape(-1, 2, 1 << i)
        f[:, 1, :] += f[:, 0, :]
        f = f.reshape(-1)
    # f is the gate less its constant (p0, not in the key): two values, lo and lo + 1
    lo = int(f.min())
    if f.max() > lo + 1:  # not a boolean gate's polynomial: signed monomials of the integer table
        best, coefs = signed_moebius(f)
        return [(S & ~best, S & best, int(coefs[S])) for S in range(1, 1 << n) if coefs[S]], \
            int(coefs[0])
    terms, constant = cheapest_terms(sum(1 << int(r) for r in np.flatnonzero(f - lo)), n)
    return list(terms), constant + lo
