"""fanin: bound every gate's polynomial degree by k, keeping its function exact and its depth minimal.

A degree-d monomial is one AND neuron reading d wires, and the superposed U-AND read-off needs
p^d * width neurons per monomial, so the backends want monomials of small degree (k = 2 by
default). What counts is the degree of the gate's polynomial, not its operand count: mux(s, a, b)
= b + sa - sb has degree 2 and stays one gate at k = 2, and constant operands count for nothing.
Wide and/or/xor gates become balanced k-ary trees (ceil(log_k n) levels, the fewest possible);
their negations keep the negation at the root only (nand = nand of and-trees), so no level is
added.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from circuitc import keys as K
from circuitc.errors import CircuitError
from circuitc.graph import Circuit
from circuitc.passes._rewrite import (add_node, consumable, rebuild, shell, unique_name,
                                      writable)

_GATE_OPS, _CONST_OPS = frozenset(K.GATE_OPS), frozenset(K.CONST_OPS)
_INNER_OPS = _GATE_OPS | _CONST_OPS  # the nodes rebuild adds itself, in topological order
_GATE_KEYS = {K.OP, K.OPERANDS, K.LOC}  # the attributes it copies
# root op -> the associative op of the subtrees under it
_INNER = {K.OP_AND: K.OP_AND, K.OP_NAND: K.OP_AND, K.OP_OR: K.OP_OR, K.OP_NOR: K.OP_OR,
          K.OP_XOR: K.OP_XOR, K.OP_XNOR: K.OP_XOR}


def fanin(circuit: Circuit, k: int = 2) -> tuple[Circuit, dict]:
    """Return an equivalent copy of `circuit` in which no gate's polynomial has degree above `k`
    (the degree is the number of distinct non-constant operands for and/or/xor/maj, and at most
    2 for mux).

    - and/or/xor with n > k operands: a balanced k-ary tree of the same op, ceil(log_k n) levels;
      nand/nor/xnor: the same tree with the negated op at the root.
    - maj with n > k operands: "at least t of n" (t = n//2 + 1) split recursively over halves of
      the operands, T(t, L+R) = OR_i T(i, L) & T(t-i, R), with T(1, S) = or(S) and
      T(|S|, S) = and(S); shared sub-thresholds are built once, and the and/or gates are then
      split into trees like any other.
    - mux of degree 3 or more cannot occur (its degree is at most 2); at k = 2 it stays.
    The root of a rewritten gate keeps the gate's id (and its consumers); the gates added get
    ids derived from it ("<gate>.<i>"). k must be at least 2 (CircuitError otherwise).
    Report: k, gates rewritten, gates added, max degree and depth before/after.
    A handed-over `circuit` is written into when nothing splits, else it loses its edges while
    it is rebuilt (`_rewrite.consumable`): either way it is not to be used afterwards.
    """
    if not isinstance(k, int) or k < 2:
        raise CircuitError(f"fan-in bound must be an integer of at least 2, got {k!r}")
    rewriter = _Rewriter(circuit, k)
    degree = _max_degree(rewriter, circuit)
    depth = circuit.depth
    if degree <= k and _as_rebuilt(circuit):
        # Nothing to split (an AIG at k = 2), and the rebuild would add the same nodes, edges
        # and attributes in the same order: the copy is that rebuild, without its per-gate work
        # (and its degree, depth and gates are the argument's).
        new = writable(circuit)
        degree_after, depth_after = degree, depth
    else:
        new = rewriter.run(consumable(circuit))
        degree_after, depth_after = _max_degree(rewriter, new), new.depth
    report = {
        "k": k,
        "rewritten": rewriter.rewritten,
        "gates_added": new.gate_count() - circuit.gate_count(),
        "max_degree_before": degree,
        "max_degree_after": degree_after,
        "depth_before": depth,
        "depth_after": depth_after,
    }
    return new, report


def _as_rebuilt(circuit: Circuit) -> bool:
    """Whether `_rewrite.rebuild` into `shell`, changing no gate, gives back this very graph:
    nodes in the order it adds them (the input ports' bits, constants and gates in topological
    order, the output ports' bits), constants and gates with no attributes but the op, operands
    and location it copies, and every node's successors and predecessors in the order its
    `add_node` makes them (consumers by insertion, operands in operand order)."""
    nodes, succ, pred = circuit.graph._node, circuit.graph._succ, circuit.graph._pred
    order = circuit.topological_order()
    inner = [n for n in order if nodes[n][K.OP] in _INNER_OPS]
    if list(nodes) != circuit.inputs + inner + circuit.outputs:
        return False
    if any(not nodes[n].keys() <= _GATE_KEYS for n in inner):
        return False
    if any(n != (K.CONST1_ID if nodes[n][K.OP] == K.OP_CONST1 else K.CONST0_ID)
           for n in inner if nodes[n][K.OP] in _CONST_OPS):  # rebuild names them so
        return False
    users: dict[str, list[str]] = {n: [] for n in nodes}
    for n, data in nodes.items():
        operands = list(dict.fromkeys(data[K.OPERANDS]))
        if list(pred[n]) != operands:
            return False
        for o in operands:
            users[o].append(n)
    return all(list(succ[n]) == users[n] for n in nodes)


def _max_degree(rewriter: "_Rewriter", circuit: Circuit) -> int:
    nodes = circuit.graph._node
    return max((rewriter.degree(d[K.OP], d[K.OPERANDS], circuit) for d in nodes.values()
                if d[K.OP] in _GATE_OPS), default=0)


class _Rewriter:
    def __init__(self, old: Circuit, k: int):
        self.old, self.k = old, k
        self.new = shell(old)
        self.rewritten = 0
        self.level: dict[str, int] = {}  # levels of the new circuit's gates (inputs: 0)

    def run(self, consume: bool = False) -> Circuit:
        def gate(node: str, op: str, xs: list[str], attrs: dict) -> str:
            self.attrs = attrs
            return self.gate(node, op, xs)

        rebuild(self.old, self.new, gate, consume)
        return self.new

    def add(self, name: str, op: str, operands: Sequence[str]) -> str:
        node = add_node(self.new, unique_name(self.new, name), op, operands, **self.attrs)
        level = self.level.get
        self.level[node] = 1 + max([level(o, 0) for o in operands], default=0)
        return node

    def gate(self, name: str, op: str, xs: list[str]) -> str:
        if self.degree(op, xs) <= self.k:
            return self.add(name, op, xs)
        self.rewritten += 1
        if op in _INNER:
            return self.tree(name, op, _INNER[op], xs)
        return self.majority(name, xs)

    def degree(self, op: str, xs: list[str], circuit: Circuit | None = None) -> int:
        """The degree of the gate's polynomial: its distinct non-constant operands, but for mux,
        b + s*a - s*b, whose degree is at most 2."""
        nodes = (circuit or self.new).graph._node
        variables = {x for x in xs if nodes[x][K.OP] not in _CONST_OPS}
        if op == K.OP_MUX:
            return min(len(variables), 2)
        return len(variables)

    def tree(self, name: str, root_op: str, inner_op: str, xs: Sequence[str]) -> str:
        """A k-ary tree of minimal depth given when each operand is ready: repeatedly combine the
        k earliest operands (Huffman on levels), so late operands (a ripple carry) sit next to
        the root. With every operand at one level this is a balanced tree of ceil(log_k n)
        levels. Ties break by operand position, so the result is deterministic."""
        if len(xs) <= self.k:
            return self.add(name, root_op, xs)
        ready = [(self.level.get(x, 0), i, x) for i, x in enumerate(xs)]
        heapq.heapify(ready)
        count = len(xs)
        # Combine only as many first as makes every later step take exactly k (the classic
        # k-ary Huffman fix-up): (n - 1) mod (k - 1) + 1 operands, when that is at least 2.
        first = (len(xs) - 2) % (self.k - 1) + 2
        take, inner = first, 0
        while len(ready) > self.k:
            group = [heapq.heappop(ready) for _ in range(take)]
            node = self.add(f"{name}.{inner}", inner_op, [g[2] for g in group])
            inner += 1
            heapq.heappush(ready, (self.level[node], count, node))
            count += 1
            take = self.k
        return self.add(name, root_op, [g[2] for g in sorted(ready, key=lambda g: g[1])])

    def majority(self, name: str, xs: list[str]) -> str:
        if len(xs) == 3 and self.k == 2:
            # maj(a, b, c) = (a ^ b) ? c : a, degree 2, with the latest operand c one level from
            # the root: a ripple-carry chain then costs one level per bit.
            a, b, c = sorted(xs, key=lambda x: self.level.get(x, 0))
            return self.add(name, K.OP_MUX, [self.add(f"{name}.x", K.OP_XOR, [a, b]), c, a])
        memo: dict[tuple[int, int, int], str | bool] = {}
        counter = [0]

        def fresh() -> str:
            counter[0] += 1
            return f"{name}.m{counter[0]}"

        def wide(op: str, parts: list[str], root: str | None = None) -> str:
            if len(parts) == 1 and root is None:
                return parts[0]
            if len(parts) == 1:  # the root must exist under its own id: a buffer, removed later
                return self.add(root, K.OP_BUF, parts)
            return self.tree(root or fresh(), op, op, parts)

        def at_least(t: int, lo: int, hi: int, root: str | None = None) -> str | bool:
            """A node that is 1 iff at least t of xs[lo:hi] are 1 (or True/False)."""
            n = hi - lo
            if t <= 0:
                return True
            if t > n:
                return False
            if (t, lo, hi) in memo and root is None:
                return memo[(t, lo, hi)]
            if t == 1:
                node = wide(K.OP_OR, xs[lo:hi], root)
            elif t == n:
                node = wide(K.OP_AND, xs[lo:hi], root)
            else:
                mid = (lo + hi) // 2
                terms = []
                for i in range(max(0, t - (hi - mid)), min(t, mid - lo) + 1):
                    left, right = at_least(i, lo, mid), at_least(t - i, mid, hi)
                    factors = [f for f in (left, right) if f is not True]
                    if left is False or right is False:
                        continue
                    terms.append(factors[0] if len(factors) == 1 else wide(K.OP_AND, factors))
                node = wide(K.OP_OR, terms, root)
            memo[(t, lo, hi)] = node
            return node

        result = at_least(len(xs) // 2 + 1, 0, len(xs), root=name)
        at_least = None  # it refers to itself: break the cycle (the collector is paused)
        assert isinstance(result, str)  # 1 <= t <= n for every n >= 1
        return result
