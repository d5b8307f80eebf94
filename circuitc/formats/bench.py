"""Import ISCAS `.bench` netlists.

Contract: `read_bench(data, path)` turns the text of a combinational .bench file into a Circuit.
Lines are `INPUT(x)`, `OUTPUT(x)`, `y = OP(a, b, ...)` and `# comments`; OP is one of AND NAND OR
NOR XOR XNOR NOT BUF BUFF (case-insensitive), any fan-in (NOT/BUF exactly one), gates in any order.
As an extension (used by `write_bench` only for circuits without inputs) `CONST0()`/`CONST1()`
(also `GND()`/`VDD()`) define constants. Node ids are the signal names as written ("22"); an
output port is named after the signal it lists, so `INPUT(143)` + `OUTPUT(143)` gives the input
node "143" and the output node "out:143". Sequential elements (DFF) are rejected. Every problem
is collected and raised at once as `file:line:col: error: ...`.
"""

from __future__ import annotations

import re

from circuitc import keys as K
from circuitc.errors import Diagnostics
from circuitc.formats.netlist import Netlist, circuit_name, decode_text
from circuitc.graph import Circuit

_NAME = r"[^\s(),=#]+"
_PORT = re.compile(rf"^\s*(INPUT|OUTPUT)\s*\(\s*({_NAME})\s*\)\s*$", re.IGNORECASE)
_GATE = re.compile(rf"^\s*({_NAME})\s*=\s*([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$")
_ARG = re.compile(rf"^{_NAME}$")

GATE_TYPES = {
    "AND": K.OP_AND, "NAND": K.OP_NAND, "OR": K.OP_OR, "NOR": K.OP_NOR, "XOR": K.OP_XOR,
    "XNOR": K.OP_XNOR, "NOT": K.OP_NOT, "INV": K.OP_NOT, "BUF": K.OP_BUF, "BUFF": K.OP_BUF,
}
CONST_TYPES = {"CONST0": K.CONST0_ID, "GND": K.CONST0_ID, "CONST1": K.CONST1_ID,
               "VDD": K.CONST1_ID}
_SEQUENTIAL = ("DFF", "DFFR", "DFFS", "LATCH")


def read_bench(data: bytes | str, path: str = "<input>") -> Circuit:
    """Parse .bench text (or bytes) into a Circuit; raises CircuitError with every problem."""
    diags = Diagnostics(path)
    text = decode_text(data, diags)
    diags.text = text
    net = Netlist(path, diags)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        if not line.strip():
            continue
        col = len(line) - len(line.lstrip()) + 1
        port = _PORT.match(line)
        if port:
            kind, name = port.group(1).upper(), port.group(2)
            if kind == "INPUT":
                net.add_input(name, number)
            else:
                net.add_output(name, name, number)
            continue
        gate = _GATE.match(line)
        if not gate:
            diags.error("expected INPUT(name), OUTPUT(name) or 'name = GATE(operands)'",
                        number, col)
            continue
        name, kind, args = gate.group(1), gate.group(2).upper(), gate.group(3)
        kind_col = line.index(gate.group(2), gate.end(1)) + 1
        operands = [a.strip() for a in args.split(",")] if args.strip() else []
        bad = [a for a in operands if not _ARG.match(a)]
        if bad:
            diags.error(f"bad operand {bad[0]!r} of '{name}'", number,
                        line.index("(", kind_col - 1) + 2)
            continue
        if kind in _SEQUENTIAL:
            diags.error(f"'{name}' is a {kind}: sequential elements are not supported "
                        "(circuitc compiles combinational circuits only)", number, kind_col)
            continue
        if kind in CONST_TYPES:
            if operands:
                diags.error(f"{kind} takes no operands", number, kind_col)
                continue
            net.source_gates[kind] += 1
            net.add_alias(name, CONST_TYPES[kind], number)
            continue
        if kind not in GATE_TYPES:
            known = ", ".join(sorted(set(GATE_TYPES) - {"INV"}))
            diags.error(f"unknown gate type '{gate.group(2)}' (known: {known})", number, kind_col)
            continue
        op = GATE_TYPES[kind]
        if op in (K.OP_NOT, K.OP_BUF) and len(operands) != 1:
            diags.error(f"{kind} takes 1 operand, got {len(operands)}", number, kind_col)
            continue
        if not operands:
            diags.error(f"{kind} needs at least 1 operand", number, kind_col)
            continue
        net.source_gates[kind] += 1
        net.add_gate(name, op, operands, number)
    return net.build(circuit_name(path), data)


# ---- export ---------------------------------------------------------------------------------
_WRITE_OPS = {K.OP_AND: "AND", K.OP_NAND: "NAND", K.OP_OR: "OR", K.OP_NOR: "NOR",
              K.OP_XOR: "XOR", K.OP_XNOR: "XNOR", K.OP_NOT: "NOT", K.OP_BUF: "BUFF"}
_UNSAFE = re.compile(r"[\s(),=#]")


def write_bench(circuit: Circuit) -> str:
    """The circuit as ISCAS .bench text that `read_bench` reads back to the same function.

    Signals keep their node ids (characters a .bench name cannot hold become '_', made unique).
    MUX/MAJ are rewritten into AND/OR/NOT (see `circuitc.formats.basis`). An output whose port name
    differs from its driver's signal gets a BUFF named after the port, which is kept for it before
    the gates are named (an equivalence checker pairs outputs by name), or a fresh name only when
    an input already has the port's name; an output driven through buffers by the signal of its
    name (as the passes leave it: levelize carries it to the last level) is that signal. XOR and
    XNOR of one operand become BUFF and NOT, of more than two chains of two-input XORs (what
    ABC and most .bench readers take). Constants are `XOR(x, x)` / `XNOR(x, x)` of the first
    input (standard .bench has no constants), or the extension `CONST0()` / `CONST1()` when there
    is no input.
    """
    from circuitc.formats.basis import basic_gates

    names: dict[str, str] = {}
    used: set[str] = set()

    def claim(node: str, wanted: str) -> str:
        name, k = _UNSAFE.sub("_", wanted) or "_", 1
        base = name
        while name in used:
            k += 1
            name = f"{base}_{k}"
        used.add(name)
        names[node] = name
        return name

    for node in circuit.inputs:
        claim(node, node)
    ports = {out: _UNSAFE.sub("_", circuit.graph.nodes[out][K.NAME]) for out in circuit.outputs}
    drivers = {out: _through_buffers(circuit, circuit.driver(out), ports[out])
               for out in circuit.outputs}
    kept = {out for out, port in ports.items()
            if port not in used and _UNSAFE.sub("_", drivers[out]) != port}
    used.update(ports[out] for out in kept)
    gates = basic_gates(circuit, set(circuit.graph.nodes))
    for node, _, _ in gates:
        claim(node, node)
    lines = [f"# {circuit.name}", f"# written by circuitc: {len(circuit.inputs)} inputs, "
             f"{len(circuit.outputs)} outputs", ""]
    lines += [f"INPUT({names[n]})" for n in circuit.inputs]
    body = []
    first = names[circuit.inputs[0]] if circuit.inputs else None
    for value, node in enumerate((K.CONST0_ID, K.CONST1_ID)):
        if node in circuit.graph:
            name = claim(node, f"const_{value}")
            if first is None:
                body.append(f"{name} = CONST{value}()")
            else:
                body.append(f"{name} = {'XNOR' if value else 'XOR'}({first}, {first})")
    for node, op, operands in gates:
        args = [names[o] for o in operands]
        if op in (K.OP_XOR, K.OP_XNOR):
            while len(args) > 2:
                chain = claim((node, len(args)), f"{names[node]}_x")
                body.append(f"{chain} = XOR({args[0]}, {args[1]})")
                args[:2] = [chain]
            if len(args) == 1:  # the parity of one signal: that signal or its complement
                op = K.OP_BUF if op == K.OP_XOR else K.OP_NOT
        body.append(f"{names[node]} = {_WRITE_OPS[op]}({', '.join(args)})")
    outputs = []
    for out in circuit.outputs:
        port, driver = ports[out], names[drivers[out]]
        if port == driver:
            outputs.append(driver)
        else:
            name = port if out in kept else claim(out, port)
            body.append(f"{name} = BUFF({driver})")
            outputs.append(name)
    lines += [f"OUTPUT({n})" for n in outputs]
    return "\n".join(lines + [""] + body) + "\n"


def _through_buffers(circuit: Circuit, node: str, name: str) -> str:
    """The signal named `name` when `node` is a chain of buffers of it, else `node`."""
    source = node
    while circuit.op(source) == K.OP_BUF and _UNSAFE.sub("_", source) != name:
        source = circuit.operands(source)[0]
    return source if _UNSAFE.sub("_", source) == name else node
