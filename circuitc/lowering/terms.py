"""How one gate becomes ReLUs in an exact layer: a sum of products of literals, one ReLU each.

A product of literals over 0/1 wires (a *cube*: the wires of `pos`, the complemented wires of
`neg`) is one ReLU, exactly on boolean inputs:

    prod_pos w_i prod_neg (1 - w_j) = relu(sum_pos w_i - sum_neg w_j - (|pos| - 1))

(the sum reaches |pos| only when every pos wire is 1 and every neg wire 0, and is at most
|pos| - 1 otherwise). A gate f is written f = c0 + sum_i c_i cube_i, one neuron per distinct
cube of a level (the level's gates share them), and `cheapest_terms` finds a form with few
cubes from f's truth table, the cheapest of three:

1. **Signed monomials** (`signed_moebius`): the multilinear polynomial after complementing a set
   N of the variables, w_j -> 1 - w_j for j in N, the N with the fewest terms: a & ~b is
   relu(a - b), one term where the plain polynomial a - ab has two; the NOR of k wires one
   term, relu(1 - sum), where the plain one has 2^k - 1.
2. **Disjoint cubes of the on-set**: f = sum of the cubes of the paths to 1 of f's binary
   decision diagram (the Shannon expansion f = ~x f|x=0 + x f|x=1 applied down a variable
   order, a cofactor that does not depend on x not split on it). The cubes are disjoint, so
   their sum is f, coefficients 1: XOR = a~b + ~ab, two ReLUs (relu(a - b) + relu(b - a))
   where every polynomial form has three; a parity of k inputs 2^(k-1) against 2^k - 1.
3. **Disjoint cubes of the off-set**: f = 1 - sum of the cubes of ~f (XNOR: two).

The decision diagrams are tried in the orders that split on each variable first (the rest
ascending), plus every order for n <= 4 variables. Terms are (pos mask, neg mask, coefficient)
over the gate's own variables (bit i = variable i; row r of a table = variables at the bits of
r), constant separately; degree >= 1 always (an empty cube is the constant).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import permutations

import numpy as np

Term = tuple[int, int, int]  # (pos mask, neg mask, coefficient)


def signed_moebius(table: np.ndarray) -> tuple[int, np.ndarray]:
    """The signed polynomial of a truth table with the fewest terms: (N, c).

    `table` holds the 2^n values (integers; row r = the value when variable i is bit i of r).
    Substituting w_j -> 1 - w_j for the variables j in a complement set N flips the table's rows
    by N, and the Moebius transform of the flipped table gives the coefficients c[S] of the
    products of literals prod_{i in S-N} w_i prod_{j in S&N} (1 - w_j). Every N is tried (2^n of
    them, at once); the one with the fewest terms of degree >= 1 wins, ties broken by fewest
    complemented variables, then the smallest N.
    """
    size = len(table)
    flips = np.arange(size)
    c = np.asarray(table, dtype=np.int64)[flips[:, None] ^ flips[None, :]]  # row N: flipped by N
    for i in range(size.bit_length() - 1):  # Moebius transform of every row at once
        c = c.reshape(size, -1, 2, 1 << i)
        c[:, :, 1, :] -= c[:, :, 0, :]
    c = c.reshape(size, size)
    count = np.count_nonzero(c[:, 1:], axis=1)
    ones = np.array([N.bit_count() for N in range(size)])
    best = int(np.lexsort((flips, ones, count))[0])
    return best, c[best]


@lru_cache(maxsize=65536)
def cheapest_terms(table: int, n: int) -> tuple[tuple[Term, ...], int]:
    """(terms, constant) of the cheapest form of the boolean function with truth table `table`
    (an integer, bit r = the value at row r) over n variables; see the module docstring.
    Ties go to the signed monomials, then the on-set cubes."""
    size = 1 << n
    rows = np.frombuffer(table.to_bytes(max(size // 8, 1), "little"), np.uint8)
    values = np.unpackbits(rows, bitorder="little")[:size].astype(np.int64)
    best, coefs = signed_moebius(values)
    signed = tuple((S & ~best, S & best, int(coefs[S])) for S in range(1, size) if coefs[S])
    forms = [(signed, int(coefs[0]))]
    on, off = _disjoint_cubes(values, n), _disjoint_cubes(1 - values, n)
    if on is not None:
        forms.append((tuple((pos, neg, 1) for pos, neg in on), 0))
    if off is not None:
        forms.append((tuple((pos, neg, -1) for pos, neg in off), 1))
    return min(forms, key=lambda form: len(form[0]))


@lru_cache(maxsize=1 << 18)
def neurons(table: int, n: int) -> int:
    """The ReLUs of a gate with this truth table over n variables in the cheapest form: the
    length of `cheapest_terms(table, n)[0]`, counted without building the terms (the LUT mapper
    asks this of every cut it weighs: hundreds of thousands of tables on a large circuit)."""
    size = 1 << n
    rows = np.frombuffer(table.to_bytes(max(size // 8, 1), "little"), np.uint8)
    values = np.unpackbits(rows, bitorder="little")[:size].astype(np.int64)
    best, coefs = signed_moebius(values)
    counts = [int(np.count_nonzero(coefs[1:]))]
    if values.any() and not values.all():
        counts += _count_cubes(values, n)
    return min(counts)


def _disjoint_cubes(values: np.ndarray, n: int) -> list[tuple[int, int]] | None:
    """The fewest cubes over the tried variable orders of a disjoint cover of the on-set of the
    truth table `values` (0/1 by row), as (pos mask, neg mask); None for a constant function
    (no cube of degree >= 1)."""
    if not values.any() or values.all():
        return None
    best = None
    for order in _orders(n):
        # the table with variable order[j] at bit n - 1 - j of the row (the first split on top)
        moved = np.packbits(values[_rows(n, order)].astype(np.uint8), bitorder="little")
        cubes = _paths(int.from_bytes(moved.tobytes(), "little"), n, 0, 0, order)
        if best is None or len(cubes) < len(best):
            best = cubes
    return best


def _count_cubes(values: np.ndarray, n: int) -> tuple[int, int]:
    """(len(_disjoint_cubes(values, n)), len(_disjoint_cubes(1 - values, n))) for a
    non-constant table: the paths to 1 of each decision diagram counted bottom-up over the
    table's aligned blocks (a block of 2^j rows is a cofactor on the top n - j variables), every
    tried order and both polarities at once, instead of listing the paths."""
    tables = values[np.array(_orders_rows(n))]  # [orders, rows], each order's first split on top
    tables = np.concatenate([tables, 1 - tables])  # on-set, then off-set
    count = tables.astype(np.int64)
    for j in range(1, n + 1):
        blocks = tables.reshape(len(tables), -1, 2, 1 << (j - 1))
        same = (blocks[:, :, 0, :] == blocks[:, :, 1, :]).all(axis=-1)  # v not split on
        full = blocks.all(axis=(-2, -1))
        halves = count.reshape(len(tables), -1, 2)
        count = np.where(full, 1, np.where(same, halves[:, :, 0], halves.sum(axis=-1)))
    count = count[:, 0].reshape(2, -1)
    return int(count[0].min()), int(count[1].min())


@lru_cache(maxsize=None)
def _orders(n: int) -> tuple[tuple[int, ...], ...]:
    """The variable orders the decision diagrams are tried in (see the module docstring)."""
    if n <= 4:
        return tuple(permutations(range(n)))
    return tuple(tuple([v] + [u for u in range(n) if u != v]) for v in range(n))


@lru_cache(maxsize=None)
def _orders_rows(n: int) -> tuple[np.ndarray, ...]:
    return tuple(_rows(n, order) for order in _orders(n))


@lru_cache(maxsize=None)
def _rows(n: int, order: tuple[int, ...]) -> np.ndarray:
    """For each row q of the reordered table, the row of the original table it reads."""
    q = np.arange(1 << n)
    r = np.zeros_like(q)
    for j, v in enumerate(order):
        r |= (q >> (n - 1 - j) & 1) << v
    return r


def _paths(table: int, m: int, pos: int, neg: int, order) -> list[tuple[int, int]]:
    """Cubes of the paths to 1, splitting on the top variable of an m-variable table (order[n-m]
    of the original variables); pos/neg: the literals fixed so far."""
    if table == 0:
        return []
    half = 1 << (m - 1) if m else 0
    if m == 0 or table == (1 << (1 << m)) - 1:
        return [(pos, neg)]
    low, high = table & ((1 << half) - 1), table >> half
    v = order[len(order) - m]
    if low == high:  # does not depend on v
        return _paths(low, m - 1, pos, neg, order)
    return (_paths(low, m - 1, pos, neg | 1 << v, order)
            + _paths(high, m - 1, pos | 1 << v, neg, order))
