"""lutmap: cover the circuit with k-input LUTs, fewest levels first, then fewest neurons.

One ReLU layer computes any function of k wires exactly: its multilinear polynomial (the Moebius
transform of its truth table) is an affine read-off of its monomials, one neuron each. So a
network needs only as many layers as the circuit needs levels of k-input LUTs, not as many as
it has levels of 2-input gates (EPFL adder: 255 AIG levels, 51 levels of 6-LUTs).

The mapper is ABC's priority-cut mapper (Mishchenko, Cho, Chatterjee, Brayton, "Combinational
and sequential mapping with priority cuts", ICCAD 2007):

1. cut enumeration in topological order, merging the stored cuts of a gate's operands and keeping
   the C best k-feasible cuts per node (the priority cuts), plus the trivial cut;
2. a depth-optimal mapping: each node's best cut is the one of least arrival time (1 + the
   latest leaf), ties broken by size, then area flow; the depth D is the latest output;
3. area recovery under the required times of that mapping (so the depth stays D): passes that
   choose by area flow (a LUT's area shared among its estimated fanouts), then passes by exact
   local area (the area a cut adds to the current mapping, found by referencing and
   dereferencing its cone), each keeping the previous best cut so that a feasible one remains.

A LUT's area is the neurons the exact layers spend on it: the cubes (products of literals, one
ReLU each) of its cheapest form, `lowering/terms.py`: an AND of literals is one whatever its
complemented inputs (its plain polynomial has 2^j monomials for j of them), a k-input XOR
2^(k-1) (its polynomial 2^k - 1). Cubes shared between LUTs are counted once per LUT.
Inverters are free: the mapper works on an AIG view (see `_Mapper`) where a NOT is a
complemented edge, folded into the truth tables of the LUTs that read it.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

from circuitc import keys as K
from circuitc.errors import CircuitError, Diagnostic
from circuitc.graph import Circuit
from circuitc.lowering.terms import neurons as _neurons
from circuitc.passes._rewrite import add_node, add_outputs, consumable, drop_edges, shell

Cut = frozenset  # leaf node indices
_CONST_IDS = frozenset((K.CONST0_ID, K.CONST1_ID))  # the nodes of a circuit's constants
DEFAULT_CUTS = 8  # C, the priority cuts kept per node (ABC's default is 8)
AREA_FLOW_ROUNDS = 1
EXACT_AREA_ROUNDS = 2


def lutmap(circuit: Circuit, k: int = 6, cuts: int = DEFAULT_CUTS) -> tuple[Circuit, dict]:
    """Return an equivalent copy of `circuit` in which every gate is an OP_LUT of at most `k`
    operands, with the fewest levels the priority cuts find, then the fewest neurons; and a
    report.

    Every LUT has keys.TRUTH (hex; bit r = its value when operand i is bit i of r) over its
    operands, which are distinct inputs or LUTs it depends on (never constants), in topological
    order. A LUT takes the id (and LOC) of a gate of `circuit` that computes the same function;
    gates that differ only by an inverter share one LUT, and an output reading the other
    polarity gets a LUT of its own under its driver's id, at the same level. A gate with more
    than `k` distinct operands (a mux at k = 2) becomes a LUT of its own operands; a cone that
    turns out constant is replaced by the constant. Output nodes are kept.
    With cuts = 0 nothing is enumerated: every gate of the AIG view becomes a LUT of its own
    operands, whatever k (the circuit's structure, with its NOT gates folded into their readers
    and inverter twins merged: no level for a NOT, so a & ~b is one gate, a - ab).
    k must be in 2..keys.LUT_MAX_INPUTS and cuts at least 0 (CircuitError otherwise).
    Report: k, cuts, depth before (the circuit's levels) and after, luts, neurons (the area:
    the cubes of each LUT's cheapest form, summed over the LUTs), LUT sizes (operands ->
    count), and per mapping round its depth, LUTs and neurons.
    A handed-over `circuit` (`_rewrite.consumable`) loses its edges once the mapper has read it
    and its mapped gates as the LUTs are built: it is not to be used afterwards.
    """
    if not isinstance(k, int) or not 2 <= k <= K.LUT_MAX_INPUTS:
        raise CircuitError(f"LUT size must be an integer from 2 to {K.LUT_MAX_INPUTS}, got {k!r}")
    if not isinstance(cuts, int) or cuts < 0:
        raise CircuitError(f"priority cuts per node must be an integer >= 0, got {cuts!r}")
    consume = consumable(circuit)  # handed over: freed as the mapped circuit is built
    depth_before = circuit.depth
    mapper = _Mapper(circuit, k, cuts)
    if consume:
        drop_edges(circuit)  # the mapper has read them
    if cuts == 0:
        rounds = [mapper.gate_round()]
    else:
        rounds = [mapper.depth_round()]
        for _ in range(AREA_FLOW_ROUNDS):
            rounds.append(mapper.area_round(exact=False))
        for _ in range(EXACT_AREA_ROUNDS):
            rounds.append(mapper.area_round(exact=True))
    mapper.forget_cuts()
    new, sizes, neurons = mapper.build(consume)
    report = {
        "k": k, "cuts": cuts, "depth_before": depth_before, "depth_after": new.depth,
        "luts": sum(sizes.values()), "neurons": neurons,
        "lut_sizes": {str(n): sizes[n] for n in sorted(sizes)}, "rounds": rounds,
    }
    return new, report


class _Mapper:
    """The mapper works on an AIG-like view of the circuit: nodes with complemented operand
    edges, where NOT disappears into the edges, NAND/NOR/XNOR become AND/AND/XOR with a
    complemented output, and twins that differ only by an output inverter (g = and(a, b) and
    h = nand(a, b)) are one node. Twins as separate nodes would each take a cut leaf where
    one does (c1908: 7 levels instead of 6)."""

    def __init__(self, circuit: Circuit, k: int, cuts: int):
        self.circuit, self.k, self.c = circuit, k, cuts
        self.names: list[str] = []  # the circuit node each mapper node's LUT is named after
        self.invert: list[int] = []  # 1 when that circuit node is the complement of the node's
        # function P (the LUT named after it computes P ^ invert; a literal (v, c) is P_v ^ c)
        self.op: list[str] = []
        self.operands: list[tuple[tuple[int, int], ...]] = []  # (node, complemented) edges
        self.literal: dict[str, tuple[int, int]] = {}  # circuit node -> (mapper node, inverted)
        table: dict[tuple, int] = {}
        for node in circuit.topological_order():
            op = circuit.op(node)
            if op == K.OP_OUTPUT:
                continue
            lits = [self.literal[o] for o in circuit.operands(node)]
            if op in (K.OP_NOT, K.OP_BUF):
                v, inv = lits[0]
                self.literal[node] = (v, inv ^ (op == K.OP_NOT))
                continue
            inv = 0
            if op in (K.OP_AND, K.OP_NAND):
                base, inv = K.OP_AND, int(op == K.OP_NAND)
                lits = sorted(set(lits))
            elif op in (K.OP_OR, K.OP_NOR):  # a | b = ~(~a & ~b)
                base, inv = K.OP_AND, int(op == K.OP_OR)
                lits = sorted({(v, 1 - c) for v, c in lits})
            elif op in (K.OP_XOR, K.OP_XNOR):  # complements move to the output
                base, inv = K.OP_XOR, int(op == K.OP_XNOR)
                for _, c in lits:
                    inv ^= c
                lits = [(v, 0) for v, _ in lits]
            elif op == K.OP_MUX and lits[0][1]:  # mux(~s, a, b) = mux(s, b, a)
                base, lits = op, [(lits[0][0], 0), lits[2], lits[1]]
            else:
                base = op
            key = (base, tuple(lits)) if op not in (K.OP_INPUT,) + K.CONST_OPS else (node,)
            if key not in table:
                table[key] = len(self.op)
                self.op.append(base)
                self.operands.append(tuple(lits))
                self.names.append(node)
                self.invert.append(inv)
            self.literal[node] = (table[key], inv)
        n = len(self.op)
        self.fanins = [tuple(dict.fromkeys(v for v, _ in ops)) for ops in self.operands]
        self.gate = [op in K.GATE_OPS for op in self.op]
        wide = [self.names[i] for i in range(n) if len(self.fanins[i]) > K.LUT_MAX_INPUTS]
        if wide:
            raise CircuitError([Diagnostic(
                f"gate '{g}' has more operands than a LUT's {K.LUT_MAX_INPUTS}: run fanin first",
                circuit.name) for g in wide])
        self.drivers = [self.literal[circuit.driver(o)][0] for o in circuit.outputs]
        fanout = [0] * n
        for i in range(n):
            for f in self.fanins[i]:
                fanout[f] += 1
        for d in self.drivers:
            fanout[d] += 1
        self.est = [max(1.0, float(f)) for f in fanout]  # estimated fanouts of each node's LUT
        self.arr = [0] * n
        self.flow = [0.0] * n  # area flow of each node's best cut
        self.cuts: list[list[Cut]] = [[] for _ in range(n)]
        self.best: list[Cut | None] = [None] * n
        self.req = [math.inf] * n
        self.refs = [0] * n
        self.depth = 0
        self._area: dict[tuple[int, Cut], int] = {}

    # ---- cuts --------------------------------------------------------------------------
    def stored(self, i: int) -> list[Cut]:
        """The cuts fanouts of node i may use: its priority cuts and the trivial cut."""
        if self.op[i] in K.CONST_OPS:
            return [Cut()]
        if not self.gate[i]:
            return [Cut((i,))]
        return self.cuts[i] + [Cut((i,))]

    def candidates(self, i: int) -> set[Cut]:
        acc = {Cut()}
        for f in self.fanins[i]:
            acc = {u for a in acc for b in self.stored(f) if len(u := a | b) <= self.k}
        if not acc:  # more distinct operands than k: the gate on its own operands
            acc = {Cut(f for f in self.fanins[i] if self.op[f] not in K.CONST_OPS)}
        if self.best[i] is not None:
            acc.add(self.best[i])
        return acc

    def arrival(self, cut: Cut) -> int:
        return 1 + max((self.arr[leaf] for leaf in cut), default=0)

    def leaf_flow(self, cut: Cut) -> float:
        return sum(self.flow[leaf] / self.est[leaf] for leaf in cut)

    # ---- area: the neurons of a cut's function ----------------------------------------------
    def area(self, i: int, cut: Cut) -> int:
        key = (i, cut)
        a = self._area.get(key)
        if a is None:
            leaves = sorted(cut)
            a = _neurons(self.truth(i, leaves), len(leaves))
            self._area[key] = a
        return a

    def truth(self, i: int, leaves: list[int], fixed: dict[int, bool] | None = None) -> int:
        """The truth table of node i's LUT (its function P, complemented when the circuit node
        it is named after is) over the LUTs of `leaves` (bit r: leaf j is bit j of r);
        `fixed` leaves are constants instead."""
        n = len(leaves)
        invert, op, operands = self.invert, self.op, self.operands
        if not fixed:
            position = {leaf: j for j, leaf in enumerate(leaves)}
            lits = operands[i]
            if i not in position and all(v in position for v, _ in lits):
                # a gate on its own leaves (every LUT with cuts = 0): a function of its op and
                # of how its operands sit among the leaves, computed once per such shape
                return _gate_truth(op[i], tuple((position[v], c) for v, c in lits),
                                   tuple(invert[leaf] for leaf in leaves), invert[i])
        mask = (1 << (1 << n)) - 1
        value = {leaf: p ^ mask if invert[leaf] else p  # a leaf LUT outputs P ^ invert
                 for leaf, p in zip(leaves, _projections(n))}
        for leaf, v in (fixed or {}).items():
            value[leaf] = mask if v ^ invert[leaf] else 0

        def ev(x: int) -> int:  # recursion depth is bounded by the cone, at most a few k
            v = value.get(x)
            if v is None:
                v = _apply(op[x], [ev(o) ^ mask if c else ev(o) for o, c in operands[x]], mask)
                value[x] = v
            return v

        p = ev(i)
        ev = None  # the closure refers to itself: break the cycle, so it is freed at once
        return p ^ mask if invert[i] else p

    # ---- rounds ------------------------------------------------------------------------
    def gate_round(self) -> dict:
        """Every gate on its own operands (cuts = 0)."""
        for i in range(len(self.op)):
            if self.gate[i]:
                cut = Cut(f for f in self.fanins[i] if self.op[f] not in K.CONST_OPS)
                self.cuts[i], self.best[i], self.arr[i] = [cut], cut, self.arrival(cut)
        self.depth = max((self.arr[d] for d in self.drivers if self.gate[d]), default=0)
        return self.remap("gates")

    def depth_round(self) -> dict:
        """Priority cuts by (arrival, size, area flow): the depth-optimal mapping."""
        for i in range(len(self.op)):
            if not self.gate[i]:
                continue
            ranked = []
            for cut in self.candidates(i):
                ranked.append((self.arrival(cut), len(cut), self.leaf_flow(cut), sorted(cut), cut))
            ranked.sort(key=lambda r: r[:4])
            self.keep(i, [r[-1] for r in ranked])
        self.depth = max((self.arr[d] for d in self.drivers if self.gate[d]), default=0)
        return self.remap("depth")

    def area_round(self, exact: bool) -> dict:
        """Re-choose every cut by area flow (or, for mapped nodes, by exact local area) among
        the cuts that meet the node's required time."""
        for i in range(len(self.op)):
            if not self.gate[i]:
                continue
            req = self.req[i]
            ranked = []
            for cut in self.candidates(i):
                t = self.arrival(cut)
                late = t > req  # ranked after every cut in time: its area is never weighed
                flow = math.inf if late else self.area(i, cut) + self.leaf_flow(cut)
                ranked.append((late, flow, t, len(cut), sorted(cut), cut))
            ranked.sort(key=lambda r: r[:5])
            if exact and self.refs[i] > 0:
                self.deref(i)
                previous = self.best[i]
                feasible = [r for r in ranked if not r[0]]
                trials = feasible[:2 * self.c] + [r for r in feasible[2 * self.c:]
                                                  if r[-1] == previous]
                best, best_key = None, None
                for row in trials:
                    self.best[i] = row[-1]
                    added = self.ref(i)
                    self.deref(i)
                    if best_key is None or (added, row[2]) < best_key:
                        best, best_key = row[-1], (added, row[2])
                order = [best] + [r[-1] for r in ranked if r[-1] != best]
                self.keep(i, order)
                self.ref(i)
            else:
                self.keep(i, [r[-1] for r in ranked])
        return self.remap("exact area" if exact else "area flow")

    def keep(self, i: int, ranked: list[Cut]) -> None:
        """Store the C first cuts not dominated by (a superset of) an earlier one; the first is
        the best."""
        kept: list[Cut] = []
        for cut in ranked:
            if not any(other <= cut for other in kept):
                kept.append(cut)
                if len(kept) == self.c:
                    break
        best = ranked[0]
        self.cuts[i] = kept
        self.best[i] = best
        self.arr[i] = self.arrival(best)
        self.flow[i] = self.area(i, best) + self.leaf_flow(best)

    # ---- the current mapping ---------------------------------------------------------
    def remap(self, name: str) -> dict:
        """Recount references and required times of the mapping the best cuts make; update the
        fanout estimates (ABC: (2 old + new) / 3)."""
        n = len(self.op)
        self.refs = [0] * n
        self.req = [math.inf] * n
        for d in self.drivers:
            if self.gate[d]:
                self.refs[d] += 1
                self.req[d] = self.depth
        neurons = 0
        for i in reversed(range(n)):
            if self.refs[i] and self.gate[i]:
                neurons += self.area(i, self.best[i])
                for leaf in self.best[i]:
                    self.refs[leaf] += 1
                    self.req[leaf] = min(self.req[leaf], self.req[i] - 1)
        for i in range(n):
            self.est[i] = max(1.0, (2 * self.est[i] + self.refs[i]) / 3)
        luts = sum(1 for i in range(n) if self.refs[i] and self.gate[i])
        depth = max((self.arr[d] for d in self.drivers if self.gate[d]), default=0)
        return {"round": name, "depth": depth, "luts": luts, "neurons": neurons}

    def ref(self, i: int) -> int:
        """Reference node i's best cut; returns the area newly added (its cone down to LUTs
        already referenced). A loop, not recursion: cones can be thousands of levels deep."""
        return self._walk(i, +1)

    def deref(self, i: int) -> int:
        """Undo `ref`; returns the area released."""
        return self._walk(i, -1)

    def _walk(self, i: int, step: int) -> int:
        area, stack, last = 0, [i], 1 if step > 0 else 0
        while stack:
            x = stack.pop()
            area += self.area(x, self.best[x])
            for leaf in self.best[x]:
                if self.gate[leaf]:
                    self.refs[leaf] += step
                    if self.refs[leaf] == last:
                        stack.append(leaf)
        return area

    # ---- the mapped circuit ----------------------------------------------------------
    def forget_cuts(self) -> None:
        """Free what only the mapping rounds use (a list or dict per node: a gigabyte on
        U-AND at m = 2000) before `build` adds a graph; `literal` keeps the output drivers."""
        self.cuts = self.est = self.arr = self.flow = self.req = self.fanins = None
        self._area = {}
        drivers = (self.circuit.driver(o) for o in self.circuit.outputs)
        self.literal = {d: self.literal[d] for d in drivers}

    def build(self, consume: bool = False) -> tuple[Circuit, Counter[int], int]:
        """The mapped circuit, the LUT sizes and the neurons of its LUTs. consume: the
        circuit's nodes are the mapper's to free once read (`_rewrite.consumable`)."""
        old = self.circuit
        new = shell(old)
        old_nodes = old.graph._node
        rep: dict[int, str] = {}  # mapper node -> the node of `new` computing its named node
        sizes: Counter[int] = Counter()
        neurons = 0

        def emit(name: str, i: int, complement: bool) -> str:
            nonlocal neurons
            leaves = sorted(self.best[i])
            fixed = {leaf: new.op(rep[leaf]) == K.OP_CONST1 for leaf in leaves
                     if rep[leaf] in _CONST_IDS and new.op(rep[leaf]) in K.CONST_OPS}
            variables = [leaf for leaf in leaves if leaf not in fixed]
            table = self.truth(i, variables, fixed)
            if complement:
                table ^= (1 << (1 << len(variables))) - 1
            table, variables = _support(table, variables)
            if not variables:
                return new.const(table & 1)
            data = old.graph._node[name]
            attrs = {K.LOC: data[K.LOC]} if K.LOC in data else {}
            sizes[len(variables)] += 1
            neurons += _neurons(table, len(variables))
            return add_node(new, name, K.OP_LUT, [rep[leaf] for leaf in variables],
                            **{K.TRUTH: format(table, "x")}, **attrs)

        for i, name in enumerate(self.names):
            if self.op[i] == K.OP_INPUT:
                rep[i] = name
            elif self.op[i] in K.CONST_OPS:
                rep[i] = new.const(self.op[i] == K.OP_CONST1)
            elif self.refs[i]:
                rep[i] = emit(name, i, False)
            if consume and self.gate[i]:  # read for the last time (an output driver that
                del old_nodes[name]  # reads the other polarity is a NOT or a twin, not this)
        complements: dict[int, str] = {}

        def driver(d: str) -> str:
            """The node of `new` an output driven by circuit node d reads."""
            nonlocal neurons
            i, inv = self.literal[d]
            if inv == self.invert[i]:
                return rep[i]
            if new.op(rep[i]) in K.CONST_OPS:
                return new.const(new.op(rep[i]) == K.OP_CONST0)
            if i not in complements:  # the other polarity: a LUT of its own at the same level
                if not self.gate[i]:  # an output reading the NOT of an input
                    complements[i] = add_node(new, d, K.OP_LUT, [rep[i]], **{K.TRUTH: "1"})
                    sizes[1] += 1
                    neurons += 1
                else:
                    complements[i] = emit(d, i, True)
            return complements[i]

        add_outputs(new, old, driver)
        return new, sizes, neurons


@lru_cache(maxsize=1 << 16)
def _gate_truth(op: str, lits: tuple[tuple[int, int], ...], inverted: tuple[int, ...],
                invert: int) -> int:
    """`_Mapper.truth` of a node whose operands are all leaves: operand (j, c) reads leaf j,
    complemented when c; leaf j outputs its function complemented when inverted[j]."""
    n = len(inverted)
    mask = (1 << (1 << n)) - 1
    leaf = [p ^ mask if inv else p for p, inv in zip(_projections(n), inverted)]
    p = _apply(op, [leaf[j] ^ mask if c else leaf[j] for j, c in lits], mask)
    return p ^ mask if invert else p


def _apply(op: str, v: list[int], mask: int) -> int:
    """A gate's truth table from its operands' (Python ints of 2^n bits)."""
    if op == K.OP_AND and len(v) == 2:
        return v[0] & v[1]
    if op in (K.OP_AND, K.OP_NAND):
        r = mask
        for x in v:
            r &= x
    elif op in (K.OP_OR, K.OP_NOR):
        r = 0
        for x in v:
            r |= x
    elif op in (K.OP_XOR, K.OP_XNOR):
        r = 0
        for x in v:
            r ^= x
    elif op == K.OP_NOT:
        return mask ^ v[0]
    elif op == K.OP_BUF:
        return v[0]
    elif op == K.OP_MUX:
        return (v[0] & v[1]) | (mask ^ v[0]) & v[2]
    elif op == K.OP_MAJ:
        return _majority(v, mask)
    elif op in K.CONST_OPS:
        return mask if op == K.OP_CONST1 else 0
    else:
        raise CircuitError(f"lutmap cannot map op '{op}'")
    return mask ^ r if op in (K.OP_NAND, K.OP_NOR, K.OP_XNOR) else r


def _majority(v: list[int], mask: int) -> int:
    """Bit-sliced count of the operands compared with n//2 + 1 (as circuitc.simulate does)."""
    count: list[int] = []
    for x in v:
        carry = x
        for j in range(len(count)):
            count[j], carry = count[j] ^ carry, count[j] & carry
        count.append(carry)
    threshold = len(v) // 2 + 1
    gt, eq = 0, mask
    for j in reversed(range(len(count))):
        bit = mask if (threshold >> j) & 1 else 0
        gt |= eq & count[j] & (mask ^ bit)
        eq &= mask ^ (count[j] ^ bit)
    return gt | eq


_PROJECTIONS: dict[int, list[int]] = {}


def _projections(n: int) -> list[int]:
    """The truth tables of variables 0..n-1 over n variables."""
    if n not in _PROJECTIONS:
        _PROJECTIONS[n] = [sum(1 << r for r in range(1 << n) if r >> j & 1) for j in range(n)]
    return _PROJECTIONS[n]


def _support(table: int, variables: list[int]) -> tuple[int, list[int]]:
    """Drop the variables the table does not depend on (re-indexing the rest)."""
    j = 0
    while j < len(variables):
        n = len(variables)
        proj = _projections(n)[j]
        step = 1 << j
        if (table & proj) >> step == table & ~proj & ((1 << (1 << n)) - 1):
            # independent of variable j: keep the rows where it is 0, squeezed together
            squeezed, out = 0, 0
            for r in range(1 << n):
                if not r >> j & 1:
                    squeezed |= ((table >> r) & 1) << out
                    out += 1
            table = squeezed
            variables = variables[:j] + variables[j + 1:]
        else:
            j += 1
    return table, variables
