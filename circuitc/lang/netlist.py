"""The netlist that elaboration builds, then checks and copies into a `Circuit`.

A .circ body is a set of equations, not a program (a wire may be read above the line that
assigns it), so elaboration first builds this private netlist of `Node`s keyed by id: anonymous
gates `%k` ('%' cannot appear in a .circ name), wire-bit slots (see `circuitc.lang.wires`),
inputs and the two constants. A slot is filled either by renaming the fresh gate that computed
it, so that wires keep their names, or by an alias node that names another node. When the whole
file has been elaborated without error, `to_circuit` reports combinational loops, warns about
dead wires and unused inputs, resolves the aliases and adds the nodes to a `Circuit` in
topological order.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from lark import Token, Tree

from circuitc import keys as K
from circuitc import limits
from circuitc.graph import Circuit
from circuitc.lang.source import Abort, Source, Where, quoted
from circuitc.lang.wires import Scope, Wire

ALIAS = "=alias"  # netlist-only op: the node is another name for its one operand


@dataclass
class Node:
    op: str
    operands: list[str]
    loc: str | None
    local: str | None = None  # slot nodes: the wire bit's name as written in its module
    where: Where | None = None  # slot nodes: the assignment that filled the slot
    kind: str | None = None  # slot nodes: "in", "out" or "wire"


class Netlist:
    def __init__(self, source: Source, max_gates: int):
        self.source = source
        self.max_gates = max_gates
        self.nodes: dict[str, Node] = {}
        self.fresh: set[str] = set()  # anonymous gates not yet named after a wire
        # anonymous gates renamed after the wire bit they drive: gates built for several uses
        # (a shared carry, a replicated bit) may still name them as operands
        self.moved: dict[str, str] = {}
        self.n_anon = 0

    # -- building ------------------------------------------------------------------------------
    def _anonymous(self, node: Node) -> str:
        name = f"%{self.n_anon}"
        self.n_anon += 1
        self.nodes[name] = node
        return name

    def gate(self, op: str, operands: list[str], at: Tree | Token | Where) -> str:
        node = self._anonymous(Node(op, operands, self.source.loc(at)))
        self.fresh.add(node)
        if len(self.nodes) > self.max_gates:
            self.source.error(limits.NETLIST.exceeded(
                f"the netlist grows to {len(self.nodes):,} nodes (inputs, wire bits and gates) "
                "here",
                "; does a loop unroll further than intended?"), at)
            raise Abort
        return node

    def placeholder(self, at: Tree) -> str:
        """An alias whose operand is set later (a read of a wire bit defined further down)."""
        return self._anonymous(Node(ALIAS, [], self.source.loc(at)))

    def const(self, value: int, at: Tree | Token | Where) -> str:
        node = K.CONST1_ID if value else K.CONST0_ID
        if node not in self.nodes:
            self.nodes[node] = Node(K.OP_CONST1 if value else K.OP_CONST0, [],
                                    self.source.loc(at))
        return node

    def inputs(self, wire: Wire, at: Tree) -> None:
        """Make the bits of an input port of the circuit primary inputs."""
        loc = self.source.loc(at)
        for i, slot in enumerate(wire.slots):
            self.nodes[slot] = Node(K.OP_INPUT, [], loc, wire.bit_name(i), wire.where, "in")
            wire.assigned[i] = wire.where

    def fill(self, wire: Wire, i: int, ref: str | None, at: Where) -> None:
        """Assign bit i of a wire: name a fresh gate after it, or alias it to an existing node."""
        wire.assigned[i] = at
        if ref is None:  # the right-hand side had an error: leave the slot empty, silently
            return
        if ref in self.fresh:
            self.fresh.discard(ref)
            node = self.nodes.pop(ref)
            self.moved[ref] = wire.slots[i]
        else:
            ref = self.moved.get(ref, ref)
            node = Node(ALIAS, [ref], self.source.loc(at))
        node.local, node.where, node.kind = wire.bit_name(i), at, wire.kind
        self.nodes[wire.slots[i]] = node

    # -- the end: loops, liveness, the Circuit -------------------------------------------------
    def to_circuit(self, name: str, top: Scope, distribution: list[dict]) -> Circuit | None:
        """The Circuit of the elaborated top scope; None when there are combinational loops."""
        if self.moved:
            for data in self.nodes.values():
                data.operands = [self.moved.get(o, o) for o in data.operands]
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from((o, node) for node, data in self.nodes.items()
                             for o in data.operands)
        if _has_cycle(graph) and self._report_loops(graph):
            return None
        live = set()
        stack = [slot for w in top.wires.values() if w.kind == "out" for slot in w.slots]
        while stack:
            node = stack.pop()
            if node not in live:
                live.add(node)
                stack.extend(self.nodes[node].operands)
        self._report_dead(top, live)
        circuit = self._emit(name, top, graph, distribution, self._needed())
        graph.clear()  # networkx caches views that point back at the graph: free its edges now
        return circuit

    def _report_loops(self, graph: nx.DiGraph) -> bool:
        """Report every combinational loop (a strongly connected component), by wire names."""
        found = False
        order = {n: i for i, n in enumerate(self.nodes)}
        for component in nx.strongly_connected_components(graph):
            if len(component) == 1 and not any(graph.has_edge(n, n) for n in component):
                continue  # no loop (checked first: almost every component is one node)
            start = min(component, key=order.__getitem__)
            found = True
            cycle = [u for u, _ in nx.find_cycle(graph.subgraph(component), start)]
            # Every loop passes through a wire slot: a gate's operands are older gates or slots.
            named = [self.nodes[n] for n in cycle if self.nodes[n].local is not None]
            first = min(named, key=lambda n: n.where)
            k = named.index(first)
            names = [n.local for n in named[k:] + named[:k]]
            self.source.error("combinational loop: " + " -> ".join(names + [names[0]]),
                              first.where)
        return found

    def _report_dead(self, top: Scope, live: set[str]) -> None:
        dead: dict[Where, list[str]] = {}
        for node, data in self.nodes.items():
            if data.kind == "wire" and node not in live:
                dead.setdefault(data.where, []).append(data.local)
        for where, names in sorted(dead.items()):
            verb = "is" if len(names) == 1 else "are"
            self.source.warning(f"dead wire: {quoted(names)} {verb} assigned but "
                                f"reach{'es' * (verb == 'is')} no output", where)
        for wire in top.wires.values():
            if wire.kind != "in" or wire.width is None:
                continue
            unused = [wire.bit_name(i) for i, s in enumerate(wire.slots) if s not in live]
            read = any(s in top.reads for s in wire.slots if s not in live)
            if len(unused) == len(wire.slots):
                self.source.warning(f"input '{wire.name}' " + ("does not affect any output"
                                                               if read else "is never used"),
                                    wire.where)
            elif unused:
                self.source.warning(f"input bits {quoted(unused)} "
                                    + ("do not affect any output" if read else "are never used"),
                                    wire.where)

    def _needed(self) -> set[str]:
        """Nodes that reach an output or a named wire (which stays even when dead)."""
        needed: set[str] = set()
        stack = [n for n, data in self.nodes.items()
                 if not n.startswith("%") and data.op not in K.CONST_OPS]
        while stack:
            node = stack.pop()
            if node not in needed:
                needed.add(node)
                stack.extend(self.nodes[node].operands)
        return needed

    def _emit(self, name: str, top: Scope, graph: nx.DiGraph, distribution: list[dict],
              needed: set[str]) -> Circuit:
        circuit = Circuit(name)

        def resolve(node: str) -> str:
            while self.nodes[node].op == ALIAS:
                node = self.nodes[node].operands[0]
            return node

        for wire in top.wires.values():
            if wire.kind == "in":
                loc = self.source.loc(wire.where)
                if wire.vector:
                    circuit.add_input_vector(wire.name, wire.width, loc)
                else:
                    circuit.add_input(wire.name, loc)
        # Anonymous gates and constants that reach nothing are dropped: parts of an adder or
        # table that this use of it does not need (the sum bits behind `carry(a, b)`). Named
        # dead wires stay and were warned about.
        real = [n for n in nx.topological_sort(graph) if n in needed
                and self.nodes[n].op != ALIAS]
        reserved = {n for n in real if not n.startswith("%")}
        names: dict[str, str] = {}
        gates: list[tuple] = []  # added in bulk (add_gates), in this order, before any constant
        for node in real:
            data = self.nodes[node]
            if len(gates) == _BULK:  # bounded, so the bulk lists stay small beside the graph
                circuit.add_gates(gates)
                gates.clear()
            if data.op == K.OP_INPUT:
                names[node] = node
            elif data.op in K.CONST_OPS:
                circuit.add_gates(gates)
                gates.clear()
                names[node] = circuit.const(1 if data.op == K.OP_CONST1 else 0)
                circuit.graph.nodes[names[node]].setdefault(K.LOC, data.loc)
            else:
                gate = node
                if node.startswith("%"):
                    gate = circuit.fresh_name()  # fresh names count up: pending ones differ
                    while gate in reserved:
                        gate = circuit.fresh_name()
                operands = [names[resolve(o)] for o in data.operands]
                gates.append((gate, data.op, operands, data.loc))
                names[node] = gate
        circuit.add_gates(gates)
        for wire in top.wires.values():
            if wire.kind != "out":
                continue
            drivers = [names[resolve(s)] for s in wire.slots]
            loc = self.source.loc(wire.where)
            if wire.vector:
                circuit.add_output_vector(wire.name, drivers, loc)
            else:
                circuit.add_output(wire.name, drivers[0], loc)
        circuit.distribution = distribution
        return circuit


_BULK = 4096  # gates `_emit` adds to the circuit in one `add_gates` call


def _has_cycle(graph: nx.DiGraph) -> bool:
    """Whether the graph has a directed cycle, found in C (scipy's strongly connected
    components) so that a large acyclic netlist costs no per-node Python; the loops themselves
    are then named by `_report_loops`."""
    n = graph.number_of_nodes()
    if n == 0:
        return False
    index = {node: i for i, node in enumerate(graph)}
    edges = np.array([(index[u], index[v]) for u, v in graph.edges], dtype=np.int64)
    if len(edges) == 0:
        return False
    if (edges[:, 0] == edges[:, 1]).any():
        return True
    matrix = sp.csr_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])),
                           shape=(n, n))
    count, _ = connected_components(matrix, directed=True, connection="strong")
    return count < n
