"""Small helpers shared by the passes: rebuilding a circuit, fresh names, packed simulation.

Passes rebuild rather than edit in place: `shell` gives a new circuit with the same graph
attributes, ports and input nodes, the pass adds its gates in a topological order and then the
output nodes with `add_outputs`. That keeps node insertion order (and so every derived order)
deterministic and never touches the argument (but one handed over to the pass, `consumable`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from circuitc import keys as K
from circuitc.distribution import group_problem
from circuitc.errors import CircuitError, Diagnostic
from circuitc.graph import Circuit
from circuitc.simulate import Schedule, pack

_GATE_OPS, _CONST_OPS = frozenset(K.GATE_OPS), frozenset(K.CONST_OPS)


def drop_views(circuit: Circuit) -> None:
    """Forget the views networkx caches on the graph (`graph.nodes`, `.succ`, ...: each holds
    the graph, a reference cycle). With the collector paused (`graph.gc_paused`) a graph in
    such a cycle would outlive its last use; without them reference counting frees it at once.
    They are rebuilt on the next access."""
    for view in _CACHED_VIEWS:
        circuit.graph.__dict__.pop(view, None)


_CACHED_VIEWS = list(dict.fromkeys(name for cls in nx.DiGraph.__mro__
                                   for name, value in vars(cls).items()
                                   if isinstance(value, functools.cached_property)))


def hand_over(circuit: Circuit, handed: bool = True) -> Circuit:
    """Mark `circuit` as handed over to the next pass (or, handed=False, as the caller's again).
    `run_passes` hands over each pass's result, which nothing else holds: the passes that only
    annotate a circuit (monomials, polarity, levelize, fanin when nothing splits) then write
    into it instead of copying it first, a quarter of their time on a 1M-node graph, and the
    ones that rebuild it take it apart as they go (`consumable`)."""
    circuit._handed_over = handed
    return circuit


def writable(circuit: Circuit) -> Circuit:
    """The circuit a pass may annotate: `circuit` itself when it was handed over (the mark is
    used up), else a copy, so a pass never touches a caller's circuit."""
    if getattr(circuit, "_handed_over", False):
        circuit._handed_over = False
        return circuit
    return circuit.copy()


def consumable(circuit: Circuit) -> bool:
    """Whether a rebuilding pass may take `circuit` apart while it builds its result: when it
    was handed over (the mark is used up, as by `writable`). Such a pass reads the argument
    once, in topological order, and nothing reads it afterwards (`run_passes` drops it), so
    freeing its edges (`drop_edges`) and the nodes already read keeps one graph, not two, at
    the pass's peak: the freed dicts are what the new graph's nodes reuse."""
    if getattr(circuit, "_handed_over", False):
        circuit._handed_over = False
        return True
    return False


def drop_edges(circuit: Circuit) -> None:
    """Free the edges of a consumed circuit (`consumable`), about half of its graph: its node
    attributes (op, operands) still say everything a pass reads. The circuit is no longer a
    well-formed graph after this; only its nodes, ports and graph attributes may be read."""
    drop_views(circuit)
    circuit.graph._succ.clear()  # (the graph's _adj is the same dict)
    circuit.graph._pred.clear()


def shell(circuit: Circuit) -> Circuit:
    """A new circuit with `circuit`'s graph attributes and input nodes, and nothing else."""
    new = Circuit(circuit.name)
    new.graph.graph = json.loads(json.dumps(circuit.graph.graph))
    for bit in circuit.inputs:
        new.graph.add_node(bit, **_copy_attrs(circuit.graph.nodes[bit]))
    return new


def add_node(circuit: Circuit, node: str, op: str, operands: Sequence[str], **attrs: Any) -> str:
    """Add a node with its edges (no checks: the passes build well-formed graphs, operands
    first). What networkx's add_node and add_edges_from do, on its dicts directly: the passes
    add every node of every circuit they build one at a time, and the generic calls were a
    tenth of a compile (measured on generated multipliers)."""
    g = circuit.graph
    data = g._node.get(node)
    if data is None:
        g._succ[node], g._pred[node] = {}, {}
        data = g._node[node] = {}
    data[K.OP], data[K.OPERANDS] = op, tuple(operands)
    data.update(attrs)
    succ, pred = g._succ, g._pred[node]
    for o in operands:
        pred[o] = succ[o].setdefault(node, {})
    nx._clear_cache(g)
    return node


def rebuild(old: Circuit, new: Circuit,
            gate: Callable[[str, str, list[str], dict[str, Any]], str],
            consume: bool = False) -> None:
    """Rebuild `old` into `new` (from `shell`) in topological order: constants map to `new`'s,
    each gate becomes whatever node `gate(id, op, mapped operands, {LOC})` returns, and the
    output nodes follow their mapped drivers. consume: `old` is the caller's to take apart
    (`consumable`): its edges are freed once its order is known (its nodes stay readable)."""
    rep: dict[str, str] = {b: b for b in old.inputs}
    nodes = old.graph._node
    order = old.topological_order()
    if consume:
        drop_edges(old)
    for node in order:
        data = nodes[node]
        op = data[K.OP]
        if op in _CONST_OPS:
            rep[node] = new.const(op == K.OP_CONST1)
        elif op in _GATE_OPS:
            attrs = {K.LOC: data[K.LOC]} if K.LOC in data else {}
            rep[node] = gate(node, op, [rep[o] for o in data[K.OPERANDS]], attrs)
    add_outputs(new, old, rep.__getitem__)


def add_outputs(new: Circuit, old: Circuit, driver_of: Callable[[str], str]) -> None:
    """Copy every output node of `old` into `new`, reading `driver_of(old driver)`."""
    nodes = old.graph._node
    for out in old.outputs:
        data = nodes[out]
        attrs = _copy_attrs({k: v for k, v in data.items() if k != K.OP and k != K.OPERANDS})
        add_node(new, out, K.OP_OUTPUT, (driver_of(data[K.OPERANDS][0]),), **attrs)


def unique_name(circuit: Circuit, base: str) -> str:
    """`base` if it is not a node yet, else `base#1`, `base#2`, ... (deterministic)."""
    if base not in circuit.graph:
        return base
    i = 1
    while f"{base}#{i}" in circuit.graph:
        i += 1
    return f"{base}#{i}"


def prune_dead(circuit: Circuit) -> int:
    """Remove every gate and constant that reaches no output; returns how many were removed."""
    live: set[str] = set(circuit.inputs)
    stack = list(circuit.outputs)
    nodes = circuit.graph._node
    while stack:
        node = stack.pop()
        if node not in live:
            live.add(node)
            stack.extend(nodes[node][K.OPERANDS])
    dead = [n for n in nodes if n not in live]
    circuit.graph.remove_nodes_from(dead)
    return len(dead)


def packed_chunks(circuit: Circuit, x: np.ndarray, max_bytes: int = 128 << 20):
    """Simulate bool inputs x [n, n_inputs] a chunk of samples at a time, so wide circuits
    simulate in bounded memory: yields ({node: row}, uint64 [rows, words] with the padding bits
    of the last word cleared (gates such as NOT would otherwise set them), samples in the chunk)."""
    schedule = Schedule.of(circuit)
    chunk = 64 * max(1, max_bytes // (8 * max(1, len(schedule.rows))))
    for start in range(0, len(x), chunk):
        xb = x[start:start + chunk]
        values = schedule.run(pack(xb))
        if len(xb) % 64:
            values[:, -1] &= np.uint64((1 << (len(xb) % 64)) - 1)
        yield schedule.rows, values, len(xb)


def ones_fraction(values: np.ndarray, n: int) -> np.ndarray:
    """Fraction of the n samples that are 1, per row of packed (padding-cleared) values."""
    if n == 0:
        return np.zeros(len(values))
    return np.bitwise_count(values).sum(axis=1) / n


def per_sample_counts(values: np.ndarray, n: int) -> np.ndarray:
    """int [n]: how many rows of packed values are 1 in each sample."""
    counts = np.zeros(n, dtype=np.int64)
    for start in range(0, len(values), 256):  # bounded memory on wide levels
        block = np.ascontiguousarray(values[start:start + 256], dtype="<u8")
        bits = np.unpackbits(block.view(np.uint8), axis=1, bitorder="little")[:, :n]
        counts += bits.sum(axis=0, dtype=np.int64)
    return counts


def input_groups(circuit: Circuit, groups: Sequence[Mapping] | None) -> list[dict]:
    """The distribution to sample (the override or the declared one), checked; CircuitError
    listing every problem when a group names unknown inputs or cannot be sampled."""
    chosen = [dict(g) for g in (circuit.distribution if groups is None else groups)]
    known = set(circuit.inputs)
    problems = []
    for i, group in enumerate(chosen):
        if group.get("kind") not in ("uniform", "sparse", "atmost", "bernoulli"):
            problems.append(f"distribution group {i}: unknown kind {group.get('kind')!r}")
            continue
        unknown = sorted(set(group.get("inputs", ())) - known)
        if unknown:
            problems.append(f"distribution group {i}: unknown input(s) {', '.join(unknown[:5])}")
            continue
        problem = group_problem(group, len(group["inputs"]))
        if problem:
            problems.append(f"distribution group {i}: {problem}")
    if problems:
        raise CircuitError([Diagnostic(p, circuit.name) for p in problems])
    return chosen


def _copy_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of node attributes; immutable scalars (most of them) are shared, only
    containers take the JSON round trip."""
    return {k: (tuple(v) if k == K.OPERANDS else v if isinstance(v, _SCALARS)
                else json.loads(json.dumps(v)))
            for k, v in attrs.items()}


_SCALARS = (str, int, float, bool, type(None))
