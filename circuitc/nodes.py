"""A circuit's nodes read from its JSON without building its graph: what simulation needs.

`read_nodes(text)` takes a circuit's node-link JSON (`Circuit.to_json`, the text a network file
embeds) and returns `Nodes`: the graph-level attributes (name, ports, distribution) as a
`Circuit` without nodes, so `ports.inputs`, `ports.outputs` and `circuitc.distribution.sample`
work on it, and per node only its op, operands and LUT table (keys.OP, OPERANDS, TRUTH), in
the file's order. A networkx graph of the same circuit costs about 2 KB a node once loaded
(2.2 GB for the U-AND of m = 1000, 1M nodes), these ~0.3 KB; the parse never holds the JSON's
full node dicts or its edge list either (they are reduced as they are decoded). Meant for a
circuit already validated (`circuitc.netfile.load` validates the one a network file embeds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import networkx as nx

from circuitc import keys as K
from circuitc.graph import Circuit, node_levels, topological_order
from circuitc.simulate import Schedule

_GATE_OPS = frozenset(K.GATE_OPS) - {K.OP_BUF}


@dataclass
class Nodes:
    """The graph-level attributes of a circuit (`ports`) and its nodes' op, operands and table."""

    ports: Circuit  # no nodes: name, input and output ports, distribution
    data: dict[str, dict[str, Any]]  # id -> {OP, OPERANDS (tuple), TRUTH (LUTs)}

    @classmethod
    def of(cls, circuit: Circuit) -> "Nodes":
        """The nodes of a parsed circuit (its graph's own attribute dicts, nothing copied)."""
        return cls(circuit, circuit.graph._node)

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

    def reduce(obj: dict) -> Any:
        if K.OP in obj and "id" in obj:  # a node: keep what simulation reads
            name = names.setdefault(obj["id"], obj["id"])
            data = {K.OP: names.setdefault(obj[K.OP], obj[K.OP]),
                    K.OPERANDS: tuple(names.setdefault(o, o) for o in obj.get(K.OPERANDS, ()))}
            if K.TRUTH in obj:
                data[K.TRUTH] = names.setdefault(obj[K.TRUTH], obj[K.TRUTH])
            nodes[name] = data
            return None
        if "source" in obj and "target" in obj and len(obj) <= 3:  # an edge: they mirror operands
            return None
        return obj

    data = json.loads(text, object_hook=reduce)
    graph = nx.DiGraph()
    graph.graph.update(data.get("graph", {}))
    del data
    return Nodes(Circuit(graph=graph), nodes)
