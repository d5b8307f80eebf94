"""simplify: constant propagation, buffer and double-negation removal, inverter absorption,
structural hashing and dead-gate elimination, iterated to a fixpoint.

Every wire the backends keep costs neurons, and every NOT costs a level, so the circuit is put in
a small canonical form before anything else looks at it. Each round rebuilds the circuit in
topological order through one hash-consing builder, so a gate's operands are already simplified
when its own rules run; rounds repeat until nothing changes (the inverter absorption and the dead
gates it leaves behind need a second look).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.passes._rewrite import (add_node, consumable, prune_dead, rebuild, shell,
                                      unique_name)

# op -> (base op, negated); the negated ops are their base op followed by NOT.
_FAMILY = {K.OP_AND: (K.OP_AND, False), K.OP_NAND: (K.OP_AND, True),
           K.OP_OR: (K.OP_OR, False), K.OP_NOR: (K.OP_OR, True),
           K.OP_XOR: (K.OP_XOR, False), K.OP_XNOR: (K.OP_XOR, True)}
_COMPLEMENT_OP = {K.OP_AND: K.OP_NAND, K.OP_NAND: K.OP_AND, K.OP_OR: K.OP_NOR,
                  K.OP_NOR: K.OP_OR, K.OP_XOR: K.OP_XNOR, K.OP_XNOR: K.OP_XOR}
MAX_ROUNDS = 50  # each round strictly shrinks or stops; this only guards against a bug looping


def simplify(circuit: Circuit) -> tuple[Circuit, dict]:
    """Return an equivalent, simplified copy of `circuit` and a report.

    Rules: gates with constant operands fold (x & 0 = 0, x & 1 = x, x ^ 1 = ~x, maj and mux with
    constants, x ^ x = 0, x & x = x, x & ~x = 0, mux(s, a, a) = a, ...); BUF gates and double
    negations disappear; NOT of and/or/xor (and their negations) becomes the complementary op over
    the same operands (one level less); gates with the same op and operands (sorted for the
    commutative ops: all but mux) are merged; gates and constants reaching no output are removed.
    Input and output nodes and their ports are kept, so an output may end up driven by an input or
    a constant. Gates keep their ids where they survive; gates a rule creates get ids derived from
    the gate they replace. Report: gates and depth before/after, rounds, rule counts.
    A handed-over `circuit` (`_rewrite.consumable`) loses its edges while the first round reads
    it: it is not to be used afterwards.
    """
    gates_before, depth_before = circuit.gate_count(), circuit.depth  # (not stats(): its
    # gates by kind and level lists cost a fifth of the pass on 500k-gate circuits)
    counts: Counter[str] = Counter()
    current = circuit
    rounds = 0
    owned = consumable(circuit)  # a handed-over circuit, like every round's result, is ours to
    # take apart while the next round reads it: its edges go first (`_rewrite.consumable`)
    for rounds in range(1, MAX_ROUNDS + 1):
        new = _Builder(current, counts).run(consume=owned)
        owned = True
        if _same_structure(new, current):
            current = new
            break
        current = new
    report = {
        "gates_before": gates_before, "gates_after": current.gate_count(),
        "depth_before": depth_before, "depth_after": current.depth,
        "rounds": rounds, "rules": dict(sorted(counts.items())),
    }
    return current, report


def _same_structure(a: Circuit, b: Circuit) -> bool:
    """Whether the circuits have the same nodes, ops and operands up to the operand order of
    commutative gates (a round sorts them, and that alone changes nothing a further round would
    do: stopping there saves a whole rebuild). Node by node, not through a signature dict of
    each graph: those were 300 MB at 1M nodes."""
    nodes_a, nodes_b = a.graph._node, b.graph._node
    return nodes_a.keys() == nodes_b.keys() and all(
        _signature(d) == _signature(nodes_b[n]) for n, d in nodes_a.items())


def _signature(data: dict) -> tuple:
    """A node's op and operands, sorted for the commutative ops (all but mux)."""
    operands = data[K.OPERANDS]
    return data[K.OP], (operands if data[K.OP] == K.OP_MUX or len(operands) < 2
                        else tuple(sorted(operands)))


class _Builder:
    """One rebuilding round: `make` applies the rules and hash-conses what is left."""

    def __init__(self, old: Circuit, counts: Counter[str]):
        self.old = old
        self.new = shell(old)
        self.counts = counts
        self.table: dict[tuple[str, tuple[str, ...]], str] = {}
        self.key_of: dict[str, tuple[str, tuple[str, ...]]] = {}

    def run(self, consume: bool = False) -> Circuit:
        rebuild(self.old, self.new, lambda node, op, xs, attrs: self.make(op, xs, node, attrs),
                consume)
        self.counts["dead"] += prune_dead(self.new)
        return self.new

    # ---- helpers -------------------------------------------------------------------------
    @staticmethod
    def value(node: str) -> int | None:
        # the rebuilt circuit's constants are its two shared constant nodes (Circuit.const)
        return 1 if node == K.CONST1_ID else 0 if node == K.CONST0_ID else None

    def complement(self, node: str) -> str | None:
        """An existing node computing NOT node, if there is one."""
        key = self.key_of.get(node)
        if key is not None and key[0] == K.OP_NOT:
            return key[1][0]
        if key is not None and key[0] in _COMPLEMENT_OP:
            found = self.table.get((_COMPLEMENT_OP[key[0]], key[1]))
            if found is not None:
                return found
        return self.table.get((K.OP_NOT, (node,)))

    def complementary_pair(self, nodes: Sequence[str]) -> bool:
        if len(nodes) == 2:
            a, b = nodes
            return self.complement(a) == b or self.complement(b) == a
        present = set(nodes)
        return any(self.complement(n) in present for n in nodes)

    def const(self, value: int | bool) -> str:
        self.counts["folded"] += 1
        return self.new.const(int(value))

    def emit(self, op: str, operands: Sequence[str], hint: str, attrs: dict) -> str:
        operands = tuple(operands) if op == K.OP_MUX else tuple(sorted(operands))
        key = (op, operands)
        found = self.table.get(key)
        if found is not None:
            self.counts["merged"] += 1
            return found
        node = add_node(self.new, unique_name(self.new, hint), op, operands, **attrs)
        self.table[key] = node
        self.key_of[node] = key
        return node

    # ---- the rules -----------------------------------------------------------------------
    def make(self, op: str, xs: list[str], hint: str, attrs: dict) -> str:
        if op == K.OP_BUF:
            self.counts["buffers"] += 1
            return xs[0]
        if op == K.OP_NOT:
            return self.negate(xs[0], hint, attrs)
        if op in _FAMILY:
            base, negated = _FAMILY[op]
            rule = self.xor if base == K.OP_XOR else self.and_or
            return rule(base, negated, xs, hint, attrs)
        if op == K.OP_MAJ:
            return self.maj(xs, hint, attrs)
        return self.mux(xs, hint, attrs)

    def negate(self, x: str, hint: str, attrs: dict) -> str:
        v = self.value(x)
        if v is not None:
            return self.const(1 - v)
        found = self.complement(x)
        if found is not None:  # double negation, or NOT of a gate whose complement exists
            self.counts["double_negation"] += 1
            return found
        key = self.key_of.get(x)
        if key is not None and key[0] in _COMPLEMENT_OP:  # absorb the inverter into the gate
            self.counts["absorbed_not"] += 1
            return self.emit(_COMPLEMENT_OP[key[0]], key[1], hint, attrs)
        return self.emit(K.OP_NOT, (x,), hint, attrs)

    def finish(self, negated: bool, x: str, hint: str, attrs: dict) -> str:
        return self.negate(x, hint, attrs) if negated else x

    def and_or(self, base: str, negated: bool, xs: list[str], hint: str, attrs: dict) -> str:
        absorbing = 0 if base == K.OP_AND else 1  # x & 0 = 0, x | 1 = 1
        if K.CONST0_ID in xs or K.CONST1_ID in xs:
            values = [self.value(x) for x in xs]
            if absorbing in values:
                return self.const(absorbing ^ negated)
            variables = [x for x, v in zip(xs, values) if v is None]
        else:
            variables = xs
        rest = sorted(set(variables))
        if len(variables) < len(xs):
            self.counts["folded"] += 1
        if len(rest) < len(variables):
            self.counts["dedup"] += 1
        if self.complementary_pair(rest):  # x & ~x = 0, x | ~x = 1
            return self.const(absorbing ^ negated)
        if not rest:
            return self.const((1 - absorbing) ^ negated)
        if len(rest) == 1:
            return self.finish(negated, rest[0], hint, attrs)
        return self.emit(_COMPLEMENT_OP[base] if negated else base, rest, hint, attrs)

    def xor(self, base: str, negated: bool, xs: list[str], hint: str, attrs: dict) -> str:
        parity = int(negated)
        odd: set[str] = set()
        for x in xs:
            v = self.value(x)
            if v is not None:
                parity ^= v
            else:
                odd ^= {x}  # x ^ x = 0
        for x in sorted(odd):  # x ^ ~x = 1
            c = self.complement(x)
            if x in odd and c in odd:
                odd -= {x, c}
                parity ^= 1
        if len(odd) < len(xs):
            self.counts["folded"] += 1
        rest = sorted(odd)
        if not rest:
            return self.const(parity)
        if len(rest) == 1:
            return self.finish(bool(parity), rest[0], hint, attrs)
        return self.emit(K.OP_XNOR if parity else K.OP_XOR, rest, hint, attrs)

    def maj(self, xs: list[str], hint: str, attrs: dict) -> str:
        ones = sum(self.value(x) == 1 for x in xs)
        zeros = sum(self.value(x) == 0 for x in xs)
        weight = Counter(x for x in xs if self.value(x) is None)
        for x in sorted(weight):  # x and ~x: exactly one of them is 1, like a 1 and a 0
            c = self.complement(x)
            while weight.get(x, 0) and weight.get(c, 0):
                weight[x] -= 1
                weight[c] -= 1
                ones, zeros = ones + 1, zeros + 1
        weight = Counter({x: w for x, w in weight.items() if w})
        pairs = min(ones, zeros)  # a 1 and a 0 together never change a majority
        ones, zeros = ones - pairs, zeros - pairs
        n = ones + zeros + sum(weight.values())
        need = n // 2 + 1 - ones  # how many variable operands (with weights) must be 1
        r = sum(weight.values())
        if need <= 0:
            return self.const(1)
        if need > r:
            return self.const(0)
        if len(weight) == 1:  # maj(x, x, ...) with need <= r: the result is x
            self.counts["folded"] += 1
            return next(iter(weight))
        if all(w == 1 for w in weight.values()):
            vs = sorted(weight)
            if need == 1:
                return self.emit(K.OP_OR, vs, hint, attrs)
            if need == r:
                return self.emit(K.OP_AND, vs, hint, attrs)
            if need == r // 2 + 1:
                self.counts["folded"] += len(vs) < len(xs)
                return self.emit(K.OP_MAJ, vs, hint, attrs)
        big = [x for x, w in weight.items() if w >= need and r - w < need]
        if big:  # one operand decides alone
            self.counts["folded"] += 1
            return big[0]
        kept = sorted(weight.elements()) + [self.new.const(1)] * ones + [self.new.const(0)] * zeros
        return self.emit(K.OP_MAJ, kept, hint, attrs)

    def mux(self, xs: list[str], hint: str, attrs: dict) -> str:
        s, a, b = xs
        vs, va, vb = self.value(s), self.value(a), self.value(b)
        if vs is not None:
            self.counts["folded"] += 1
            return a if vs else b
        if a == b:
            self.counts["folded"] += 1
            return a
        if s == a or va == 1:  # s ? 1 : b
            return self.and_or(K.OP_OR, False, [s, b], hint, attrs)
        if s == b or vb == 0:  # s ? a : 0
            return self.and_or(K.OP_AND, False, [s, a], hint, attrs)
        if va == 0 and vb == 1:  # s ? 0 : 1
            return self.negate(s, hint, attrs)
        # s ? 0 : b = ~s & b and s ? a : 1 = ~s | a, but only where ~s exists already: a new NOT
        # gate would cost a level, while the mux is one gate of degree 2 (b - sb, 1 - s + sa).
        if va == 0 and self.complement(s) is not None:
            return self.and_or(K.OP_AND, False, [self.complement(s), b], hint, attrs)
        if vb == 1 and self.complement(s) is not None:
            return self.and_or(K.OP_OR, False, [self.complement(s), a], hint, attrs)
        if self.complement(a) == b:  # s ? a : ~a = xnor(s, a)
            return self.xor(K.OP_XOR, True, [s, a], hint, attrs)
        c = self.complement(s)
        if c is not None and self.key_of.get(s, ("",))[0] == K.OP_NOT:  # mux(~t, a, b)
            return self.emit(K.OP_MUX, (c, b, a), hint, attrs)
        return self.emit(K.OP_MUX, (s, a, b), hint, attrs)
