"""The elaborator: a .circ syntax tree -> the netlist of its `circuit`, statement by statement.

`Elaborator.run` checks the file's modules (names, recursion), then elaborates the circuit as
an instance: parameters are bound, ports declared, and the body is flattened (loops unrolled,
`if`s decided, `let`s evaluated) into declarations and assignments. Module calls elaborate the
module as a nested instance whose slots carry the instance's prefix. Right-hand sides become
gates, one per bit, in the `Netlist` (see `circuitc.lang.expressions`).

Implicitly declared wires (`t = a & b;` with no `wire t`) take the width of their right-hand
side, so an assignment that reads such a wire whole waits until that wire's own assignment has
run (`schedule`); assignments that wait on each other form a combinational loop and are reported
as one. Reads of single bits or slices of a wire defined further down get placeholder nodes that
are pointed at the wire's slots once the body is done (`forward`).

Sizes are bounded before the work (`circuitc.limits`): every statement a body unrolls to is
counted, a loop's iterations before it runs (STATEMENTS), widths (WIDTH), the circuit's input
bits (INPUTS), and the nesting of blocks, calls and module instances (NESTING); an `else if`
chain is followed without recursion, at any length.
"""

from __future__ import annotations

import heapq
import sys

import networkx as nx
from lark import Token, Tree

from circuitc import limits
from circuitc.errors import Diagnostics
from circuitc.graph import Circuit
from circuitc.lang.expressions import GATE_NAMES, WireExpressions, wire_name
from circuitc.lang.pragmas import adder_style, input_distribution
from circuitc.lang.source import Abort, present, position, quoted
from circuitc.lang.wires import DISCARD, LOCALS, Scope, Value, Wire


class Elaborator(WireExpressions):
    """One .circ file's syntax tree -> its Circuit (`run`), errors going to the diagnostics."""

    def __init__(self, text: str, path: str, diags: Diagnostics):
        super().__init__(text, path, diags)
        self.max_statements = limits.STATEMENTS.value
        self.unrolled = 0  # statements of every body, loop iteration and instance so far
        self.input_bits = 0  # of the circuit's input ports so far
        self.modules: dict[str, Tree] = {}
        self.recursive: set[str] = set()
        self.top: Tree | None = None
        self.distribution: list[dict] = []

    # -- the file ------------------------------------------------------------------------------
    def run(self, tree: Tree, params: dict[str, int]) -> Circuit | None:
        circuits = []
        for unit in tree.children:
            name = unit.children[1]
            if unit.data == "circuit":
                circuits.append(unit)
                if len(circuits) == 2:
                    self.error(f"more than one `circuit` block: '{name}' (the first is "
                               f"'{circuits[0].children[1]}' at line "
                               f"{position(circuits[0])[0]}); "
                               "a file has exactly one, the others should be `module`s", unit)
                elif len(circuits) > 2:
                    self.error(f"more than one `circuit` block: '{name}'", unit)
                continue
            if name in GATE_NAMES:
                self.error(f"module name '{name}' is a built-in gate", name)
            elif name in self.modules:
                first = position(self.modules[name])[0]
                self.error(f"module '{name}' is defined twice (first at line {first})", name)
            else:
                self.modules[str(name)] = unit
            for pragma in unit.children[0].children:
                if str(pragma.children[0]) != "adder":
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
        except Abort:
            return None
        except RecursionError:  # NESTING keeps far inside the default stack; a deep caller may not
            self.error(f"blocks, calls and module instances nest too deeply here ({self.depth} "
                       f"levels) for Python's stack (sys.getrecursionlimit() is "
                       f"{sys.getrecursionlimit()}); lower {limits.NESTING.name}", self.entered)
            return None
        if scope is None or self.diags.errors:
            return None
        return self.net.to_circuit(str(self.top.children[1]), scope, self.distribution)

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
            names = " -> ".join(cycle + [cycle[0]]) if len(cycle) <= 8 else (
                " -> ".join(cycle[:4]) + f" -> ... ({len(cycle) - 6} more) -> "
                + " -> ".join(cycle[-2:] + [cycle[0]]))
            self.error(f"recursive module instantiation: {names} (modules are inlined, so a "
                       "module cannot use itself)", first_call[(cycle[0], cycle[1 % len(cycle)])])

    # -- instances -----------------------------------------------------------------------------
    def instantiate(self, unit: Tree, prefix: str, call: Tree | None, params: dict[str, int],
                    args: list[tuple[Value | None, Tree]] | None) -> Scope | None:
        """Elaborate one module instance (or, with args None, the top circuit)."""
        _, name, param_list, ins, outs, body = unit.children
        scope = Scope(str(name), prefix, adder=adder_style(self, unit.children[0]))
        if not self.bind_params(scope, param_list, params, call, unit):
            return None
        env = dict(scope.params)
        in_ports = present(ins.children)
        if args is not None and len(args) != len(in_ports):
            self.error(f"module '{name}' takes {len(in_ports)} input(s), got {len(args)}", call)
            return None
        for k, port in enumerate(in_ports):
            wire = self.declare(scope, port.children[1], port.children[2:], "in", env)
            if wire is None:
                continue
            if args is None and wire.width is not None:
                self.input_bits += wire.width
                if self.input_bits > limits.INPUTS.value:
                    self.error(limits.INPUTS.exceeded(
                        f"the circuit's inputs would have {self.input_bits:,} bits"), port)
                    return None
            if args is None:
                self.net.inputs(wire, port)
                continue
            value, arg_tree = args[k]
            bits = None if value is None else self.fit(value, wire.width, arg_tree,
                                                       f"input '{wire.name}' of '{name}'")
            for i in range(len(wire.slots)):
                self.net.fill(wire, i, None if bits is None else bits[i], position(arg_tree))
        for port in present(outs.children):
            if port.children[0].children:
                self.error("distribution pragmas apply to inputs, not outputs",
                           port.children[0].children[0])
            self.declare(scope, port.children[1], port.children[2:], "out", env)
        if args is None:
            self.distribution = input_distribution(self, scope, unit, env)
        self.run_body(scope, body, env)
        for wire in scope.wires.values():
            missing = [wire.bit_name(i) for i, a in enumerate(wire.assigned) if a is None]
            if wire.kind == "out" and wire.width is not None and missing:
                what = "" if missing == [wire.name] else " (bits " + quoted(missing) + ")"
                self.error(f"output '{wire.name}' is never assigned{what}", wire.where)
        return scope

    def bind_params(self, scope: Scope, param_list: Tree | None, given: dict[str, int],
                    call: Tree | None, unit: Tree) -> bool:
        declared = present(param_list.children) if param_list is not None else []
        names = [str(p.children[0]) for p in declared]
        kind = "module" if call is not None else "circuit"
        where = call if call is not None else unit.children[1]
        extra = sorted(set(given) - set(names))
        for pname in extra:
            self.error(f"{kind} '{scope.module}' has no parameter '{pname}'"
                       + (f" (its parameters: {', '.join(names)})" if names else ""), where)
        ok = not extra
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

    def declare(self, scope: Scope, name: Token, dims: list[Tree | None], kind: str,
                env: dict) -> Wire | None:
        """Declare a port or wire `name`, `name[W]` or `name[R][C]` (dims: the size trees)."""
        sname, internal = str(name), wire_name(str(name), env)
        if internal in scope.wires:
            first = scope.wires[internal].where[0]
            self.error(f"'{sname}' is declared twice (first at line {first})", name)
            return None
        if sname in env:
            self.error(f"'{sname}' is already a compile-time constant", name)
            return None
        if sname == DISCARD:
            self.error("'_' is not a wire name (assigning to '_' discards a value)", name)
            return None
        trees = present(dims)
        sizes = [self.cval(tree, env) for tree in trees]
        for k, (size, tree) in enumerate(zip(sizes, trees)):
            if size is not None and size < 1:
                what = "rows" if k < len(trees) - 1 else "width"
                self.error(f"{what} of '{sname}' must be at least 1, got {size}", tree)
                sizes[k] = None
        width = None if None in sizes else 1
        for size in sizes:
            width = None if width is None else width * size
        if width is not None and not self.wide(width, f"'{sname}'", name):
            width = None
        row = sizes[1] if len(sizes) == 2 else None
        return scope.new_wire(internal, width, bool(sizes), kind, position(name), row)

    # -- bodies --------------------------------------------------------------------------------
    def run_body(self, scope: Scope, body: Tree, env: dict) -> None:
        decls: list[tuple[Tree, dict]] = []
        assigns: list[tuple[Tree, dict]] = []
        self.unroll(len(body.children), body)
        self.flatten(scope, body, env, decls, assigns)
        for decl, denv in decls:
            for item in decl.children:
                self.declare(scope, item.children[0], item.children[1:], "wire", denv)
        for name, at in scope.locals.values():
            if name in scope.wires:
                self.error(f"'{name}' is declared in a loop body and also outside it (line "
                           f"{scope.wires[name].where[0]}); a loop-local wire may not hide "
                           "another", at)
        self.schedule(scope, assigns)
        self.resolve_forward(scope)
        for wire, i, at in scope.reads.values():
            if wire.width is not None and wire.assigned[i] is None and wire.kind == "wire":
                self.error(f"wire '{wire.bit_name(i)}' is read but never assigned", at)

    def flatten(self, scope: Scope, block: Tree, env: dict, decls: list, assigns: list,
                loop: str | None = None) -> None:
        """Unroll loops and ifs and evaluate lets: the body as a flat list of (stmt, env).
        `loop` names the loop iteration being unrolled (`i=3`, or `i=3,j=1` when nested); a
        wire declared in it is local to it, reached through env[LOCALS]. The caller has counted
        the block's statements (`unroll`); nested blocks are counted here before they run."""
        for stmt in block.children:
            kind = stmt.data
            if kind == "wire_decl":
                if loop is not None:
                    env = self.local_wires(scope, stmt, env, loop)
                decls.append((stmt, env))
            elif kind == "assign":
                assigns.append((stmt, env))
            elif kind == "let_stmt":
                name, value_tree = stmt.children
                if self.bindable(scope, name, env):
                    value = self.cval(value_tree, env)
                    env = {**env, str(name): value}
            elif kind == "for_stmt":
                var = stmt.children[0]
                values = self.loop_range(stmt, env)
                if values is None or not self.bindable(scope, var, env):
                    continue
                self.deeper(stmt)
                for i in values:
                    label = f"{var}={i}" if loop is None else f"{loop},{var}={i}"
                    self.flatten(scope, stmt.children[-1], {**env, str(var): i}, decls, assigns,
                                 label)
                self.depth -= 1
            elif kind == "if_stmt":
                branch = self.taken(stmt, env)
                if branch is not None:
                    self.unroll(len(branch.children), branch)
                    self.deeper(stmt)
                    self.flatten(scope, branch, env, decls, assigns, loop)
                    self.depth -= 1

    def taken(self, stmt: Tree, env: dict) -> Tree | None:
        """The block that an `if` ... `else if` ... `else` chain runs (None: no branch, or an
        error in a condition), followed in a loop: a chain of any length needs no recursion."""
        while True:
            cond_tree, then, other = stmt.children
            cond = self.cval(cond_tree, env)
            if cond is None:
                return None
            if cond:
                return then
            if other is None or other.data == "block":
                return other
            stmt = other

    def unroll(self, count: int, at: Tree, why: str = "") -> None:
        """Count `count` more statements to elaborate, refused (Abort) beyond
        limits.STATEMENTS before any of them runs."""
        self.unrolled += count
        if self.unrolled > self.max_statements:
            self.error(limits.STATEMENTS.exceeded(
                f"the file would unroll to {self.unrolled:,} statements here{why}",
                "; does a loop run further than intended?"), at)
            raise Abort

    def loop_range(self, stmt: Tree, env: dict) -> range | None:
        """`lo..hi` (hi excluded) or `lo..=hi` (included), optionally `step s` (s may be
        negative). A range that is empty because it runs against its step is an error. The
        statements of every iteration are counted (`unroll`) before the first runs."""
        var, lo_tree, dots, hi_tree, step_tree, _ = stmt.children
        lo, hi = self.cval(lo_tree, env), self.cval(hi_tree, env)
        step = 1 if step_tree is None else self.cval(step_tree, env)
        if lo is None or hi is None or step is None:
            return None
        if step == 0:
            self.error("a loop step of 0 never ends", step_tree)
            return None
        if (hi - lo) * step < 0:
            what = "descending" if step > 0 else "ascending"
            fix = (f"add `step -1` to count down from {lo}" if step > 0
                   else "use a positive step to count up")
            self.error(f"the range {lo}{dots}{hi} is {what} and its step is {step}, so loop "
                       f"'{var}' would never run; {fix}", lo_tree)
            return None
        end = hi + (1 if step > 0 else -1) if str(dots) == "..=" else hi
        count = max(0, -((lo - end) // step))  # len(range(...)), which overflows past 2**63
        self.unroll(count * max(1, len(stmt.children[-1].children)), stmt,
                    f" (loop '{var}' runs {count:,} times)")
        return range(lo, end, step)

    def local_wires(self, scope: Scope, stmt: Tree, env: dict, loop: str) -> dict:
        """Give the wires a declaration in a loop body declares names of their own for this
        iteration (`t@i=3`); the env that follows the declaration maps `t` to it."""
        mapping = dict(env.get(LOCALS, {}))
        for item in stmt.children:
            name = str(item.children[0])
            internal = f"{name}@{loop}"
            k = 1
            while internal in scope.locals:  # a second loop with the same variable and values
                k += 1
                internal = f"{name}@{loop}#{k}"
            scope.locals[internal] = (name, position(item))
            mapping[name] = internal
        return {**env, LOCALS: mapping}

    def bindable(self, scope: Scope, name: Token, env: dict) -> bool:
        sname = str(name)
        if sname in env:
            self.error(f"'{sname}' is already defined", name)
            return False
        if sname in scope.wires:
            self.error(f"'{sname}' is already a wire", name)
            return False
        return True

    def schedule(self, scope: Scope, assigns: list[tuple[Tree, dict]]) -> None:
        """Run the assignments in source order, except that one reading an implicitly declared
        wire whole waits for that wire's own assignment (its width comes from there)."""
        defines: list[list[str]] = []
        for stmt, env in assigns:
            names = [str(t.children[0]) for t in stmt.children[:-1]
                     if len(t.children) == 1
                     and wire_name(str(t.children[0]), env) not in scope.wires
                     and str(t.children[0]) not in env and str(t.children[0]) != DISCARD]
            defines.append(names)
            scope.pending.update(names)
        waiting: dict[str, list[int]] = {}
        need: list[set[str]] = []
        ready: list[int] = []
        for k, (stmt, env) in enumerate(assigns):
            deps = {n for n in _whole_reads(stmt.children[-1]) if n in scope.pending
                    and n not in env and n not in env.get(LOCALS, ())}
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

    def report_stuck(self, scope: Scope, assigns: list, stuck: list[int],
                     defines: list[list[str]], need: list[set[str]]) -> None:
        """Statements that wait on each other: a combinational loop through implicit wires."""
        graph = nx.DiGraph()
        at: dict[str, Tree] = {}  # every wire still pending is defined by a stuck statement
        for k in stuck:
            for name in defines[k]:
                at.setdefault(name, assigns[k][0])
                for dep in sorted(need[k]):
                    graph.add_edge(dep, name)  # data flows from the read wire to the assigned one
        for component in sorted(nx.strongly_connected_components(graph), key=sorted):
            first = min(component, key=lambda n: position(at[n]))
            if len(component) == 1 and not graph.has_edge(first, first):
                continue
            cycle = [u for u, _ in nx.find_cycle(graph.subgraph(component), first)]
            self.error("combinational loop: " + " -> ".join(cycle + [cycle[0]]), at[first])
        for name in sorted(scope.pending):  # what was never defined is poison from here on
            scope.new_wire(name, None, False, "wire", (0, 0))
        scope.pending.clear()
        for k in stuck:  # mark what the stuck statements assign, so no "never assigned" follows
            stmt, env = assigns[k]
            for target in stmt.children[:-1]:
                self.assign_target(scope, target, None, env, stmt)

    def resolve_forward(self, scope: Scope) -> None:
        """Point bit reads of wires that were declared later (`t[2]` above `t = ...`) at them."""
        for node, name, i, at in scope.forward:
            wire = scope.wires.get(name)
            if wire is None or wire.width is None:
                continue
            if i >= wire.width:
                self.error(f"index {i} is out of range for '{name}' of width {wire.width}", at)
                continue
            self.net.nodes[node].operands = [wire.slots[i]]
            scope.reads.setdefault(wire.slots[i], (wire, i, at))

    # -- assignments ---------------------------------------------------------------------------
    def assign(self, scope: Scope, stmt: Tree, env: dict) -> None:
        *targets, rhs = stmt.children
        if len(targets) > 1 or (rhs.data == "call" and str(rhs.children[0]) in self.modules):
            values = [None] * len(targets)
            if rhs.data != "call":
                self.error(f"{len(targets)} targets need a module call with {len(targets)} "
                           "outputs on the right-hand side", rhs)
            else:
                outs = self.call(scope, rhs, env)
                if outs is not None and len(outs) != len(targets):
                    self.error(f"'{rhs.children[0]}' has {len(outs)} output(s) but "
                               f"{len(targets)} target(s) are assigned", stmt)
                elif outs is not None:
                    values = outs
        else:
            values = [self.expr(scope, rhs, env)]
        for target, value in zip(targets, values):
            self.assign_target(scope, target, value, env, stmt)

    def assign_target(self, scope: Scope, target: Tree, value: Value | None, env: dict,
                      stmt: Tree) -> None:
        name_tok, *selectors = target.children
        name = str(name_tok)
        at = position(target)
        whole = not selectors
        if name == DISCARD and whole:
            return
        if name in env:
            self.error(f"cannot assign to '{name}': it is a compile-time constant", name_tok)
            return
        wire = scope.wires.get(wire_name(name, env))
        if wire is None and whole:  # an implicit declaration: the wire takes the value's width
            width = None if value is None else value.width
            wire = scope.new_wire(name, width, width is not None and width > 1, "wire", at)
        elif wire is None:
            self.error(f"'{name}' must be declared (`wire {name}[W];`) before its bits are "
                       "assigned", name_tok)
            return
        if wire.kind == "in":
            self.error(f"cannot assign to input '{name}'", name_tok)
            return
        if wire.width is None:
            return
        if whole:
            indices = list(range(wire.width))
            what = name
        else:
            indices = self.select(wire, selectors, env)
            if indices is None:
                return
            what = self.snippet(target)
        again = [i for i in indices if wire.assigned[i] is not None]
        if again:
            first = wire.assigned[again[0]]
            bits = f"'{name}'" if len(again) == len(wire.slots) and whole \
                else quoted([wire.bit_name(i) for i in again])
            self.error(f"{bits} is assigned twice (first at line {first[0]})", target)
            return
        bits = None if value is None else self.fit(value, len(indices), stmt.children[-1],
                                                    f"'{what}'")
        for j, i in enumerate(indices):
            self.net.fill(wire, i, None if bits is None else bits[j], at)

    # -- calls ---------------------------------------------------------------------------------
    def call(self, scope: Scope, t: Tree, env: dict) -> list[Value | None] | None:
        """The output values of a gate or module call (None for outputs in error), one nesting
        level deeper."""
        self.deeper(t)
        outs = self.outputs(scope, t, env)
        self.depth -= 1
        return outs

    def outputs(self, scope: Scope, t: Tree, env: dict) -> list[Value | None] | None:
        name_tok, param_args, *args = t.children
        name = str(name_tok)
        args = present(args)
        if name in GATE_NAMES:
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
        for port in present(unit.children[4].children):
            wire = inner.wires.get(str(port.children[1]))
            outs.append(None if wire is None or wire.width is None else Value(list(wire.slots)))
        return outs

    def call_params(self, param_args: Tree | None, unit: Tree,
                    env: dict) -> dict[str, int] | None:
        """`m<8, K = 3>`: positional then named arguments, by the module's parameter order."""
        if param_args is None:
            return {}
        declared = [str(p.children[0]) for p in present(unit.children[2].children)] \
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
                positional.append(self.cval(arg, env))
        if len(positional) > len(declared):
            self.error(f"module '{unit.children[1]}' takes {len(declared)} parameter(s), got "
                       f"{len(positional)}", param_args)
            return None
        for pname in declared[:len(positional)]:
            if pname in named:
                self.error(f"parameter '{pname}' is given twice", named[pname][1])
                ok = False
        if not ok or any(v is None for v in positional + [v for v, _ in named.values()]):
            return None
        return {**dict(zip(declared, positional)), **{n: v for n, (v, _) in named.items()}}


def _whole_reads(t: Tree) -> set[str]:
    """Names an expression reads whole (their width matters), not through an index or slice."""
    found = set()
    stack = [t]
    while stack:
        node = stack.pop()
        if not isinstance(node, Tree) or node.data in ("access", "param_args"):
            continue
        if node.data == "ref":
            found.add(str(node.children[0]))
        else:
            stack.extend(node.children)
    return found
