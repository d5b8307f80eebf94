"""lutmap: cover the circuit with k-input LUTs, fewest levels first, then fewest neurons.

One ReLU layer computes any function of k wires exactly: its multilinear polynomial (the Moebius
transform of its truth table) is an affine read-off of its monomials, one neuron each. So a
network needs only as many layers as the circuit needs levels of k-input LUTs, not as many as
it has levels of 2-input gates (EPFL adder: 255 AIG levels, 43 levels of 6-LUTs).

The mapper is ABC's priority-cut mapper (Mishchenko, Cho, Chatterjee, Brayton, "Combinational
and sequential mapping with priority cuts", ICCAD 2007):

1. cut enumeration in topological order, merging the stored cuts of a gate's operands and keeping
   the C best k-feasible cuts per node (the priority cuts), plus the trivial cut;
2. a depth-optimal mapping: each node's best cut is the one of least arrival time (1 + the
   latest leaf), ties broken by area flow and size; the depth D is the latest output;
3. area recovery under the required times of that mapping (so the depth stays D): passes that
   choose by area flow (a LUT's area shared among its estimated fanouts), then passes by exact
   local area (the area a cut adds to the current mapping, found by referencing and
   dereferencing its cone), each keeping the previous best cut so that a feasible one remains.

A LUT's area is its number of monomials of degree >= 1, the neurons it costs (and AND of
literals with j complemented has 2^j, a k-input XOR 2^k - 1); monomials shared between LUTs are
counted once per LUT. Inverters are free: a NOT's cuts are its operand's, so it folds into the
truth tables of the LUTs that read it.
"""

from __future__ import annotations

import math
from collections import Counter

from circuitc import keys as K
from circuitc.errors import CircuitError
from circuitc.graph import Circuit
from circuitc.passes._rewrite import add_node, add_outputs, shell
from circuitc.passes.monomials import moebius

Cut = frozenset  # leaf node indices
DEFAULT_CUTS = 8  # C, the priority cuts kept per node (ABC's default is 8)
AREA_FLOW_ROUNDS = 1
EXACT_AREA_ROUNDS = 2


def lutmap(circuit: Circuit, k: int = 6, cuts: int = DEFAULT_CUTS) -> tuple[Circuit, dict]:
    """Return an equivalent copy of `circuit` in which every gate is an OP_LUT of at most `k`
    operands, with the fewest levels the priority cuts find, then the fewest monomials; and a
    report.

    Every LUT keeps the id of the gate it roots and has keys.TRUTH (hex; bit r = its value when
    operand i is bit i of r) over its operands, which are distinct inputs or LUTs that it
    depends on (never constants; LUT operands in topological order). A gate with more than `k`
    distinct operands (a mux at k = 2) becomes a LUT of its own operands. A cone that turns
    out constant drives its readers as a constant. Output nodes are kept and follow their
    drivers. k must be in 2..keys.LUT_MAX_INPUTS and cuts at least 1 (CircuitError otherwise).
    Report: k, cuts, depth before (the circuit's levels) and after, luts, monomials (the sum
    of the LUTs' monomials of degree >= 1), LUT sizes (operands -> count), and the depth and
    monomials after each mapping round.
    """
    if not isinstance(k, int) or not 2 <= k <= K.LUT_MAX_INPUTS:
        raise CircuitError(f"LUT size must be an integer from 2 to {K.LUT_MAX_INPUTS}, got {k!r}")
    if not isinstance(cuts, int) or cuts < 1:
        raise CircuitError(f"priority cuts per node must be a positive integer, got {cuts!r}")
    mapper = _Mapper(circuit, k, cuts)
    rounds = [mapper.depth_round()]
    for _ in range(AREA_FLOW_ROUNDS):
        rounds.append(mapper.area_round(exact=False))
    for _ in range(EXACT_AREA_ROUNDS):
        rounds.append(mapper.area_round(exact=True))
    new, sizes = mapper.build()
    report = {
        "k": k, "cuts": cuts, "depth_before": circuit.depth, "depth_after": new.depth,
        "luts": sum(sizes.values()), "monomials": rounds[-1]["monomials"],
        "lut_sizes": {str(n): sizes[n] for n in sorted(sizes)}, "rounds": rounds,
    }
    return new, report


class _Mapper:
    def __init__(self, circuit: Circuit, k: int, cuts: int):
        self.circuit, self.k, self.c = circuit, k, cuts
        order = [n for n in circuit.topological_order() if circuit.op(n) != K.OP_OUTPUT]
        self.ids = order
        index = {n: i for i, n in enumerate(order)}
        self.op = [circuit.op(n) for n in order]
        self.operands = [tuple(index[o] for o in circuit.operands(n)) for n in order]
        self.fanins = [tuple(dict.fromkeys(ops)) for ops in self.operands]
        self.gate = [op in K.GATE_OPS for op in self.op]
        self.drivers = [index[circuit.driver(o)] for o in circuit.outputs]
        n = len(order)
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

    # ---- area: the monomials of a cut's function -----------------------------------------
    def area(self, i: int, cut: Cut) -> int:
        key = (i, cut)
        a = self._area.get(key)
        if a is None:
            leaves = sorted(cut)
            a = _monomials(self.truth(i, leaves), len(leaves))
            self._area[key] = a
        return a

    def truth(self, i: int, leaves: list[int], fixed: dict[int, bool] | None = None) -> int:
        """The truth table of node i over `leaves` (bit r: leaf j is bit j of r); `fixed`
        leaves are constants instead of variables."""
        n = len(leaves)
        mask = (1 << (1 << n)) - 1
        value = dict(zip(leaves, _projections(n)))
        for leaf, v in (fixed or {}).items():
            value[leaf] = mask if v else 0
        op, operands = self.op, self.operands

        def ev(x: int) -> int:  # recursion depth is bounded by the cone, at most a few k
            v = value.get(x)
            if v is None:
                v = _apply(op[x], [ev(o) for o in operands[x]], mask)
                value[x] = v
            return v

        return ev(i)

    # ---- rounds ------------------------------------------------------------------------
    def depth_round(self) -> dict:
        """Priority cuts by (arrival, area flow, size): the depth-optimal mapping."""
        for i in range(len(self.ids)):
            if not self.gate[i]:
                continue
            ranked = []
            for cut in self.candidates(i):
                ranked.append((self.arrival(cut), self.leaf_flow(cut), len(cut), sorted(cut), cut))
            ranked.sort(key=lambda r: r[:4])
            self.keep(i, [r[-1] for r in ranked])
        self.depth = max((self.arr[d] for d in self.drivers if self.gate[d]), default=0)
        return self.remap("depth")

    def area_round(self, exact: bool) -> dict:
        """Re-choose every cut by area flow (or, for mapped nodes, by exact local area) among
        the cuts that meet the node's required time."""
        for i in range(len(self.ids)):
            if not self.gate[i]:
                continue
            req = self.req[i]
            ranked = []
            for cut in self.candidates(i):
                t = self.arrival(cut)
                flow = self.area(i, cut) + self.leaf_flow(cut)
                ranked.append((t > req, flow, t, len(cut), sorted(cut), cut))
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
        n = len(self.ids)
        self.refs = [0] * n
        self.req = [math.inf] * n
        for d in self.drivers:
            if self.gate[d]:
                self.refs[d] += 1
                self.req[d] = self.depth
        monomials = 0
        for i in reversed(range(n)):
            if self.refs[i] and self.gate[i]:
                monomials += self.area(i, self.best[i])
                for leaf in self.best[i]:
                    self.refs[leaf] += 1
                    self.req[leaf] = min(self.req[leaf], self.req[i] - 1)
        for i in range(n):
            self.est[i] = max(1.0, (2 * self.est[i] + self.refs[i]) / 3)
        luts = sum(1 for i in range(n) if self.refs[i] and self.gate[i])
        depth = max((self.arr[d] for d in self.drivers if self.gate[d]), default=0)
        return {"round": name, "depth": depth, "luts": luts, "monomials": monomials}

    def ref(self, i: int) -> int:
        """Reference node i's best cut; returns the area newly added (recursively)."""
        area = self.area(i, self.best[i])
        for leaf in self.best[i]:
            if self.gate[leaf]:
                self.refs[leaf] += 1
                if self.refs[leaf] == 1:
                    area += self.ref(leaf)
        return area

    def deref(self, i: int) -> int:
        area = self.area(i, self.best[i])
        for leaf in self.best[i]:
            if self.gate[leaf]:
                self.refs[leaf] -= 1
                if self.refs[leaf] == 0:
                    area += self.deref(leaf)
        return area

    # ---- the mapped circuit ----------------------------------------------------------
    def build(self) -> tuple[Circuit, Counter[int]]:
        old = self.circuit
        new = shell(old)
        rep: dict[int, str] = {}  # node index -> the node of `new` computing it
        sizes: Counter[int] = Counter()
        for i, node in enumerate(self.ids):
            op = self.op[i]
            if op == K.OP_INPUT:
                rep[i] = node
            elif op in K.CONST_OPS:
                rep[i] = new.const(op == K.OP_CONST1)
        for i, node in enumerate(self.ids):
            if not (self.gate[i] and self.refs[i]):
                continue
            leaves = sorted(self.best[i])
            fixed = {leaf: new.op(rep[leaf]) == K.OP_CONST1 for leaf in leaves
                     if new.op(rep[leaf]) in K.CONST_OPS}
            variables = [leaf for leaf in leaves if leaf not in fixed]
            table = self.truth(i, variables, fixed)
            table, variables = _support(table, variables)
            if not variables:
                rep[i] = new.const(table & 1)
                continue
            data = old.graph.nodes[node]
            attrs = {K.LOC: data[K.LOC]} if K.LOC in data else {}
            rep[i] = add_node(new, node, K.OP_LUT, [rep[leaf] for leaf in variables],
                              **{K.TRUTH: format(table, "x")}, **attrs)
            sizes[len(variables)] += 1
        index = {n: i for i, n in enumerate(self.ids)}
        add_outputs(new, old, lambda d: rep[index[d]])
        return new, sizes


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


_MONOMIALS: dict[tuple[int, int], int] = {}


def _monomials(table: int, n: int) -> int:
    """Monomials of degree >= 1 in the polynomial of a truth table over n variables."""
    key = (table, n)
    if key not in _MONOMIALS:
        _MONOMIALS[key] = sum(1 for c in moebius(table, n)[1:] if c)
    return _MONOMIALS[key]


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
