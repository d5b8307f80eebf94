"""Arithmetic on bit vectors -> gates: adders, subtractors, comparators, shifts, tables.

Every function takes a `Logic` (gate constructors that fold constants, so `a + 1` becomes an
incrementer and `a == 5` an AND of literals) and vectors as lists of node ids, LSB first.

**Adders.** With g_i = a_i & b_i (generate) and p_i = a_i ^ b_i (propagate), the carry into bit
i is the group generate of bits i-1 .. 0 and the carry-in: c_i = G[i-1:-1], where the group
operator on (G, P) pairs, high o low = (G_hi | P_hi & G_lo, P_hi & P_lo), is associative. The carry
in is the pair (cin, 0) at position -1. The sum is s_i = a_i ^ b_i ^ c_i (one 3-input xor). How the
prefixes G[i:-1] are computed is the adder's *style*:

- ``sklansky`` (the default): a divide-and-conquer parallel prefix. Level d combines every
  position whose bit d is set with the last position of the block below it; ceil(log2(n+1))
  levels of one AND and one OR each, (n/2) log2 n operator cells. Depth 2 log2 n + 1, which
  matters here because network depth is circuit depth. Fan-out is high, which costs nothing in a
  ReLU network (one weight per use).
- ``kogge_stone``: level d combines position i with i - 2^d, same depth, n log2 n cells.
- ``ripple``: full adders in a chain, c_{i+1} = maj(a_i, b_i, c_i): n maj gates, depth about
  n, the fewest gates.

**Subtraction** is a - b = a + ~b + 1 (the carry out is 1 exactly when a >= b, so the borrow is
its complement). **Comparison**: a >= b is the carry out of a + ~b + 1, and a > b the carry out of
a + ~b + 0: only the group generate of all positions is needed, computed by a balanced tree of the
group operator (the same depth, about n cells) or, in the ripple style, a chain of maj
gates. a == b is AND(xnor(a_i, b_i)), a != b is OR(xor(a_i, b_i)).

**Shifts** by a constant are wiring: bits move, zeros come in. **Tables** (a selector to
constants) decode each listed selector value whose entry differs from the default with one AND
of the selector's literals; output bit b is the OR of the decoded values whose entry has bit b
set, or, when the default has bit b set, the NOR of those whose entry has it clear. Depth 3
(NOT, AND, OR or NOR) at any size.

Gates a use does not need (the sum bits behind a lone carry) are left to the netlist, which does
not emit anonymous gates that reach nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from circuitc import keys as K

STYLES = ("sklansky", "kogge_stone", "ripple")
DEFAULT_STYLE = "sklansky"


class Logic:
    """Gate constructors over node ids that fold the constants 0 and 1 away."""

    def __init__(self, gate: Callable[[str, list[str]], str], const: Callable[[int], str]):
        self._gate = gate
        self.zero, self.one = const(0), const(1)
        self._not: dict[str, str] = {}

    def const(self, value: int) -> str:
        return self.one if value else self.zero

    def not_(self, x: str) -> str:
        if x == self.zero or x == self.one:
            return self.one if x == self.zero else self.zero
        if x not in self._not:  # one inverter per node, shared by every use
            self._not[x] = self._gate(K.OP_NOT, [x])
            self._not[self._not[x]] = x
        return self._not[x]

    def and_(self, xs: list[str]) -> str:
        if self.zero in xs:
            return self.zero
        xs = [x for x in xs if x != self.one]
        return self.one if not xs else xs[0] if len(xs) == 1 else self._gate(K.OP_AND, xs)

    def or_(self, xs: list[str]) -> str:
        if self.one in xs:
            return self.one
        xs = [x for x in xs if x != self.zero]
        return self.zero if not xs else xs[0] if len(xs) == 1 else self._gate(K.OP_OR, xs)

    def nor_(self, xs: list[str]) -> str:
        if self.one in xs:
            return self.zero
        xs = [x for x in xs if x != self.zero]
        if len(xs) <= 1:
            return self.not_(xs[0]) if xs else self.one
        return self._gate(K.OP_NOR, xs)

    def xor_(self, xs: list[str]) -> str:
        flip = xs.count(self.one) % 2
        xs = [x for x in xs if x != self.zero and x != self.one]
        if not xs:
            return self.const(flip)
        if len(xs) == 1:
            return self.not_(xs[0]) if flip else xs[0]
        return self._gate(K.OP_XNOR if flip else K.OP_XOR, xs)

    def xnor_(self, xs: list[str]) -> str:
        return self.xor_(xs + [self.one])

    def maj3(self, a: str, b: str, c: str) -> str:
        xs = [a, b, c]
        ones, zeros = xs.count(self.one), xs.count(self.zero)
        if ones >= 2 or zeros >= 2:
            return self.one if ones >= 2 else self.zero
        rest = [x for x in xs if x != self.zero and x != self.one]
        if ones and zeros:  # one 0 and one 1: the third decides
            return rest[0]
        if ones or zeros:
            return self.or_(rest) if ones else self.and_(rest)
        return self._gate(K.OP_MAJ, xs)


Pair = tuple[str, str]  # (group generate, group propagate)


def _combine(logic: Logic, hi: Pair, lo: Pair) -> Pair:
    """(G_hi | P_hi & G_lo, P_hi & P_lo): the group of two adjacent blocks."""
    return (logic.or_([hi[0], logic.and_([hi[1], lo[0]])]), logic.and_([hi[1], lo[1]]))


def prefixes(logic: Logic, items: list[Pair], style: str) -> list[Pair]:
    """All prefixes items[i] o ... o items[0], by the given style (see the module docstring)."""
    x = list(items)
    n = len(x)
    if style == "ripple":
        for i in range(1, n):
            x[i] = _combine(logic, x[i], x[i - 1])
        return x
    d = 0
    while (1 << d) < n:
        if style == "kogge_stone":
            old = list(x)
            for i in range(1 << d, n):
                x[i] = _combine(logic, old[i], old[i - (1 << d)])
        else:  # sklansky
            for i in range(n):
                if i & (1 << d):
                    x[i] = _combine(logic, x[i], x[((i >> d) << d) - 1])
        d += 1
    return x


def _total(logic: Logic, items: list[Pair]) -> Pair:
    """items[-1] o ... o items[0] by a balanced tree."""
    if len(items) == 1:
        return items[0]
    mid = len(items) // 2
    return _combine(logic, _total(logic, items[mid:]), _total(logic, items[:mid]))


def add(logic: Logic, a: list[str], b: list[str], cin: str, style: str) -> tuple[list[str], str]:
    """(a + b + cin mod 2^n, the carry out) for equal-width a and b and a one-bit cin."""
    n = len(a)
    if style == "ripple":
        carries = [cin]
        for i in range(n):
            carries.append(logic.maj3(a[i], b[i], carries[-1]))
    else:
        items = [(cin, logic.zero)] + [(logic.and_([a[i], b[i]]), logic.xor_([a[i], b[i]]))
                                       for i in range(n)]
        carries = [g for g, _ in prefixes(logic, items, style)]
    return [logic.xor_([a[i], b[i], carries[i]]) for i in range(n)], carries[n]


def sub(logic: Logic, a: list[str], b: list[str], style: str) -> tuple[list[str], str]:
    """(a - b mod 2^n, the borrow: 1 when a < b)."""
    diff, carry = add(logic, a, [logic.not_(x) for x in b], logic.one, style)
    return diff, logic.not_(carry)


def greater(logic: Logic, a: list[str], b: list[str], or_equal: bool, style: str) -> str:
    """a > b (or a >= b), unsigned: the carry out of a + ~b + or_equal."""
    nb = [logic.not_(x) for x in b]
    cin = logic.const(or_equal)
    if style == "ripple":
        carry = cin
        for x, y in zip(a, nb):
            carry = logic.maj3(x, y, carry)
        return carry
    items = [(cin, logic.zero)] + [(logic.and_([x, y]), logic.xor_([x, y])) for x, y in zip(a, nb)]
    return _total(logic, items)[0]


def equal(logic: Logic, a: list[str], b: list[str]) -> str:
    return logic.and_([logic.xnor_([x, y]) for x, y in zip(a, b)])


def shift_left(logic: Logic, a: list[str], k: int) -> list[str]:
    return ([logic.zero] * min(k, len(a)) + a)[:len(a)]


def shift_right(logic: Logic, a: list[str], k: int) -> list[str]:
    return (a[k:] + [logic.zero] * len(a))[:len(a)]


def table(logic: Logic, sel: list[str], entries: dict[int, int], default: int,
          width: int) -> list[str]:
    """Output bits of a table: `entries` maps selector values to values, others give default."""
    hit = {v: logic.and_([s if (v >> i) & 1 else logic.not_(s) for i, s in enumerate(sel)])
           for v in sorted(entries) if entries[v] != default}  # the others give the default
    out = []
    for bit in range(width):
        if (default >> bit) & 1:
            zeros = [hit[v] for v in hit if not (entries[v] >> bit) & 1]
            out.append(logic.nor_(zeros))
        else:
            out.append(logic.or_([hit[v] for v in hit if (entries[v] >> bit) & 1]))
    return out
