"""The circuit graph: one networkx DiGraph and a small typed API around it.

Every front end (the .circ language, the importers of standard formats) builds a `Circuit`, and
every pass, backend and exporter reads one. The graph has a node per input bit, constant, gate and
output bit; an edge runs from each operand to its consumer; node attributes (names in
`circuitc.keys`) hold the op and the ordered operands, which are the truth (edges only mirror them
for graph algorithms). Everything derived from the graph is deterministic: nodes iterate in
insertion order and topological orders break ties by insertion order.
"""

from __future__ import annotations

import gc
import heapq
import json
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import networkx as nx
import numpy as np

from circuitc import keys as K

_GATE_OPS = frozenset(K.GATE_OPS)

def arity_problem(op: str, n: int) -> str | None:
    """Why `n` operands are wrong for `op`, or None when they are fine."""
    if op in (K.OP_INPUT, K.OP_CONST0, K.OP_CONST1):
        return None if n == 0 else f"'{op}' takes no operands"
    if op in (K.OP_OUTPUT, K.OP_NOT, K.OP_BUF):
        return None if n == 1 else f"'{op}' takes 1 operand, got {n}"
    if op == K.OP_MUX:
        return None if n == 3 else f"'mux' takes 3 operands (select, if-1, if-0), got {n}"
    if op == K.OP_LUT:
        return None if 1 <= n <= K.LUT_MAX_INPUTS else \
            f"'lut' takes 1 to {K.LUT_MAX_INPUTS} operands, got {n}"
    if op in K.GATE_OPS:
        return None if n >= 1 else f"'{op}' needs at least 1 operand"
    return f"unknown op '{op}'"


class Circuit:
    """A combinational boolean circuit.

    Build one with `add_input`/`add_input_vector`, `add_gate`, `const`, and
    `add_output`/`add_output_vector`; or get one from `circuitc.parse_file` or an importer.
    `graph` is the underlying `networkx.DiGraph`, free to read; passes that rewrite it keep the
    node attributes of `circuitc.keys` consistent and call `sync_edges` after changing operands.
    """

    def __init__(self, name: str = "top", graph: nx.DiGraph | None = None):
        if graph is None:
            graph = nx.DiGraph()
            graph.graph[K.G_NAME] = name
            graph.graph[K.G_INPUT_PORTS] = []
            graph.graph[K.G_OUTPUT_PORTS] = []
            graph.graph[K.G_DISTRIBUTION] = []
        self.graph = graph
        self._fresh = 0
        self._packed: bytes | None = None  # the JSON while packed (`pack`)

    # ---- building --------------------------------------------------------------------------
    def _add_node(self, node: str, op: str, operands: Sequence[str] = (), **attrs: Any) -> str:
        if node in self.graph:
            raise ValueError(f"node '{node}' already exists")
        self.graph.add_node(node, **{K.OP: op, K.OPERANDS: tuple(operands)}, **attrs)
        for operand in operands:
            self.graph.add_edge(operand, node)
        return node

    def fresh_name(self, prefix: str = "_n") -> str:
        """A node id not yet in the graph: prefix0, prefix1, ... (deterministic)."""
        while f"{prefix}{self._fresh}" in self.graph:
            self._fresh += 1
        name = f"{prefix}{self._fresh}"
        self._fresh += 1
        return name

    def add_input(self, name: str, loc: str | None = None) -> str:
        """Add a scalar input port of one bit; returns its node id (= name)."""
        self._add_node(name, K.OP_INPUT, **_loc(loc))
        self.graph.graph[K.G_INPUT_PORTS].append({"name": name, "bits": [name], "vector": False})
        return name

    def add_input_vector(self, name: str, width: int, loc: str | None = None) -> list[str]:
        """Add an input port of `width` bits `name[0]` (LSB) .. `name[width-1]`."""
        bits = [f"{name}[{i}]" for i in range(width)]
        for bit in bits:
            self._add_node(bit, K.OP_INPUT, **_loc(loc))
        self.graph.graph[K.G_INPUT_PORTS].append({"name": name, "bits": bits, "vector": True})
        return list(bits)

    def const(self, value: int) -> str:
        """The shared constant node for 0 or 1 (created on first use)."""
        node = K.CONST1_ID if value else K.CONST0_ID
        if node not in self.graph:
            self._add_node(node, K.OP_CONST1 if value else K.OP_CONST0)
        return node

    def add_gate(
        self, op: str, operands: Sequence[str], name: str | None = None, loc: str | None = None
    ) -> str:
        """Add a gate; `name` defaults to a fresh `_n<k>`. Returns its node id."""
        name = name or self.fresh_name()
        self.add_gates([(name, op, operands, loc)])
        return name

    def add_gates(self, gates: Iterable[tuple[str, str, Sequence[str], str | None]]) -> None:
        """Add many gates at once, each (name, op, operands, loc), operands before their users.

        The same checks as `add_gate` (every name given, fresh; operands known), but the graph is
        extended in two bulk calls: importers of 100k-gate netlists spend most time otherwise in
        per-node networkx calls. Nothing is added when a check fails (ValueError)."""
        nodes, edges, new = [], [], set()
        for name, op, operands, loc in gates:
            problem = arity_problem(op, len(operands))
            if problem or op not in K.BASIC_GATE_OPS:  # a LUT needs its TRUTH: passes only
                raise ValueError(problem or f"'{op}' is not a gate op")
            if name in self.graph or name in new:
                raise ValueError(f"node '{name}' already exists")
            missing = [o for o in operands if o not in self.graph and o not in new]
            if missing:
                raise ValueError(f"unknown operand(s) {missing} of gate '{name}'")
            new.add(name)
            nodes.append((name, {K.OP: op, K.OPERANDS: tuple(operands), **_loc(loc)}))
            edges.extend((o, name) for o in operands)
        self.graph.add_nodes_from(nodes)
        self.graph.add_edges_from(edges)

    def add_output(self, name: str, driver: str, loc: str | None = None) -> str:
        """Add a scalar output port driven by node `driver`; returns the output node id."""
        node = self._add_output_bit(name, driver, loc)
        self.graph.graph[K.G_OUTPUT_PORTS].append({"name": name, "bits": [node], "vector": False})
        return node

    def add_output_vector(
        self, name: str, drivers: Sequence[str], loc: str | None = None
    ) -> list[str]:
        """Add an output port whose bit i (LSB first) is driven by `drivers[i]`."""
        nodes = [self._add_output_bit(f"{name}[{i}]", d, loc) for i, d in enumerate(drivers)]
        self.graph.graph[K.G_OUTPUT_PORTS].append({"name": name, "bits": nodes, "vector": True})
        return list(nodes)

    def _add_output_bit(self, name: str, driver: str, loc: str | None) -> str:
        if driver not in self.graph:
            raise ValueError(f"output '{name}' is driven by unknown node '{driver}'")
        return self._add_node(K.OUTPUT_PREFIX + name, K.OP_OUTPUT, (driver,),
                              **{K.NAME: name}, **_loc(loc))

    def set_operands(self, node: str, operands: Sequence[str]) -> None:
        """Replace a node's operands, keeping the edges in step."""
        self.graph.nodes[node][K.OPERANDS] = tuple(operands)
        self.graph.remove_edges_from(list(self.graph.in_edges(node)))
        self.graph.add_edges_from((o, node) for o in operands)

    def sync_edges(self) -> None:
        """Rebuild every edge from the OPERANDS attributes (after bulk rewrites)."""
        self.graph.remove_edges_from(list(self.graph.edges))
        for node, data in self.graph.nodes(data=True):
            self.graph.add_edges_from((o, node) for o in data[K.OPERANDS])

    # ---- reading ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.graph.graph[K.G_NAME]

    @property
    def input_ports(self) -> list[dict]:
        return self.graph.graph[K.G_INPUT_PORTS]

    @property
    def output_ports(self) -> list[dict]:
        return self.graph.graph[K.G_OUTPUT_PORTS]

    @property
    def inputs(self) -> list[str]:
        """Input bit node ids in input-vector order (ports in declaration order, LSB first)."""
        return [bit for port in self.input_ports for bit in port["bits"]]

    @property
    def outputs(self) -> list[str]:
        """Output node ids in output-vector order."""
        return [bit for port in self.output_ports for bit in port["bits"]]

    @property
    def output_names(self) -> list[str]:
        return [self.graph.nodes[o][K.NAME] for o in self.outputs]

    @property
    def distribution(self) -> list[dict]:
        """The declared input distribution (see `circuitc.distribution`); [] means uniform."""
        return self.graph.graph.get(K.G_DISTRIBUTION, [])

    @distribution.setter
    def distribution(self, groups: list[dict]) -> None:
        self.graph.graph[K.G_DISTRIBUTION] = groups

    # op and operands run per gate in every pass: read networkx's node dict directly (the
    # `nodes` view costs several times more per call on graphs of a million nodes)
    def op(self, node: str) -> str:
        return self.graph._node[node][K.OP]

    def operands(self, node: str) -> tuple[str, ...]:
        return self.graph._node[node][K.OPERANDS]

    def driver(self, output: str) -> str:
        """The node an output node reads."""
        return self.operands(output)[0]

    def gates(self, order: list[str] | None = None) -> list[str]:
        """Gate node ids in a deterministic topological order (`order`: that order, if known)."""
        nodes = self.graph._node
        return [n for n in (order if order is not None else self.topological_order())
                if nodes[n][K.OP] in _GATE_OPS]

    def gate_count(self) -> int:
        """How many gates (buffers included): len(gates()) without ordering them."""
        return sum(1 for d in self.graph._node.values() if d[K.OP] in _GATE_OPS)

    def logic_gates(self) -> int:
        """Gates that compute something: all but the buffers (which carry a wire forward)."""
        return sum(1 for d in self.graph._node.values()
                   if d[K.OP] in _GATE_OPS and d[K.OP] != K.OP_BUF)

    def topological_order(self) -> list[str]:
        """Nodes in topological order, ties broken by insertion order (deterministic)."""
        if _follows_operands(self.graph._node):  # the usual case: operands added before users
            return list(self.graph._node)
        return _insertion_topological_order(self.graph)

    def node_levels(self, order: list[str] | None = None) -> dict[str, int]:
        """Longest-path level of every node: inputs and constants 0, a gate 1 + max of operands,
        an output node the level of its driver. (`order`: the topological order, if known.)"""
        return node_levels(self.graph._node,
                           order if order is not None else self.topological_order())

    def levels(self, order: list[str] | None = None) -> list[list[str]]:
        """Gates grouped by level: levels()[0] holds the gates of level 1, and so on."""
        order = order if order is not None else self.topological_order()
        level = self.node_levels(order)
        by_level: list[list[str]] = [[] for _ in range(max(level.values(), default=0))]
        nodes = self.graph._node
        for node in order:
            if nodes[node][K.OP] in _GATE_OPS:
                by_level[level[node] - 1].append(node)
        return by_level

    @property
    def depth(self) -> int:
        return max(self.node_levels().values(), default=0)

    def stats(self) -> dict[str, Any]:
        """A summary: counts of inputs, outputs, gates by kind, depth, and gates per level."""
        order = self.topological_order()
        gates = self.gates(order)
        levels = self.levels(order)
        return {
            "name": self.name,
            "inputs": len(self.inputs),
            "outputs": len(self.outputs),
            "gates": len(gates),
            "gates_by_kind": dict(sorted(Counter(self.op(g) for g in gates).items())),
            "depth": len(levels),
            "width_per_level": [len(lv) for lv in levels],
        }

    def validate(self) -> list[str]:
        """Every structural problem of the graph at once ([] when it is well formed)."""
        nodes, pred = self.graph._node, self.graph._pred
        problems = node_problems(nodes, self.inputs, self.outputs)
        edges_match = True
        for node, data in nodes.items():
            if pred[node].keys() != {o for o in data.get(K.OPERANDS, ()) if o in nodes}:
                problems.append(f"node '{node}': edges do not match operands")
                edges_match = False
        if not (self._acyclic() if edges_match else nx.is_directed_acyclic_graph(self.graph)):
            cycle = nx.find_cycle(self.graph)
            problems.append("combinational loop: " + " -> ".join(u for u, _ in cycle))
        return problems

    def _acyclic(self) -> bool:
        """Whether the edges make no cycle (what nx.is_directed_acyclic_graph says, at a
        fraction of its cost when builders added operands first, the usual case)."""
        try:
            self.topological_order()
        except nx.NetworkXUnfeasible:
            return False
        return True

    def copy(self) -> Circuit:
        """A copy sharing nothing mutable at the graph level: new node attribute dicts (their
        values shared, as networkx's copy does; passes replace values, never edit them)."""
        clone = Circuit(graph=_copy_graph(self.graph))
        clone.graph.graph = json.loads(json.dumps(self.graph.graph))
        clone._fresh = self._fresh
        return clone

    # ---- serialisation ---------------------------------------------------------------------
    def to_json(self) -> str:
        """The graph in networkx node-link form, as deterministic JSON (that of a packed circuit
        too: `pack`)."""
        if self._packed is not None:
            return zlib.decompress(self._packed).decode()
        return "".join(self.json_chunks())

    def json_chunks(self, batch: int = 4096) -> Iterator[str]:
        """`to_json`'s text in pieces, `batch` edges or nodes at a time: the text of nx's
        node_link_data(g, edges="edges") dumped with sorted keys, without building that data
        (a dict per node and per edge: several GB for a 4M-node graph, on top of the ~1 GB of
        text)."""
        g = self.graph
        dump = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode

        def items(records: Iterator[dict]) -> Iterator[str]:
            first = True
            while block := [r for _, r in zip(range(batch), records)]:
                yield ("" if first else ",") + dump(block)[1:-1]  # a list's items, as dumped
                first = False

        yield '{"directed":true,"edges":['
        yield from items({**d, "source": u, "target": v}
                         for u, nbrs in g._succ.items() for v, d in nbrs.items())
        yield '],"graph":' + dump(g.graph) + ',"multigraph":false,"nodes":['
        yield from items({**d, "id": n} for n, d in g._node.items())
        yield "]}"

    def pack(self) -> None:
        """Keep only the circuit's JSON, compressed, and empty its graph: for a holder done with
        the graph that must still hand its JSON on (the compiler while it searches and checks a
        network: the U-AND of m = 2000 is a 4M-node graph, ~6 GB as networkx objects, ~0.1 GB
        packed). `to_json` still works; everything else needs `unpack` first, and says so."""
        if self._packed is not None:
            return
        z = zlib.compressobj(1)
        parts = [z.compress(chunk.encode()) for chunk in self.json_chunks()]
        parts.append(z.flush())
        self.graph.clear()  # emptied, not only dropped: whatever still holds it holds nothing
        self._packed, self.graph = b"".join(parts), _PACKED

    def unpack(self) -> None:
        """The graph back from the JSON `pack` kept (the same nodes, attributes and order)."""
        if self._packed is not None:
            self.graph = Circuit.from_json(self.to_json()).graph
            self._packed = None

    @classmethod
    def from_json(cls, text: str | Mapping) -> Circuit:
        data = json.loads(text) if isinstance(text, str) else dict(text)
        graph = nx.node_link_graph(data, directed=True, multigraph=False, edges="edges")
        for _, attrs in graph.nodes(data=True):
            attrs[K.OPERANDS] = tuple(attrs.get(K.OPERANDS, ()))
        return cls(graph=graph)

    # ---- simulation ------------------------------------------------------------------------
    def simulate(self, x: np.ndarray | Mapping[str, int], **kwargs: Any) -> Any:
        """Evaluate the circuit exactly; see `circuitc.simulate.simulate`."""
        from circuitc.simulate import simulate

        return simulate(self, x, **kwargs)

    def __repr__(self) -> str:
        s = self.stats()
        return (f"Circuit({s['name']!r}, inputs={s['inputs']}, outputs={s['outputs']}, "
                f"gates={s['gates']}, depth={s['depth']})")


class _Packed:
    """The graph of a packed circuit (`Circuit.pack`): any use of it says so."""

    def _fail(self, *args: Any) -> Any:
        raise RuntimeError("the circuit is packed (Circuit.pack): call unpack() first")

    __getattr__ = __getitem__ = __contains__ = __iter__ = __len__ = _fail


_PACKED = _Packed()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector off (restored after). The front end,
    the passes and the lowering allocate millions of small dicts, tuples and lists, and every
    collection walks all of them: it tripled the time of parsing a 1 MB file and took about a
    third of simplify's time on a 40k-AND multiplier (measured). Reference counting still frees
    whatever is not in a cycle, so nothing run here may leave a cycle behind: it would wait for
    a full collection (tests/test_limits.py checks that a parse leaves no cyclic garbage). At
    the end what survived goes straight to the oldest generation (freeze, then unfreeze: where
    it would end up anyway) instead of being scanned as young objects first; skipped when the
    program has frozen objects of its own, which unfreeze would release."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def node_problems(nodes: Mapping[str, Mapping], inputs: list[str],
                  outputs: list[str]) -> list[str]:
    """The problems of nodes {id: attributes} (a graph's, or `circuitc.nodes`') and of the port
    bits `inputs` and `outputs` that `Circuit.validate` reports, but for edges and loops: ops
    and their arity, LUT tables, unknown operands, reads of output nodes, port bits that are no
    node or are listed twice, input and output nodes outside every port."""
    problems = []
    arity_ok: dict[tuple[str, int], str | None] = {}  # (op, operands) -> arity_problem
    for node, data in nodes.items():
        op = data.get(K.OP)
        operands = data.get(K.OPERANDS, ())
        if (op, len(operands)) not in arity_ok:
            arity_ok[op, len(operands)] = arity_problem(op, len(operands)) \
                if op in K.ALL_OPS else f"unknown op {op!r}"
        problem = arity_ok[op, len(operands)]
        if problem:
            problems.append(f"node '{node}': {problem}")
        elif op == K.OP_LUT and not _truth_ok(data.get(K.TRUTH), len(operands)):
            problems.append(f"node '{node}': 'lut' needs a {K.TRUTH!r} table of "
                            f"2^{len(operands)} bits (hex), got {data.get(K.TRUTH)!r}")
        for o in operands:
            if o not in nodes:
                problems.append(f"node '{node}': unknown operand '{o}'")
            elif nodes[o].get(K.OP) == K.OP_OUTPUT:
                problems.append(f"node '{node}': reads output node '{o}'")
    in_ports, out_ports = set(inputs), set(outputs)
    port_bits = inputs + outputs
    for bit in port_bits:
        if bit not in nodes:
            problems.append(f"port bit '{bit}' is not a node")
    dup = [b for b, c in Counter(port_bits).items() if c > 1]
    problems += [f"port bit '{b}' listed twice" for b in dup]
    for node, data in nodes.items():
        if data.get(K.OP) == K.OP_INPUT and node not in in_ports:
            problems.append(f"input node '{node}' belongs to no input port")
        if data.get(K.OP) == K.OP_OUTPUT and node not in out_ports:
            problems.append(f"output node '{node}' belongs to no output port")
    return problems


def node_levels(nodes: Mapping[str, Mapping], order: Iterable[str]) -> dict[str, int]:
    """`Circuit.node_levels` of nodes {id: attributes} (a graph's, or `circuitc.nodes`') in
    topological `order`."""
    level: dict[str, int] = {}
    for node in order:
        data = nodes[node]
        ops = data[K.OPERANDS]
        if not ops:
            level[node] = 0
        elif data[K.OP] == K.OP_OUTPUT:
            level[node] = level[ops[0]]
        elif len(ops) == 2:
            a, b = level[ops[0]], level[ops[1]]
            level[node] = 1 + (a if a > b else b)
        else:
            level[node] = 1 + max([level[o] for o in ops])
    return level


def topological_order(nodes: Mapping[str, Mapping]) -> list[str]:
    """`Circuit.topological_order` of nodes {id: attributes} from their OPERANDS alone (which
    the edges mirror): their order when every node follows its operands, else Kahn's algorithm
    taking the earliest-inserted ready node first. NetworkXUnfeasible on a cycle."""
    if _follows_operands(nodes):
        return list(nodes)
    users: dict[str, list[str]] = {n: [] for n in nodes}
    waiting = []
    for node, data in nodes.items():
        operands = set(data[K.OPERANDS])  # one edge per distinct operand
        waiting.append(len(operands))
        for o in operands:
            users[o].append(node)
    return _kahn(list(nodes), users, waiting)


def _follows_operands(nodes: Mapping[str, Mapping]) -> bool:
    """Whether every node comes after its operands in `nodes`' own (insertion) order."""
    seen: set[str] = set()
    add, below = seen.add, seen.issuperset
    for node, data in nodes.items():
        if not below(data.get(K.OPERANDS, ())):
            return False
        add(node)
    return True


def _insertion_topological_order(graph: nx.DiGraph) -> list[str]:
    """Kahn's algorithm taking the earliest-inserted ready node first: the order of
    networkx's lexicographical_topological_sort keyed by insertion index, on plain lists and
    integer heaps (that function's views and tuple keys cost most of a compile, measured:
    29 of 70 s on the EPFL multiplier). NetworkXUnfeasible on a cycle, as networkx."""
    names = list(graph._node)
    return _kahn(names, graph._succ, [len(graph._pred[n]) for n in names])


def _kahn(names: list[str], users: Mapping[str, Iterable[str]], waiting: list[int]) -> list[str]:
    """Kahn's algorithm on `names` (insertion order), the earliest-inserted ready node first:
    users[n] read n, waiting[i] is how many distinct nodes names[i] reads."""
    index = {n: i for i, n in enumerate(names)}
    ready = [i for i, w in enumerate(waiting) if w == 0]  # ascending: already a heap
    order: list[str] = []
    while ready:
        node = names[heapq.heappop(ready)]
        order.append(node)
        for user in users[node]:
            j = index[user]
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) != len(names):
        raise nx.NetworkXUnfeasible("graph contains a cycle")
    return order


def _copy_graph(graph: nx.DiGraph) -> nx.DiGraph:
    """networkx's `DiGraph.copy` on its dicts directly, keeping every node's predecessor order
    too: that function adds every node and edge through the generic calls (2.5 s a copy of
    the 100k-AND multiplier's graph, three copies a compile)."""
    new = nx.DiGraph()
    new.graph.update(graph.graph)
    new._node.update((n, d.copy()) for n, d in graph._node.items())
    succ = {u: {v: d.copy() for v, d in nbrs.items()} for u, nbrs in graph._succ.items()}
    new._succ.update(succ)  # the same dict as new._adj
    new._pred.update((v, {u: succ[u][v] for u in nbrs}) for v, nbrs in graph._pred.items())
    return new


def _truth_ok(truth: Any, n: int) -> bool:
    try:
        return isinstance(truth, str) and 0 <= int(truth, 16) < 1 << (1 << n)
    except ValueError:
        return False


def _loc(loc: str | None) -> dict[str, str]:
    return {K.LOC: loc} if loc else {}


def iter_nodes(circuit: Circuit, ops: Iterable[str]) -> list[str]:
    """Node ids whose op is in `ops`, in insertion order."""
    wanted = set(ops)
    return [n for n, op in circuit.graph.nodes(data=K.OP) if op in wanted]
