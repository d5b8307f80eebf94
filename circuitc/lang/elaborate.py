"""Syntax tree -> Circuit: modules inlined, loops unrolled, vectors bit-blasted.

`parse_text(text, path, params, warnings)` parses a .circ file (see docs/language.md) and
elaborates its one `circuit` block into a `circuitc.graph.Circuit`. Every problem of the file is
collected first and raised together as one `CircuitError`; warnings (unused inputs, wires that
reach no output) go to the caller's `warnings` list.

How it works. Elaboration builds a private netlist (`_Node`s keyed by node id) rather than the
`Circuit` directly, because a .circ body is a set of equations, not a program: a wire may be read
above the line that assigns it. Each wire bit has a *slot* id (`c[3]`, or `adder_0.c[3]` inside
an instance); reading the wire reads the slot, assigning it fills the slot, either by naming the
gate that the right-hand side made after the wire (so wires keep their names) or, when the
right-hand side is just another wire, constant or input, with an alias. Implicitly declared wires
(`t = a & b;` with no `wire t`) take the width of their right-hand side, so a statement that reads
such a wire whole waits until that wire's own statement has run; statements that wait on each
other form a combinational loop and are reported as one. When the whole file is elaborated
without error, aliases are resolved, loops among the bits are searched for, liveness gives the
warnings, and the nodes are copied into a `Circuit` in topological order.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from lark import Token, Tree

from circuitc import keys as K
from circuitc.distribution import group_problem
from circuitc.errors import CircuitError, Diagnostic, Diagnostics
from circuitc.graph import Circuit
from circuitc.lang.parse import parse_tree

MAX_GATES = 1_000_000  # elaboration stops beyond this many nodes or unrolled statements
MAX_VALUE_BITS = 256  # compile-time integers are bounded so that `2 ** 2 ** 40` cannot hang

# Gates callable by name. The reducing ones fold every bit of every argument into one bit.
REDUCING = {"and": K.OP_AND, "or": K.OP_OR, "xor": K.OP_XOR, "nand": K.OP_NAND,
            "nor": K.OP_NOR, "xnor": K.OP_XNOR, "maj": K.OP_MAJ}
BITWISE1 = {"not": K.OP_NOT, "buf": K.OP_BUF}
GATE_NAMES = frozenset(REDUCING) | frozenset(BITWISE1) | {"mux"}
PRAGMAS = ("uniform", "sparse", "atmost", "bernoulli")

_INFIX = {"and_expr": (K.OP_AND, "&"), "xor_expr": (K.OP_XOR, "^"), "or_expr": (K.OP_OR, "|")}
_ALIAS = "=alias"  # netlist-only op: the node is another name for its one operand
_DISCARD = "_"  # assigning to `_` throws a value away (e.g. an unused module output)

Where = tuple[int, int]  # (line, column), 1-based


# ---- public API ------------------------------------------------------------------------------
def parse_text(text: str, path: str = "<input>", params: dict[str, int] | None = None,
               warnings: list | None = None) -> Circuit:
    """Elaborate the `circuit` of a .circ source text into a Circuit.

    `params` overrides the circuit's compile-time parameters (like `--param N=16`). Warnings are
    appended to `warnings` as `Diagnostic`s with severity "warning". Raises `CircuitError` with
    every error of the file (syntax errors first stop elaboration). The graph gets its name, its
    source {"path", "sha256"}, its input distribution from the pragmas, and every node a LOC.
    """
    diags = Diagnostics(path, text)
    tree = parse_tree(text, diags)
    circuit = None
    if tree is not None:
        circuit = _Elaborator(text, path, diags).run(tree, dict(params or {}))
    _dedupe(diags)
    diags.raise_if_errors()
    assert circuit is not None
    if warnings is not None:
        warnings.extend(sorted(diags.warnings, key=lambda d: (d.line, d.col)))
    circuit.graph.graph[K.G_SOURCE] = {
        "path": path, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    return circuit


def parse_file(path: str | Path, params: dict[str, int] | None = None,
               warnings: list | None = None) -> Circuit:
    """`parse_text` on the contents of a file (UTF-8); unreadable files raise CircuitError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise CircuitError(Diagnostic(f"cannot read file: {e.strerror or e}", str(path))) from None
    except UnicodeDecodeError as e:
        raise CircuitError(Diagnostic(f"not a UTF-8 text file ({e.reason})", str(path))) from None
    return parse_text(text, str(path), params, warnings)


def _dedupe(diags: Diagnostics) -> None:
    # A module instantiated many times reports each of its problems once.
    seen, kept = set(), []
    for d in diags.items:
        key = (d.severity, d.line, d.col, d.message)
        if key not in seen:
            seen.add(key)
            kept.append(d)
    diags.items[:] = kept


# ---- data ------------------------------------------------------------------------------------
@dataclass
class _Node:
    op: str
    operands: list[str]
    loc: str | None
    local: str | None = None  # slot nodes: the wire bit's name as written in its module
    where: Where | None = None  # slot nodes: the assignment that filled the slot
    kind: str | None = None  # slot nodes: "in", "out" or "wire"


@dataclass
class _Wire:
    name: str
    width: int | None  # None: the definition had an error (reads of it stay silent)
    vector: bool
    kind: str  # "in", "out", "wire"
    where: Where
    slots: list[str]
    assigned: list[Where | None]
    explicit: bool = True

    def bit_name(self, i: int) -> str:
        return f"{self.name}[{i}]" if self.vector else self.name


@dataclass
class _Val:
    """A wire value: its bits (node ids, LSB first), or an unsized integer literal."""

    bits: list[str] | None = None
    const: int | None = None

    @property
    def width(self) -> int:
        return len(self.bits) if self.bits is not None else max(1, self.const.bit_length())


@dataclass
class _Scope:
    """One instance of a module (or the circuit itself) being elaborated."""

    module: str
    prefix: str
    wires: dict[str, _Wire] = field(default_factory=dict)
    params: dict[str, int] = field(default_factory=dict)
    instances: Counter = field(default_factory=Counter)
    reads: dict[str, tuple[_Wire, int, Where]] = field(default_factory=dict)
    forward: list[tuple[str, str, int, Where]] = field(default_factory=list)
    pending: set[str] = field(default_factory=set)  # implicit wires not defined yet


class _Abort(Exception):
    """Elaboration cannot go on (the size guard tripped); the error is already recorded."""


def _where(item: Tree | Token) -> Where:
    if isinstance(item, Token):
        return (item.line or 0, item.column or 0)
    meta = item.meta
    return (getattr(meta, "line", 0) or 0, getattr(meta, "column", 0) or 0)


def _present(children: Sequence) -> list:
    return [c for c in children if c is not None]


# ---- the elaborator --------------------------------------------------------------------------
class _Elaborator:
    def __init__(self, text: str, path: str, diags: Diagnostics):
        self.text = text
        self.path = path
        self.diags = diags
        self.nodes: dict[str, _Node] = {}
        self.fresh: set[str] = set()  # anonymous gates not yet named after a wire
        self.n_anon = 0
        self.modules: dict[str, Tree] = {}
        self.recursive: set[str] = set()
        self.top: Tree | None = None
        self.circuit_groups: list[dict] = []

    # -- diagnostics ---------------------------------------------------------------------------
    def error(self, message: str, at: Tree | Token | Where) -> None:
        line, col = at if isinstance(at, tuple) else _where(at)
        self.diags.error(message, line, col)

    def warning(self, message: str, at: Where) -> None:
        self.diags.warning(message, *at)

    def loc(self, at: Tree | Token | Where) -> str:
        line, col = at if isinstance(at, tuple) else _where(at)
        return f"{self.path}:{line}:{col}"

    def src(self, tree: Tree | Token) -> str:
        """The source text of a construct, for messages."""
        if isinstance(tree, Token):
            return str(tree)
        meta = tree.meta
        text = " ".join(self.text[meta.start_pos:meta.end_pos].split())
        return text if len(text) <= 40 else text[:37] + "..."

    # -- the file ------------------------------------------------------------------------------
    def run(self, tree: Tree, params: dict[str, int]) -> Circuit | None:
        circuits = []
        for unit in tree.children:
            name = unit.children[1]
            if unit.data == "circuit":
                circuits.append(unit)
                if len(circuits) == 2:
                    self.error(f"more than one `circuit` block: '{name}' (the first is "
                               f"'{circuits[0].children[1]}' at line {_where(circuits[0])[0]}); "
                               "a file has exactly one, the others should be `module`s", unit)
                elif len(circuits) > 2:
                    self.error(f"more than one `circuit` block: '{name}'", unit)
                continue
            if name in GATE_NAMES:
                self.error(f"module name '{name}' is a built-in gate", name)
            elif name in self.modules:
                first = _where(self.modules[name])[0]
                self.error(f"module '{name}' is defined twice (first at line {first})", name)
            else:
                self.modules[str(name)] = unit
            for pragma in unit.children[0].children:
                self.error("distribution pragmas belong on the `circuit` or its inputs, "
                           "not on a module", pragma)
        if not circuits:
            self.error("no `circuit` block: a file needs exactly one, the top level that is "
                       "compiled (e.g. `circuit top(a, b) -> (y) { y = a & b; }`)", (1, 1))
            return None
        self.top = circuits[0]
        if str(self.top.children[1]) in self.modules:
            self.error(f"the circuit and a module are both named '{self.top.children[1]}'",
                       self.top.children[1])
        self.check_recursion()
        try:
            scope = self.instantiate(self.top, "", None, params, None)
        except _Abort:
            return None
        if scope is None or self.diags.errors:
            return None
        return self.finish(scope)

    def check_recursion(self) -> None:
        """Module a uses b uses a: report each cycle once, at a call on it, before elaborating."""
        calls = nx.DiGraph()
        first_call: dict[tuple[str, str], Tree] = {}
        for name, module in self.modules.items():
            calls.add_node(name)
            for call in module.find_data("call"):
                callee = str(call.children[0])
                if callee in self.modules:
                    calls.add_edge(name, callee)
                    first_call.setdefault((name, callee), call)
        for component in sorted(nx.strongly_connected_components(calls), key=sorted):
            start = sorted(component)[0]
            if len(component) == 1 and not calls.has_edge(start, start):
                continue
            self.recursive |= component
            cycle = [u for u, _ in nx.find_cycle(calls.subgraph(component), start)]
            names = " -> ".join(cycle + [cycle[0]])
            self.error(f"recursive module instantiation: {names} (modules are inlined, so a "
                       "module cannot use itself)", first_call[(cycle[0], cycle[1 % len(cycle)])])

    # -- netlist -------------------------------------------------------------------------------
    def gate(self, op: str, operands: list[str], at: Tree | Token | Where) -> str:
        node = f"%{self.n_anon}"  # '%' cannot appear in a .circ name
        self.n_anon += 1
        self.nodes[node] = _Node(op, operands, self.loc(at))
        self.fresh.add(node)
        if len(self.nodes) > MAX_GATES:
            self.error(f"the circuit grows beyond {MAX_GATES} gates here; does a loop unroll "
                       "further than intended?", at)
            raise _Abort
        return node

    def const(self, value: int, at: Tree | Token | Where) -> str:
        node = K.CONST1_ID if value else K.CONST0_ID
        if node not in self.nodes:
            self.nodes[node] = _Node(K.OP_CONST1 if value else K.OP_CONST0, [], self.loc(at))
        return node

    def fill(self, wire: _Wire, i: int, ref: str | None, at: Where) -> None:
        """Assign bit i of a wire: name a fresh gate after it, or alias it to an existing node."""
        wire.assigned[i] = at
        if ref is None:  # the right-hand side had an error: leave the slot empty, silently
            return
        slot = wire.slots[i]
        if ref in self.fresh:
            self.fresh.discard(ref)
            node = self.nodes.pop(ref)
        else:
            node = _Node(_ALIAS, [ref], self.loc(at))
        node.local, node.where, node.kind = wire.bit_name(i), at, wire.kind
        self.nodes[slot] = node

    # -- instances -----------------------------------------------------------------------------
    def instantiate(self, unit: Tree, prefix: str, call: Tree | None, params: dict[str, int],
                    args: list[tuple[_Val | None, Tree]] | None) -> _Scope | None:
        """Elaborate one module instance (or, with args None, the top circuit)."""
        _, name, param_list, ins, outs, body = unit.children
        scope = _Scope(str(name), prefix)
        if not self.bind_params(scope, param_list, params, call, unit):
            return None
        env = dict(scope.params)
        in_ports = _present(ins.children)
        if args is not None and len(args) != len(in_ports):
            self.error(f"module '{name}' takes {len(in_ports)} input(s), got {len(args)}", call)
            return None
        for k, port in enumerate(in_ports):
            wire = self.declare_port(scope, port, "in", env)
            if wire is None:
                continue
            if args is None:
                for slot, bit in zip(wire.slots, range(len(wire.slots))):
                    self.nodes[slot] = _Node(K.OP_INPUT, [], self.loc(port), wire.bit_name(bit),
                                             wire.where, "in")
                    wire.assigned[bit] = wire.where
                continue
            value, arg_tree = args[k]
            bits = None if value is None else self.fit(value, wire.width, arg_tree,
                                                       f"input '{wire.name}' of '{name}'")
            for i in range(len(wire.slots)):
                self.fill(wire, i, None if bits is None else bits[i], _where(arg_tree))
        for port in _present(outs.children):
            if port.children[0].children:
                self.error("distribution pragmas apply to inputs, not outputs",
                           port.children[0].children[0])
            self.declare_port(scope, port, "out", env)
        if args is None:
            self.distribution(scope, unit, env)
        self.run_body(scope, body, env)
        for wire in scope.wires.values():
            missing = [wire.bit_name(i) for i, a in enumerate(wire.assigned) if a is None]
            if wire.kind == "out" and wire.width is not None and missing:
                what = "" if missing == [wire.name] else " (bits " + _list(missing) + ")"
                self.error(f"output '{wire.name}' is never assigned{what}", wire.where)
        return scope

    def bind_params(self, scope: _Scope, param_list: Tree | None, given: dict[str, int],
                    call: Tree | None, unit: Tree) -> bool:
        declared = _present(param_list.children) if param_list is not None else []
        names = [str(p.children[0]) for p in declared]
        kind = "module" if call is not None else "circuit"
        where = call if call is not None else unit.children[1]
        for extra in sorted(set(given) - set(names)):
            self.error(f"{kind} '{scope.module}' has no parameter '{extra}'"
                       + (f" (its parameters: {', '.join(names)})" if names else ""), where)
        ok = not (set(given) - set(names))
        for p, pname in zip(declared, names):
            if pname in scope.params:
                self.error(f"parameter '{pname}' is declared twice", p)
                ok = False
            elif pname in given:
                scope.params[pname] = given[pname]
            elif p.children[1] is not None:
                value = self.cval(p.children[1], dict(scope.params))
                if value is None:
                    ok = False
                else:
                    scope.params[pname] = value
            else:
                self.error(f"missing parameter '{pname}' of {kind} '{scope.module}'", where)
                ok = False
        return ok

    def declare_port(self, scope: _Scope, port: Tree, kind: str, env: dict) -> _Wire | None:
        _, name, width_tree = port.children
        return self.declare(scope, name, width_tree, kind, env, port)

    def declare(self, scope: _Scope, name: Token, width_tree: Tree | None, kind: str,
                env: dict, at: Tree) -> _Wire | None:
        sname = str(name)
        if sname in scope.wires:
            first = scope.wires[sname].where[0]
            self.error(f"'{sname}' is declared twice (first at line {first})", name)
            return None
        if sname in env:
            self.error(f"'{sname}' is already a compile-time constant", name)
            return None
        if sname == _DISCARD:
            self.error("'_' is not a wire name (assigning to '_' discards a value)", name)
            return None
        width, vector = 1, width_tree is not None
        if vector:
            width = self.cval(width_tree, env)
            if width is not None and width < 1:
                self.error(f"width of '{sname}' must be at least 1, got {width}", width_tree)
                width = None
        return self.new_wire(scope, sname, width, vector, kind, _where(name), True)

    def new_wire(self, scope: _Scope, name: str, width: int | None, vector: bool, kind: str,
                 where: Where, explicit: bool) -> _Wire:
        n = width or 0
        slots = [f"{scope.prefix}{name}[{i}]" if vector else f"{scope.prefix}{name}"
                 for i in range(n)]
        wire = _Wire(name, width, vector, kind, where, slots, [None] * n, explicit)
        scope.wires[name] = wire
        return wire

    # -- pragmas -------------------------------------------------------------------------------
    def distribution(self, scope: _Scope, unit: Tree, env: dict) -> None:
        """Circuit pragma: one group over every input without its own pragma; port pragma: one
        group over that port."""
        pragmas, _, _, ins, _, _ = unit.children
        whole = self.pragma(pragmas, env)
        groups, rest = [], []
        for port in _present(ins.children):
            wire = scope.wires.get(str(port.children[1]))
            if wire is None or wire.width is None:
                continue
            own = self.pragma(port.children[0], env)
            if own is None:
                rest += wire.slots
            elif own:
                groups.append(self.group(own, wire.slots, port.children[0]))
        if whole and rest:
            groups.insert(0, self.group(whole, rest, pragmas))
        self.circuit_groups = [g for g in groups if g is not None]

    def pragma(self, pragmas: Tree, env: dict) -> dict | None | bool:
        """The group spec of a pragma list: None when empty, False when in error."""
        items = pragmas.children
        if not items:
            return None
        if len(items) > 1:
            self.error("several distribution pragmas on one place; keep one", items[1])
            return False
        name, arg = items[0].children
        kind = str(name)
        if kind not in PRAGMAS:
            self.error(f"unknown pragma '@{kind}' (known: "
                       + ", ".join("@" + p for p in PRAGMAS) + ")", items[0])
            return False
        if kind == "uniform":
            if arg is not None:
                self.error("@uniform takes no argument", arg)
                return False
            return {"kind": "uniform"}
        if arg is None:
            self.error(f"@{kind} needs an argument, e.g. @{kind}("
                       + ("0.05" if kind == "bernoulli" else "3") + ")", items[0])
            return False
        if kind == "bernoulli":
            p = float(arg.children[0]) if arg.data == "float_lit" else self.cval(arg, env)
            if p is None:
                return False
            if not 0.0 <= p <= 1.0:
                self.error(f"@bernoulli probability must be between 0 and 1, got {p}", arg)
                return False
            return {"kind": "bernoulli", "p": float(p)}
        if arg.data == "float_lit":
            self.error(f"@{kind} needs a whole number, got {arg.children[0]}", arg)
            return False
        k = self.cval(arg, env)
        if k is None:
            return False
        if k < 0:
            self.error(f"@{kind} needs a count of at least 0, got {k}", arg)
            return False
        return {"kind": kind, "k": k}

    def group(self, spec: dict, bits: list[str], at: Tree) -> dict | None:
        group = dict(spec, inputs=list(bits))
        problem = group_problem(group, len(bits))
        if problem:
            self.error(f"@{problem}", at.children[0] if at.children else at)
            return None
        return {"inputs": group["inputs"], **spec}

    # -- bodies --------------------------------------------------------------------------------
    def run_body(self, scope: _Scope, body: Tree, env: dict) -> None:
        decls: list[tuple[Tree, dict]] = []
        assigns: list[tuple[Tree, dict]] = []
        self.flatten(scope, body, env, decls, assigns)
        for decl, denv in decls:
            for item in decl.children:
                self.declare(scope, item.children[0], item.children[1], "wire", denv, item)
        self.schedule(scope, assigns)
        self.resolve_forward(scope)
        for slot, (wire, i, at) in scope.reads.items():
            if wire.width is not None and wire.assigned[i] is None and wire.kind == "wire":
                self.error(f"wire '{wire.bit_name(i)}' is read but never assigned", at)

    def flatten(self, scope: _Scope, block: Tree, env: dict, decls: list, assigns: list) -> None:
        """Unroll loops and ifs and evaluate lets: the body as a flat list of (stmt, env)."""
        for stmt in block.children:
            kind = stmt.data
            if kind == "wire_decl":
                decls.append((stmt, env))
            elif kind == "assign":
                assigns.append((stmt, env))
                if len(assigns) > MAX_GATES:
                    self.error(f"the body unrolls to more than {MAX_GATES} statements; does a "
                               "loop run further than intended?", stmt)
                    raise _Abort
            elif kind == "let_stmt":
                name, value_tree = stmt.children
                if self.bindable(scope, name, env):
                    value = self.cval(value_tree, env)
                    env = {**env, str(name): value}
            elif kind == "for_stmt":
                var, lo_tree, hi_tree, body = stmt.children
                lo, hi = self.cval(lo_tree, env), self.cval(hi_tree, env)
                if lo is None or hi is None or not self.bindable(scope, var, env):
                    continue
                if hi - lo > MAX_GATES:
                    self.error(f"loop '{var}' would unroll {hi - lo} times (at most {MAX_GATES})",
                               stmt)
                    raise _Abort
                for i in range(lo, hi):
                    self.flatten(scope, body, {**env, str(var): i}, decls, assigns)
            elif kind == "if_stmt":
                cond_tree, then, other = stmt.children
                cond = self.cval(cond_tree, env)
                if cond is None:
                    continue
                if cond:
                    self.flatten(scope, then, env, decls, assigns)
                elif other is not None:
                    wrapped = other if other.data == "block" else Tree("block", [other])
                    self.flatten(scope, wrapped, env, decls, assigns)

    def bindable(self, scope: _Scope, name: Token, env: dict) -> bool:
        sname = str(name)
        if sname in env:
            self.error(f"'{sname}' is already defined", name)
            return False
        if sname in scope.wires:
            self.error(f"'{sname}' is already a wire", name)
            return False
        return True

    def schedule(self, scope: _Scope, assigns: list[tuple[Tree, dict]]) -> None:
        """Run the assignments in source order, except that one reading an implicitly declared
        wire whole waits for that wire's own assignment (its width comes from there)."""
        defines: list[list[str]] = []
        for stmt, env in assigns:
            names = [str(t.children[0]) for t in stmt.children[:-1]
                     if t.data == "whole_target" and str(t.children[0]) not in scope.wires
                     and str(t.children[0]) not in env and str(t.children[0]) != _DISCARD]
            defines.append(names)
            scope.pending.update(names)
        waiting: dict[str, list[int]] = {}
        need: list[set[str]] = []
        ready: list[int] = []
        for k, (stmt, env) in enumerate(assigns):
            deps = {n for n in _whole_reads(stmt.children[-1]) if n in scope.pending
                    and n not in env}
            need.append(deps)
            for n in deps:
                waiting.setdefault(n, []).append(k)
            if not deps:
                ready.append(k)
        heapq.heapify(ready)
        done = [False] * len(assigns)
        while ready:
            k = heapq.heappop(ready)
            done[k] = True
            self.assign(scope, *assigns[k])
            for name in defines[k]:
                if name not in scope.pending:
                    continue
                scope.pending.discard(name)
                for j in waiting.pop(name, []):
                    need[j].discard(name)
                    if not need[j] and not done[j]:
                        heapq.heappush(ready, j)
        stuck = [k for k in range(len(assigns)) if not done[k]]
        if stuck:
            self.report_stuck(scope, assigns, stuck, defines, need)

    def report_stuck(self, scope: _Scope, assigns: list, stuck: list[int],
                     defines: list[list[str]], need: list[set[str]]) -> None:
        """Statements that wait on each other: a combinational loop through implicit wires."""
        graph = nx.DiGraph()
        at: dict[str, Tree] = {}
        for k in stuck:
            for name in defines[k]:
                at.setdefault(name, assigns[k][0])
                for dep in sorted(need[k]):
                    graph.add_edge(dep, name)  # data flows from the read wire to the assigned one
        for component in sorted(nx.strongly_connected_components(graph), key=sorted):
            first = min(component, key=lambda n: _where(at[n]) if n in at else (1 << 30, 0))
            if len(component) == 1 and not graph.has_edge(first, first):
                continue
            if first not in at:
                continue
            cycle = [u for u, _ in nx.find_cycle(graph.subgraph(component), first)]
            self.error("combinational loop: " + " -> ".join(cycle + [cycle[0]]), at[first])
        for name in sorted(scope.pending):  # what was never defined is poison from here on
            self.new_wire(scope, name, None, False, "wire", (0, 0), False)
        scope.pending.clear()
        for k in stuck:  # mark what the stuck statements assign, so no "never assigned" follows
            stmt, env = assigns[k]
            for target in stmt.children[:-1]:
                self.assign_target(scope, target, None, env, stmt)

    def resolve_forward(self, scope: _Scope) -> None:
        """Point bit reads of wires that were declared later (`t[2]` above `t = ...`) at them."""
        for node, name, i, at in scope.forward:
            wire = scope.wires.get(name)
            if wire is None or wire.width is None:
                continue
            if i >= wire.width:
                self.error(f"index {i} is out of range for '{name}' of width {wire.width}", at)
                continue
            self.nodes[node].operands = [wire.slots[i]]
            scope.reads.setdefault(wire.slots[i], (wire, i, at))

    # -- assignments ---------------------------------------------------------------------------
    def assign(self, scope: _Scope, stmt: Tree, env: dict) -> None:
        *targets, rhs = stmt.children
        if len(targets) > 1 or (rhs.data == "call" and str(rhs.children[0]) in self.modules
                                and len(targets) == 1):
            if rhs.data != "call":
                self.error(f"{len(targets)} targets need a module call with {len(targets)} "
                           "outputs on the right-hand side", rhs)
                values = [None] * len(targets)
            else:
                outs = self.call(scope, rhs, env)
                if outs is None:
                    values = [None] * len(targets)
                elif len(outs) != len(targets):
                    callee = str(rhs.children[0])
                    self.error(f"'{callee}' has {len(outs)} output(s) but {len(targets)} "
                               f"target(s) are assigned", stmt)
                    values = [None] * len(targets)
                else:
                    values = outs
        else:
            values = [self.expr(scope, rhs, env)]
        for target, value in zip(targets, values):
            self.assign_target(scope, target, value, env, stmt)

    def assign_target(self, scope: _Scope, target: Tree, value: _Val | None, env: dict,
                      stmt: Tree) -> None:
        name_tok = target.children[0]
        name = str(name_tok)
        at = _where(target)
        if name == _DISCARD and target.data == "whole_target":
            return
        if name in env:
            self.error(f"cannot assign to '{name}': it is a compile-time constant", name_tok)
            return
        wire = scope.wires.get(name)
        if target.data == "whole_target":
            if wire is None:  # an implicit declaration: the wire takes the value's width
                width = None if value is None else value.width
                wire = self.new_wire(scope, name, width, width is not None and width > 1,
                                     "wire", at, False)
            if wire.kind == "in":
                self.error(f"cannot assign to input '{name}'", name_tok)
                return
            indices = list(range(wire.width or 0))
            what = name
        else:
            if wire is None:
                self.error(f"'{name}' must be declared (`wire {name}[W];`) before its bits are "
                           "assigned", name_tok)
                return
            if wire.kind == "in":
                self.error(f"cannot assign to input '{name}'", name_tok)
                return
            if wire.width is None:
                return
            indices = self.select(wire, target, env)
            if indices is None:
                return
            what = self.src(target)
        if wire.width is None:
            return
        again = [i for i in indices if wire.assigned[i] is not None]
        if again:
            first = wire.assigned[again[0]]
            bits = f"'{name}'" if len(again) == len(wire.slots) and \
                target.data == "whole_target" else _list([wire.bit_name(i) for i in again])
            self.error(f"{bits} is assigned twice (first at line {first[0]})", target)
            return
        bits = None if value is None else self.fit(value, len(indices), stmt.children[-1],
                                                    f"'{what}'")
        for j, i in enumerate(indices):
            self.fill(wire, i, None if bits is None else bits[j], at)

    def select(self, wire: _Wire, target: Tree, env: dict) -> list[int] | None:
        """The bit indices an index or slice (target or read) picks from a wire."""
        if target.data in ("index_target", "index"):
            i = self.cval(target.children[1], env)
            if i is None:
                return None
            if not 0 <= i < wire.width:
                self.error(f"index {i} is out of range for '{wire.name}' of width {wire.width}",
                           target.children[1])
                return None
            return [i]
        lo, hi = self.cval(target.children[1], env), self.cval(target.children[2], env)
        if lo is None or hi is None:
            return None
        if not 0 <= lo < hi <= wire.width:
            self.error(f"slice [{lo}:{hi}] is out of range for '{wire.name}' of width "
                       f"{wire.width} (slices are [lo:hi] with 0 <= lo < hi <= width)",
                       target.children[1])
            return None
        return list(range(lo, hi))

    def fit(self, value: _Val, width: int, at: Tree, what: str) -> list[str] | None:
        """The value's bits at `width`: an integer literal is sized, a wire must match."""
        if value.bits is None:
            if value.const >= 1 << width:
                self.error(f"constant {value.const} does not fit in the {width} bit(s) of "
                           f"{what}", at)
                return None
            return [self.const((value.const >> i) & 1, at) for i in range(width)]
        if len(value.bits) != width:
            self.error(f"width mismatch: {what} has {width} bit(s), the value "
                       f"'{self.src(at)}' has {len(value.bits)}", at)
            return None
        return value.bits

    # -- wire expressions ----------------------------------------------------------------------
    def expr(self, scope: _Scope, t: Tree, env: dict) -> _Val | None:
        kind = t.data
        if kind == "number":
            return _Val(const=_int(t.children[0]))
        if kind == "ref":
            return self.ref(scope, t.children[0], env)
        if kind in ("index", "slice"):
            return self.part(scope, t, env)
        if kind == "concat":
            parts = [self.expr(scope, c, env) for c in t.children]
            if any(p is None for p in parts):
                return None
            bits = []
            for part, c in zip(parts, t.children):
                bits += self.fit(part, part.width, c, "")  # x is the low end of {x, y}
            return _Val(bits)
        if kind == "not_expr":
            v = self.expr(scope, t.children[0], env)
            if v is None:
                return None
            bits = self.fit(v, v.width, t.children[0], "")
            return _Val([self.gate(K.OP_NOT, [b], t) for b in bits])
        if kind in _INFIX:
            return self.infix(scope, t, env)
        if kind == "call":
            outs = self.call(scope, t, env)
            if outs is None:
                return None
            if len(outs) != 1:
                self.error(f"'{t.children[0]}' has {len(outs)} outputs; assign them with "
                           "`x, y = ...` instead of using the call in an expression", t)
                return None
            return outs[0]
        raise AssertionError(f"unknown expression {kind}")  # the grammar has no other

    def ref(self, scope: _Scope, name_tok: Token, env: dict) -> _Val | None:
        name = str(name_tok)
        if name in env:
            value = env[name]
            if value is None:
                return None
            if value < 0:
                self.error(f"'{name}' is {value}; a negative number is not a wire value",
                           name_tok)
                return None
            return _Val(const=value)
        wire = scope.wires.get(name)
        if wire is None:
            self.error(f"undefined wire '{name}'", name_tok)
            return None
        if wire.width is None:
            return None
        at = _where(name_tok)
        for i, slot in enumerate(wire.slots):
            scope.reads.setdefault(slot, (wire, i, at))
        return _Val(list(wire.slots))

    def part(self, scope: _Scope, t: Tree, env: dict) -> _Val | None:
        name_tok = t.children[0]
        name = str(name_tok)
        if name in env:
            self.error(f"'{name}' is a compile-time constant, not a wire; it cannot be indexed",
                       name_tok)
            return None
        wire = scope.wires.get(name)
        if wire is None and name in scope.pending:
            return self.forward(scope, t, env)
        if wire is None:
            self.error(f"undefined wire '{name}'", name_tok)
            return None
        if wire.width is None:
            return None
        indices = self.select(wire, t, env)
        if indices is None:
            return None
        at = _where(t)
        for i in indices:
            scope.reads.setdefault(wire.slots[i], (wire, i, at))
        return _Val([wire.slots[i] for i in indices])

    def forward(self, scope: _Scope, t: Tree, env: dict) -> _Val | None:
        """Bits of a wire whose (implicit) declaration comes later: placeholders, patched when
        the wire exists (its width, hence the range check, is only known then)."""
        if t.data == "index":
            i = self.cval(t.children[1], env)
            indices = None if i is None else [i]
        else:
            lo, hi = self.cval(t.children[1], env), self.cval(t.children[2], env)
            indices = None if lo is None or hi is None else list(range(lo, hi))
            if indices is not None and not 0 <= lo < hi:
                self.error(f"slice [{lo}:{hi}] is empty or negative", t.children[1])
                return None
        if indices is None:
            return None
        if indices and indices[0] < 0:
            self.error(f"index {indices[0]} is out of range for '{t.children[0]}'", t.children[1])
            return None
        bits = []
        for i in indices:
            node = f"%{self.n_anon}"
            self.n_anon += 1
            self.nodes[node] = _Node(_ALIAS, [], self.loc(t))
            scope.forward.append((node, str(t.children[0]), i, _where(t)))
            bits.append(node)
        return _Val(bits)

    def infix(self, scope: _Scope, t: Tree, env: dict) -> _Val | None:
        """`a & b & c`: one n-ary gate per bit; every operand must have the same width (integer
        literals take the width of the others)."""
        op, symbol = _INFIX[t.data]
        values = [self.expr(scope, c, env) for c in t.children]
        if any(v is None for v in values):
            return None
        sized = [(v, c) for v, c in zip(values, t.children) if v.bits is not None]
        if sized:
            width, (_, first) = len(sized[0][0].bits), sized[0]
            for v, c in sized[1:]:
                if len(v.bits) != width:
                    self.error(f"width mismatch in '{symbol}': '{self.src(first)}' has {width} "
                               f"bit(s), '{self.src(c)}' has {len(v.bits)}", c)
                    return None
        else:
            width = max(v.width for v in values)
        columns = [self.fit(v, width, c, f"the other operands of '{symbol}'")
                   for v, c in zip(values, t.children)]
        if any(col is None for col in columns):
            return None
        return _Val([self.gate(op, [col[i] for col in columns], t) for i in range(width)])

    # -- calls ---------------------------------------------------------------------------------
    def call(self, scope: _Scope, t: Tree, env: dict) -> list[_Val | None] | None:
        name_tok, param_args, *args = t.children
        name = str(name_tok)
        args = _present(args)
        if name in GATE_NAMES:
            if param_args is not None:
                self.error(f"gate '{name}' takes no <parameters>", param_args)
                return None
            value = self.gate_call(scope, t, name, args, env)
            return None if value is None else [value]
        unit = self.modules.get(name)
        if unit is None:
            if self.top is not None and name == str(self.top.children[1]):
                self.error(f"'{name}' is the circuit, which cannot be instantiated; make it a "
                           "`module` and instantiate that", name_tok)
            else:
                self.error(f"unknown module or gate '{name}'", name_tok)
            return None
        if name in self.recursive:
            return None
        given = self.call_params(param_args, unit, env)
        if given is None:
            return None
        values = [(self.expr(scope, a, env), a) for a in args]
        k = scope.instances[name]
        scope.instances[name] += 1
        inner = self.instantiate(unit, f"{scope.prefix}{name}_{k}.", t, given, values)
        if inner is None:
            return None
        outs = []
        for port in _present(unit.children[4].children):
            wire = inner.wires.get(str(port.children[1]))
            outs.append(None if wire is None or wire.width is None else _Val(list(wire.slots)))
        return outs

    def call_params(self, param_args: Tree | None, unit: Tree,
                    env: dict) -> dict[str, int] | None:
        """`m<8, K = 3>`: positional then named arguments, by the module's parameter order."""
        if param_args is None:
            return {}
        declared = [str(p.children[0]) for p in _present(unit.children[2].children)] \
            if unit.children[2] is not None else []
        positional, named, ok = [], {}, True
        for arg in param_args.children:
            if arg.data == "named_arg":
                pname = str(arg.children[0])
                if pname in named:
                    self.error(f"parameter '{pname}' is given twice", arg)
                    ok = False
                named[pname] = (self.cval(arg.children[1], env), arg)
            elif named:
                self.error("positional parameters must come before named ones", arg)
                ok = False
            else:
                positional.append((self.cval(arg, env), arg))
        if len(positional) > len(declared):
            self.error(f"module '{unit.children[1]}' takes {len(declared)} parameter(s), got "
                       f"{len(positional)}", param_args)
            return None
        for (_, arg), pname in zip(positional, declared):
            if pname in named:
                self.error(f"parameter '{pname}' is given twice", named[pname][1])
                ok = False
        if not ok or any(v is None for v, _ in positional + list(named.values())):
            return None
        given = {pname: v for (v, _), pname in zip(positional, declared)}
        return {**given, **{n: v for n, (v, _) in named.items()}}

    def gate_call(self, scope: _Scope, t: Tree, name: str, args: list[Tree],
                  env: dict) -> _Val | None:
        values = [self.expr(scope, a, env) for a in args]
        if name in BITWISE1 or name == "mux":
            need = 3 if name == "mux" else 1
            if len(args) != need:
                self.error(f"'{name}' takes {need} argument(s), got {len(args)}", t)
                return None
        elif not args:
            self.error(f"'{name}' needs at least one argument", t)
            return None
        if any(v is None for v in values):
            return None
        if name in BITWISE1:
            bits = self.fit(values[0], values[0].width, args[0], "")
            return _Val([self.gate(BITWISE1[name], [b], t) for b in bits])
        if name == "mux":
            sel, a, b = values
            if sel.width != 1:
                self.error(f"the select of 'mux' must be one bit, '{self.src(args[0])}' has "
                           f"{sel.width}", args[0])
                return None
            width = a.width if a.bits is not None or b.bits is None else b.width
            if b.bits is not None:
                width = b.width if a.bits is None else width
            ab = [self.fit(v, width, c, "the other data input of 'mux'")
                  for v, c in ((a, args[1]), (b, args[2]))]
            s = self.fit(sel, 1, args[0], "")
            if ab[0] is None or ab[1] is None:
                return None
            return _Val([self.gate(K.OP_MUX, [s[0], x, y], t) for x, y in zip(*ab)])
        bits = [bit for v, c in zip(values, args) for bit in self.fit(v, v.width, c, "")]
        op = REDUCING[name]
        if op == K.OP_MAJ and (len(bits) < 3 or len(bits) % 2 == 0):
            self.error(f"'maj' needs an odd number of at least 3 bits, got {len(bits)}", t)
            return None
        if len(bits) == 1 and op in (K.OP_AND, K.OP_OR, K.OP_XOR):
            return _Val(bits)  # a one-bit reduction is the bit itself
        if len(bits) == 1 and op in (K.OP_NAND, K.OP_NOR, K.OP_XNOR):
            return _Val([self.gate(K.OP_NOT, bits, t)])
        return _Val([self.gate(op, bits, t)])

    # -- compile-time integers -----------------------------------------------------------------
    def cval(self, t: Tree, env: dict) -> int | None:
        """Evaluate a compile-time integer expression; None (after an error) when it fails."""
        kind = t.data
        if kind == "c_int":
            return _int(t.children[0])
        if kind == "c_name":
            name = str(t.children[0])
            if name in env:
                return env[name]
            self.error(f"unknown compile-time name '{name}' (a parameter, `let` constant or "
                       "loop variable is needed here)", t)
            return None
        if kind == "c_land" or kind == "c_lor":  # short-circuit, so `N > 0 && 8 / N` is safe
            left = self.cval(t.children[0], env)
            if left is None:
                return None
            if (kind == "c_land") != bool(left):
                return int(bool(left))
            right = self.cval(t.children[1], env)
            return None if right is None else int(bool(right))
        args = [self.cval(c, env) for c in t.children]
        if any(a is None for a in args):
            return None
        if kind == "c_neg":
            return -args[0]
        if kind == "c_not":
            return int(not args[0])
        a, b = args
        if kind in ("c_div", "c_mod") and b == 0:
            self.error("division by zero", t)
            return None
        if kind == "c_powr":
            if b < 0:
                self.error(f"negative exponent {b}", t)
                return None
            if abs(a) > 1 and b * math.log2(abs(a)) > MAX_VALUE_BITS:
                self.error(f"{a} ** {b} is too large for a compile-time value", t)
                return None
        value = _CBIN[kind](a, b)
        if abs(value) >= 1 << MAX_VALUE_BITS:
            self.error(f"compile-time value too large ({value.bit_length()} bits)", t)
            return None
        return value

    # -- the end: loops, liveness, the Circuit ---------------------------------------------------
    def finish(self, scope: _Scope) -> Circuit | None:
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        for node, data in self.nodes.items():
            graph.add_edges_from((o, node) for o in data.operands)
        if self.report_loops(graph):
            return None
        outputs = [w for w in scope.wires.values() if w.kind == "out"]
        live = set()
        stack = [slot for w in outputs for slot in w.slots]
        while stack:
            node = stack.pop()
            if node not in live:
                live.add(node)
                stack.extend(self.nodes[node].operands)
        self.report_dead(scope, live)
        return self.emit(scope, graph)

    def report_loops(self, graph: nx.DiGraph) -> bool:
        found = False
        order = {n: i for i, n in enumerate(self.nodes)}
        for component in nx.strongly_connected_components(graph):
            if len(component) == 1 and not any(graph.has_edge(n, n) for n in component):
                continue  # no loop (checked first: almost every component is one node)
            start = min(component, key=order.__getitem__)
            found = True
            cycle = [u for u, _ in nx.find_cycle(graph.subgraph(component), start)]
            named = [self.nodes[n] for n in cycle if self.nodes[n].local is not None]
            if not named:  # cannot happen: every loop passes through an assigned wire
                self.error("combinational loop", (0, 0))
                continue
            first = min(named, key=lambda n: n.where)
            k = named.index(first)
            names = [n.local for n in named[k:] + named[:k]]
            self.error("combinational loop: " + " -> ".join(names + [names[0]]), first.where)
        return found

    def report_dead(self, scope: _Scope, live: set[str]) -> None:
        dead: dict[Where, list[str]] = {}
        for node, data in self.nodes.items():
            if data.kind == "wire" and node not in live:
                dead.setdefault(data.where, []).append(data.local)
        for where, names in sorted(dead.items()):
            verb = "is" if len(names) == 1 else "are"
            self.warning(f"dead wire: {_list(names)} {verb} assigned but reach{'es' * (verb == 'is')}"
                         " no output", where)
        for wire in scope.wires.values():
            if wire.kind != "in" or wire.width is None:
                continue
            unused = [wire.bit_name(i) for i, s in enumerate(wire.slots) if s not in live]
            read = any(s in scope.reads for s in wire.slots if s not in live)
            if len(unused) == len(wire.slots):
                self.warning(f"input '{wire.name}' " + ("does not affect any output" if read
                                                        else "is never used"), wire.where)
            elif unused:
                self.warning(f"input bits {_list(unused)} "
                             + ("do not affect any output" if read else "are never used"),
                             wire.where)

    def emit(self, scope: _Scope, graph: nx.DiGraph) -> Circuit:
        circuit = Circuit(str(self.top.children[1]))
        target: dict[str, str] = {}

        def resolve(node: str) -> str:
            chain = []
            while self.nodes[node].op == _ALIAS:
                chain.append(node)
                node = self.nodes[node].operands[0]
            for n in chain:
                target[n] = node
            return node

        for wire in scope.wires.values():
            if wire.kind == "in":
                loc = self.loc(wire.where)
                if wire.vector:
                    circuit.add_input_vector(wire.name, wire.width, loc)
                else:
                    circuit.add_input(wire.name, loc)
        real = [n for n in nx.topological_sort(graph) if self.nodes[n].op != _ALIAS]
        reserved = {n for n in real if not n.startswith("%")}
        names: dict[str, str] = {}
        for node in real:
            data = self.nodes[node]
            if data.op == K.OP_INPUT:
                names[node] = node
            elif data.op in K.CONST_OPS:
                names[node] = circuit.const(1 if data.op == K.OP_CONST1 else 0)
                circuit.graph.nodes[names[node]].setdefault(K.LOC, data.loc)
            else:
                name = node
                if node.startswith("%"):
                    name = circuit.fresh_name()
                    while name in reserved:
                        name = circuit.fresh_name()
                operands = [names[resolve(o)] for o in data.operands]
                names[node] = circuit.add_gate(data.op, operands, name, data.loc)
        for wire in scope.wires.values():
            if wire.kind != "out":
                continue
            drivers = [names[resolve(s)] for s in wire.slots]
            loc = self.loc(wire.where)
            if wire.vector:
                circuit.add_output_vector(wire.name, drivers, loc)
            else:
                circuit.add_output(wire.name, drivers[0], loc)
        circuit.distribution = self.circuit_groups
        return circuit


def _whole_reads(t: Tree) -> set[str]:
    """Names an expression reads whole (their width matters), not through an index or slice."""
    found = set()
    stack = [t]
    while stack:
        node = stack.pop()
        if not isinstance(node, Tree) or node.data in ("index", "slice", "param_args"):
            continue
        if node.data == "ref":
            found.add(str(node.children[0]))
        else:
            stack.extend(node.children)
    return found


def _int(token: Token) -> int:
    text = str(token).replace("_", "")
    return int(text, 0) if text[:2].lower() in ("0x", "0b") else int(text, 10)


def _list(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


_CBIN = {
    "c_add": lambda a, b: a + b,
    "c_sub": lambda a, b: a - b,
    "c_mul": lambda a, b: a * b,
    "c_div": lambda a, b: a // b,
    "c_mod": lambda a, b: a % b,
    "c_powr": lambda a, b: a ** b,
    "c_eq": lambda a, b: int(a == b),
    "c_ne": lambda a, b: int(a != b),
    "c_lt": lambda a, b: int(a < b),
    "c_le": lambda a, b: int(a <= b),
    "c_gt": lambda a, b: int(a > b),
    "c_ge": lambda a, b: int(a >= b),
}
