"""The importers' common back half: a flat named netlist, checked, ordered and built into a Circuit.

Every importer parses its file into a `Netlist` (named inputs, gates that may be listed in any
order, outputs naming their driver) and calls `Netlist.build()`. Building reports every undefined
signal, duplicate definition and combinational loop as a collected `file:line` diagnostic, orders
the gates by an iterative depth-first search (no recursion: real circuits are thousands of levels
deep) and adds them to a `Circuit` in that order, so importers never see a half-built graph.

Port grouping: names `x[0]`, `x[1]`, ..., `x[k]` declared consecutively, LSB first, become one
vector port `x` when nothing else uses the base name `x` (so `--set x=5` works); everything else is
a scalar port named as written.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from circuitc import keys as K
from circuitc.errors import Diagnostics
from circuitc.graph import Circuit

_BIT = re.compile(r"^(.+)\[(0|[1-9][0-9]*)\]$")
_CONSTS = (K.CONST0_ID, K.CONST1_ID)
_MAX_LOOP_NAMES = 12  # longer loops are shown with their middle elided


@dataclass
class _Gate:
    op: str
    operands: tuple[str, ...]
    line: int


@dataclass
class Netlist:
    """A flat netlist being read from one file; see the module docstring."""

    path: str
    diags: Diagnostics
    inputs: list[tuple[str, int]] = field(default_factory=list)  # (name, line)
    outputs: list[tuple[str, str, int]] = field(default_factory=list)  # (port bit, driver, line)
    gates: dict[str, _Gate] = field(default_factory=dict)
    aliases: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (node, line)
    hidden: set[str] = field(default_factory=set)  # helper nodes invented by the importer
    source_gates: Counter = field(default_factory=Counter)
    _input_line: dict[str, int] = field(default_factory=dict)

    def loc(self, line: int) -> str | None:
        return f"{self.path}:{line}" if line else None

    def defined_at(self, name: str) -> int | None:
        """The line that defines `name` (input, gate or alias), or None if it is not defined."""
        if name in self._input_line:
            return self._input_line[name]
        if name in self.gates:
            return self.gates[name].line
        if name in self.aliases:
            return self.aliases[name][1]
        return None

    def _claim(self, name: str, line: int, what: str) -> bool:
        first = self.defined_at(name)
        if first is not None or name in _CONSTS:
            where = f" (first defined on line {first})" if first else ""
            self.diags.error(f"duplicate definition of {what} '{name}'{where}", line)
            return False
        return True

    def add_input(self, name: str, line: int = 0) -> None:
        if self._claim(name, line, "input"):
            self.inputs.append((name, line))
            self._input_line[name] = line

    def add_gate(self, name: str, op: str, operands: Sequence[str], line: int = 0,
                 hidden: bool = False) -> str:
        """Define signal `name` as `op(operands)`; returns `name`."""
        if self._claim(name, line, "signal"):
            self.gates[name] = _Gate(op, tuple(operands), line)
            if hidden:
                self.hidden.add(name)
        return name

    def add_alias(self, name: str, node: str, line: int = 0) -> None:
        """Make signal `name` another name of node `node` (e.g. a constant): no node of its own."""
        if self._claim(name, line, "signal"):
            self.aliases[name] = (node, line)

    def add_output(self, name: str, driver: str, line: int = 0) -> None:
        self.outputs.append((name, driver, line))

    def helper_name(self, base: str, taken: set[str] | None = None) -> str:
        """A node id `base` made unique against every name defined so far."""
        name, k = base, 1
        while self.defined_at(name) is not None or (taken and name in taken):
            k += 1
            name = f"{base}#{k}"
        return name

    # ---- building ----------------------------------------------------------------------------
    def _resolve(self, name: str) -> str:
        node, _ = self.aliases.get(name, (name, 0))
        return node

    def _check_references(self) -> None:
        reported: set[str] = set()

        def check(name: str, line: int, user: str) -> None:
            if (name in _CONSTS or name in self._input_line or name in self.gates
                    or name in self.aliases or name in reported):
                return
            reported.add(name)
            self.diags.error(f"undefined signal '{name}' (used by {user})", line)

        for name, gate in self.gates.items():
            for operand in gate.operands:
                check(operand, gate.line, f"'{name}'" if name not in self.hidden else "a gate")
        for node, line in self.aliases.values():
            check(node, line, "an alias")
        seen: dict[str, int] = {}
        for name, driver, line in self.outputs:
            check(driver, line, f"output '{name}'")
            if name in seen:
                self.diags.error(f"output '{name}' declared twice (first on line {seen[name]})",
                                 line)
            seen.setdefault(name, line)

    def _order(self) -> list[str]:
        """Gates in dependency order (operands first, else file order); reports every loop."""
        state: dict[str, int] = {}  # 1 = on the DFS stack, 2 = finished
        order: list[str] = []
        for root in self.gates:
            if root in state:
                continue
            state[root] = 1
            stack = [(root, iter(self.gates[root].operands))]
            position = {root: 0}
            while stack:
                node, pending = stack[-1]
                for operand in pending:
                    operand = self._resolve(operand)
                    if operand not in self.gates:
                        continue
                    seen = state.get(operand)
                    if seen is None:
                        state[operand] = 1
                        position[operand] = len(stack)
                        stack.append((operand, iter(self.gates[operand].operands)))
                        break
                    if seen == 1:
                        self._report_loop([n for n, _ in stack[position[operand]:]])
                else:
                    stack.pop()
                    state[node] = 2
                    del position[node]
                    order.append(node)
        return order

    def _report_loop(self, loop: list[str]) -> None:
        shown = [n for n in loop if n not in self.hidden] or loop
        line = min(self.gates[n].line for n in shown)
        if len(shown) > _MAX_LOOP_NAMES:
            half = _MAX_LOOP_NAMES // 2
            shown = shown[:half] + [f"... {len(shown) - 2 * half} more ..."] + shown[-half:]
        names = " -> ".join(f"'{n}'" for n in shown + shown[:1])
        self.diags.error(f"combinational loop: {names}", line)

    def build(self, name: str, source: bytes | str) -> Circuit:
        """Check everything, raise one CircuitError with all problems, else the Circuit."""
        self._check_references()
        order = self._order()
        self.diags.raise_if_errors()
        circuit = Circuit(name)
        for port, bits, vector in group_ports([n for n, _ in self.inputs]):
            line = self._input_line[bits[0]]
            if vector:
                circuit.add_input_vector(port, len(bits), loc=self.loc(line))
            else:
                circuit.add_input(port, loc=self.loc(line))
        needed = {self._resolve(o) for g in self.gates.values() for o in g.operands}
        needed |= {self._resolve(d) for _, d, _ in self.outputs}
        for value, node in enumerate(_CONSTS):
            if node in needed:
                circuit.const(value)
        circuit.add_gates((node, self.gates[node].op,
                           [self._resolve(o) for o in self.gates[node].operands],
                           self.loc(self.gates[node].line)) for node in order)
        drivers = {n: (self._resolve(d), line) for n, d, line in self.outputs}
        for port, bits, vector in group_ports([n for n, _, _ in self.outputs]):
            line = drivers[bits[0]][1]
            if vector:
                circuit.add_output_vector(port, [drivers[b][0] for b in bits], loc=self.loc(line))
            else:
                circuit.add_output(port, drivers[port][0], loc=self.loc(line))
        raw = source.encode("utf-8") if isinstance(source, str) else bytes(source)
        circuit.graph.graph[K.G_SOURCE] = {"path": self.path,
                                           "sha256": hashlib.sha256(raw).hexdigest()}
        circuit.graph.graph[K.G_SOURCE_GATES] = {
            "total": sum(self.source_gates.values()),
            "by_kind": dict(sorted(self.source_gates.items())),
        }
        return circuit


def group_ports(names: Sequence[str]) -> list[tuple[str, list[str], bool]]:
    """Split declared port bit names into ports: (name, bits, is_vector), in declaration order.

    A run `x[0], x[1], ..., x[k]` (consecutive, LSB first, no leading zeros) becomes the vector
    port `x` when no other declared name is `x` or `x[j]`; every other name is a scalar port.
    """
    parsed = [_BIT.match(n) for n in names]
    base_uses = Counter(m.group(1) if m else n for n, m in zip(names, parsed))
    scalar_names = set(names)
    ports: list[tuple[str, list[str], bool]] = []
    i = 0
    while i < len(names):
        m = parsed[i]
        if m and m.group(2) == "0":
            base, j = m.group(1), i + 1
            while (j < len(names) and parsed[j] and parsed[j].group(1) == base
                   and parsed[j].group(2) == str(j - i)):
                j += 1
            if base_uses[base] == j - i and base not in scalar_names:
                ports.append((base, list(names[i:j]), True))
                i = j
                continue
        ports.append((names[i], [names[i]], False))
        i += 1
    return ports


def decode_text(data: bytes | str, diags: Diagnostics) -> str:
    """The file's text; a file that is not UTF-8 is reported at the first bad byte."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        diags.error(f"not UTF-8 text (bad byte at offset {e.start})", line)
        return data[:e.start].decode("utf-8")


def circuit_name(path: str) -> str:
    """The graph name of an imported file: its stem ("c17" for ".../c17.bench")."""
    stem = Path(path).stem if path and not path.startswith("<") else "top"
    return stem or "top"


