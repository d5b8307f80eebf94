"""A circuit's nodes read from its JSON without building its graph: what simulation needs.

`read_nodes(text)` takes a circuit's node-link JSON (`Circuit.to_json`, the text a network file
embeds) and returns `Nodes`: the graph-level attributes (name, ports, distribution) as a
`Circuit` without nodes, so `ports.inputs`, `ports.outputs` and `circuitc.distribution.sample`
work on it, and per node only its op, operands and LUT table (keys.OP, OPERANDS, TRUTH; the
port name of output nodes), in the file's order. A networkx graph of the same circuit costs
about 2 KB a node once loaded (2.2 GB for the U-AND of m = 1000, 1M nodes), these ~0.3 KB;
the parse never holds the JSON's full node dicts or its edge list either (they are reduced as
they are decoded).
`Nodes.validate` finds what `Circuit.validate` finds in the graph: `circuitc.netfile.load`
validates the circuit a network file embeds with it when it is not asked for the graph.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx

from circuitc import keys as K
from circuitc.graph import Circuit, node_levels, node_problems, topological_order
from circuitc.simulate import Schedule

_GATE_OPS = frozenset(K.GATE_OPS) - {K.OP_BUF}


@dataclass
class Nodes:
    """The graph-level attributes of a circuit (`ports`) and its nodes' op, operands and table."""

    ports: Circuit  # no nodes: name, input and output ports, distribution
    data: dict[str, dict[str, Any]]  # id -> {OP, OPERANDS (tuple), TRUTH (LUTs), NAME (outputs)}
    read_problems: list[str] = field(default_factory=list)  # what `read_nodes` found wrong

    @classmethod
    def of(cls, circuit: Circuit) -> "Nodes":
        """The nodes of a parsed circuit (its graph's own attribute dicts, nothing copied)."""
        return cls(circuit, circuit.graph._node)

    @property
    def output_names(self) -> list[str]:
        """`Circuit.output_names`."""
        return [self.data[o][K.NAME] for o in self.ports.outputs]

    def validate(self) -> list[str]:
        """Every problem `Circuit.validate` finds in the same circuit's graph, without building
        it (edges are checked as they are read: each mirrors an operand)."""
        problems = node_problems(self.data, self.ports.inputs, self.ports.outputs) + \
            self.read_problems
        if not problems:
            try:
                topological_order(self.data)
            except nx.NetworkXUnfeasible:  # name the loop as Circuit.validate does
                graph = nx.DiGraph()
                graph.add_nodes_from(self.data)
                graph.add_edges_from((o, n) for n, d in self.data.items() for o in d[K.OPERANDS])
                cycle = nx.find_cycle(graph)
                problems.append("combinational loop: " + " -> ".join(u for u, _ in cycle))
        return problems

    @cached_property
    def schedule(self) -> Schedule:
        """The simulation schedule (`circuitc.simulate.Schedule.of` without a graph)."""
        order = topological_order(self.data)
        return Schedule.of_nodes(self.data, order, node_levels(self.data, order),
                                 self.ports.inputs, self.ports.outputs)

    def logic_gates(self) -> int:
        """`Circuit.logic_gates`: gates but the buffers."""
        return sum(1 for d in self.data.values() if d[K.OP] in _GATE_OPS)


def read_nodes(text: str) -> Nodes:
    """The `Nodes` of a circuit's JSON text (see the module docstring)."""
    nodes: dict[str, dict[str, Any]] = {}
    names: dict[str, str] = {}  # one string object per name, op and table
    edges = [0, []]  # how many, and those whose target came after them (checked at the end)

    def reduce(obj: dict) -> Any:
        if "id" in obj and not ("source" in obj and "target" in obj):  # a node: keep what
            name = names.setdefault(obj["id"], obj["id"])  # simulation and validation read
            op = obj.get(K.OP)
            data = {K.OP: names.setdefault(op, op),
                    K.OPERANDS: tuple(names.setdefault(o, o) for o in obj.get(K.OPERANDS, ()))}
            if K.TRUTH in obj:
                data[K.TRUTH] = names.setdefault(obj[K.TRUTH], obj[K.TRUTH])
            if op == K.OP_OUTPUT:
                data[K.NAME] = obj.get(K.NAME)
            nodes[name] = data
            return None
        if "source" in obj and "target" in obj:  # an edge: it only mirrors an operand
            edges[0] += 1
            target = nodes.get(obj["target"])
            if target is None or obj["source"] not in target[K.OPERANDS]:
                edges[1].append((obj["source"], obj["target"]))
            return None
        return obj

    data = json.loads(text, object_hook=reduce)
    graph = nx.DiGraph()
    graph.graph.update(data.get("graph", {}))
    del data
    count, late = edges
    mirrored = count == sum(len({o for o in d[K.OPERANDS] if o in nodes}) for d in nodes.values())
    late = [(s, t) for s, t in late if t not in nodes or s not in nodes[t][K.OPERANDS]]
    problems = [f"node '{t}': edges do not match operands" for _, t in late]
    if not mirrored and not problems:
        problems.append("edges do not match operands: some operand has no edge")
    return Nodes(Circuit(graph=graph), nodes, problems)
