"""levelize: put every gate on a level and carry values across levels with buffers.

A network layer computes level l from level l - 1 only, so a gate may read only the level just
before its own; a value used several levels later is carried by one buffer (a degree-1 monomial,
one pass-through neuron) per level in between, and the read-out reads only the last layer, so
every output's driver is carried to the last level too. One buffer chain per wire is shared by
all its late readers.
"""

from __future__ import annotations

from collections import defaultdict

from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.passes._rewrite import add_node, unique_name, writable
from circuitc.passes.monomials import level_monomials


def levelize(circuit: Circuit, balance: bool = False, carry: bool = True) -> tuple[Circuit, dict]:
    """Return a copy of `circuit` with keys.LEVEL on every node but the outputs, buffers inserted,
    and a report.

    Levels: inputs and constants 0, a gate 1 + the max level of its non-constant operands (ASAP).
    With `balance=True`, gates are then moved later, one at a time from the last to the first,
    to the level in their slack that needs the fewest buffers (never more than ASAP, same depth).
    Afterwards (the contract for the backends): every gate at level l reads only constants and
    nodes at level l - 1 (its OPERANDS and the variables of its POLY), and every output driver is
    at the last level L or is a constant. Buffers are OP_BUF gates "<wire>@<level>" with
    POLY [[1, [operand]]] and the COMPLEMENTED/ACTIVITY of the wire they carry.
    With `carry=False` only the levels are set and no buffer is inserted (a gate may read any
    earlier level and an output any level): the form the residual stream lowers, where a wire
    stays in its stream dimension, so buffers would only be nodes to build, simulate and check
    (EPFL div: 2.4M buffers for 57k gates). The report still counts the buffers the chain would
    need, per level, from each wire's last reader (`carried` false).
    Report per level (0 = inputs): wires (gates + buffers), gates, buffers, distinct monomials by
    degree (of the gates and the buffers inserted); and the totals.
    """
    new = writable(circuit)
    order = new.topological_order()
    nodes = new.graph._node
    gates = [n for n in order if nodes[n][K.OP] in _GATE_OPS]
    level: dict[str, int] = {}
    wires: dict[str, list[str]] = {}  # each gate's _wires, read twice below
    for node in order:
        op = nodes[node][K.OP]
        if op in _GATE_OPS:
            wires[node] = ws = _wires(new, node)
            level[node] = 1 + max([level[o] for o in ws], default=0)
        elif op != K.OP_OUTPUT:
            level[node] = 0
    last = max((level[g] for g in gates), default=0)
    drives_output = {new.driver(o) for o in new.outputs}
    if balance:
        _balance(new, gates, level, last, drives_output)

    if not carry:
        return _levels_only(new, gates, level, last, drives_output, balance)
    carried: dict[tuple[str, int], str] = {}
    top: dict[str, int] = {}  # the highest level each wire is carried to so far

    def carry(wire: str, at: int) -> str:
        """The node holding `wire`'s value at level `at` (a buffer chain, built once)."""
        if at <= level[wire]:
            return wire
        if at <= top.get(wire, level[wire]):
            return carried[(wire, at)]
        lv = top.get(wire, level[wire])
        below = carried[(wire, lv)] if lv > level[wire] else wire
        data = new.graph.nodes[wire]
        attrs = {k: data[k] for k in (K.COMPLEMENTED, K.ACTIVITY) if k in data}
        for lv in range(lv + 1, at + 1):  # a loop, not recursion: chains can be long
            below = add_node(new, unique_name(new, f"{wire}@{lv}"), K.OP_BUF, (below,),
                             **{K.POLY: [[1, [below]]], K.LEVEL: lv}, **attrs)
            level[below] = lv
            carried[(wire, lv)] = below
        top[wire] = at
        return below

    for gate in gates:
        target = level[gate] - 1
        swap = {o: carry(o, target) for o in wires.pop(gate)}
        if any(o != s for o, s in swap.items()):
            new.set_operands(gate, [swap.get(o, o) for o in new.operands(gate)])
            data = nodes[gate]
            if K.POLY in data:
                terms = [[c, sorted(swap[v] for v in ids)] for c, ids in data[K.POLY]]
                data[K.POLY] = sorted(terms, key=lambda t: (len(t[1]), t[1]))
    for out in new.outputs:
        driver = new.driver(out)
        if new.op(driver) not in K.CONST_OPS and level[driver] < last:
            new.set_operands(out, [carry(driver, last)])
    for node, lv in level.items():
        nodes[node][K.LEVEL] = lv

    by_level: dict[int, list[str]] = defaultdict(list)
    for node in new.topological_order():
        op = nodes[node][K.OP]
        if op == K.OP_INPUT or op in _GATE_OPS:
            by_level[level[node]].append(node)
    inserted = set(carried.values())
    mono = level_monomials(new, [by_level[lv] for lv in range(1, last + 1)])
    table = [{"level": 0, "wires": len(new.inputs), "gates": 0, "buffers": 0, "monomials": {}}]
    for lv, row in zip(range(1, last + 1), mono):
        buffers = sum(n in inserted for n in by_level[lv])
        table.append({"level": lv, "wires": row["gates"], "gates": row["gates"] - buffers,
                      "buffers": buffers, "monomials": row["monomials"]})
    return new, {"depth": last, "balance": balance, "carried": True, "buffers": len(carried),
                 "levels": table}


def _levels_only(circuit: Circuit, gates: list[str], level: dict[str, int], last: int,
                 drives_output: set[str], balance: bool) -> tuple[Circuit, dict]:
    """levelize without buffers: LEVEL on every node, and the buffers a chain would need
    counted per level (wire w is carried through the levels level(w) + 1 .. its last read)."""
    need = {w: lv for w, lv in level.items()}
    for gate in gates:
        for o in _wires(circuit, gate):
            need[o] = max(need[o], level[gate] - 1)
    for w in drives_output:
        if circuit.op(w) not in K.CONST_OPS:
            need[w] = last
    carried = [0] * (last + 2)
    for w, lv in level.items():
        if need[w] > lv:
            carried[lv + 1] += 1
            carried[need[w] + 1] -= 1
    for node, lv in level.items():
        circuit.graph.nodes[node][K.LEVEL] = lv
    by_level: list[list[str]] = [[] for _ in range(last + 1)]
    for gate in gates:
        by_level[level[gate]].append(gate)
    mono = level_monomials(circuit, by_level[1:])
    table = [{"level": 0, "wires": len(circuit.inputs), "gates": 0, "buffers": 0,
              "monomials": {}}]
    buffers = 0
    for lv, row in zip(range(1, last + 1), mono):
        buffers += carried[lv]
        table.append({"level": lv, "wires": row["gates"] + buffers, "gates": row["gates"],
                      "buffers": buffers, "monomials": row["monomials"]})
    return circuit, {"depth": last, "balance": balance, "carried": False,
                     "buffers": sum(r["buffers"] for r in table), "levels": table}


def _wires(circuit: Circuit, gate: str) -> list[str]:
    """The distinct non-constant operands of a gate, in operand order."""
    nodes = circuit.graph._node
    return list(dict.fromkeys(o for o in nodes[gate][K.OPERANDS]
                              if nodes[o][K.OP] not in _CONST_OPS))


_GATE_OPS, _CONST_OPS = frozenset(K.GATE_OPS), frozenset(K.CONST_OPS)


def _balance(circuit: Circuit, gates: list[str], level: dict[str, int], last: int,
             drives_output: set[str]) -> None:
    """Greedy buffer minimisation: each gate, last first, moves within its slack to the level
    that minimises the buffers of its own chain plus its operands' chains (an exact local count,
    so the total never grows). The cost is convex piecewise linear in the level, so only its
    breakpoints need trying."""
    consumers: dict[str, list[str]] = defaultdict(list)
    for g in gates:
        for o in _wires(circuit, g):
            consumers[o].append(g)

    def need(wire: str, skip: str | None = None) -> int:
        """The last level at which `wire` must be available (ignoring consumer `skip`)."""
        reads = [level[c] - 1 for c in consumers[wire] if c != skip]
        if wire in drives_output:
            reads.append(last)
        return max(reads, default=level[wire])

    for gate in reversed(gates):
        operands = _wires(circuit, gate)
        high = min([level[c] - 1 for c in consumers[gate]] + [last])
        low = level[gate]
        if high <= low:
            continue
        others = {o: need(o, skip=gate) for o in operands}
        candidates = {low, high} | {min(max(others[o] + 1, low), high) for o in operands}

        def cost(lv: int) -> int:
            own = max(need(gate), lv) - lv
            return own + sum(max(others[o], lv - 1) - level[o] for o in operands)

        level[gate] = min(sorted(candidates), key=cost)
