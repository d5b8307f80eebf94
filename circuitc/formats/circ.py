"""Export a circuit as readable text in circuitc's own .circ language.

Contract: `write_circ(circuit)` writes one `circuit NAME(inputs) -> (outputs) { ... }` block that
`circuitc.lang.parse_text` reads back to a circuit with the same ports and the same function.
Vector ports stay vectors (their bits are read as `v[3]` and assigned as `z[2] = ...;`); every
other name that is not an identifier, or is a keyword or gate name, is sanitised
deterministically and uniquely: characters outside [A-Za-z0-9_] become '_' (trailing ones
dropped), a leading digit gets the prefix 'n', a clash gets a suffix '_2', '_3', ... Names that
are already identifiers are kept and win over sanitised ones. Gates are written in topological
order, AND/OR/XOR/NOT as operators (`a & b & c` is one 3-input gate in .circ) and the rest as
named gate calls; a gate read only by one output is written straight into that output's
assignment, and an inverter read by one gate as `~x` inside that gate's expression. The .circ
maj wants an odd count, so a MAJ of an even count n gets a constant 0 operand (more than half of
n inputs = more than half of those n plus a 0), and a MAJ of one operand is a buf. The input
distribution becomes a circuit pragma (`@sparse(3)`) when it is one group over all inputs,
per-port pragmas when its groups are exactly whole ports, and a comment otherwise.
"""

from __future__ import annotations

import re

from circuitc import keys as K
from circuitc.distribution import format_spec
from circuitc.graph import Circuit

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RESERVED = frozenset({
    "module", "circuit", "wire", "let", "for", "in", "if", "else",
    "and", "or", "xor", "nand", "nor", "xnor", "not", "buf", "maj", "mux",
})
_INFIX = {K.OP_AND: " & ", K.OP_OR: " | ", K.OP_XOR: " ^ "}


class _Namer:
    """Deterministic, unique .circ identifiers for arbitrary names."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    @staticmethod
    def clean(name: str) -> str:
        text = re.sub(r"[^A-Za-z0-9_]", "_", name).rstrip("_") or "n"
        if text[0].isdigit():
            text = "n" + text
        return text + "_" if text in RESERVED else text

    def take(self, wanted: str) -> str:
        name, k = wanted, 1
        while name in self.used:
            k += 1
            name = f"{wanted}_{k}"
        self.used.add(name)
        return name


def write_circ(circuit: Circuit) -> str:
    """The circuit as .circ source text; see the module docstring."""
    namer = _Namer()
    in_ports, out_ports = circuit.input_ports, circuit.output_ports
    gates = circuit.gates()
    # Pass 1: names that are already good identifiers keep them; pass 2: the rest, sanitised.
    items = ([("in", p["name"]) for p in in_ports] + [("out", p["name"]) for p in out_ports]
             + [("gate", g) for g in gates])
    chosen: dict[tuple[str, str], str] = {}
    for item in items:
        if _IDENT.match(item[1]) and item[1] not in RESERVED and item[1] not in namer.used:
            chosen[item] = namer.take(item[1])
    for item in items:
        if item not in chosen:
            chosen[item] = namer.take(namer.clean(item[1]))

    ref: dict[str, str] = {K.CONST0_ID: "0", K.CONST1_ID: "1"}
    for port in in_ports:
        name = chosen[("in", port["name"])]
        for i, bit in enumerate(port["bits"]):
            ref[bit] = f"{name}[{i}]" if port["vector"] else name
    targets: dict[str, str] = {}
    for port in out_ports:
        name = chosen[("out", port["name"])]
        for i, bit in enumerate(port["bits"]):
            targets[bit] = f"{name}[{i}]" if port["vector"] else name

    # A gate read by exactly one node, and that node an output, is written into the output line.
    readers: dict[str, int] = {}
    for node in circuit.graph.nodes:
        for operand in circuit.operands(node):
            readers[operand] = readers.get(operand, 0) + 1
    inlined = {circuit.driver(o) for o in circuit.outputs
               if circuit.op(circuit.driver(o)) in K.GATE_OPS
               and readers.get(circuit.driver(o)) == 1}
    # An inverter read by one gate is written as `~x` where it is read.
    negations = {g for g in gates if circuit.op(g) == K.OP_NOT and readers.get(g) == 1
                 and all(circuit.op(r) != K.OP_OUTPUT for r in circuit.graph.successors(g))}
    for g in gates:
        ref[g] = ("~" + ref[circuit.operands(g)[0]]) if g in negations else chosen[("gate", g)]

    def expression(gate: str) -> str:
        op, operands = circuit.op(gate), [ref[o] for o in circuit.operands(gate)]
        if op in _INFIX and len(operands) > 1:
            return _INFIX[op].join(operands)
        if op == K.OP_NOT:
            return f"~{operands[0]}"
        if op == K.OP_LUT:
            return _lut_expression(int(circuit.graph.nodes[gate][K.TRUTH], 16), operands)
        if op == K.OP_MAJ and len(operands) < 3:
            op = K.OP_BUF if len(operands) == 1 else op
        if op == K.OP_MAJ and len(operands) % 2 == 0:
            # .circ's maj wants an odd count; "more than half of n" (n even) = maj(..., 0).
            operands.append("0")
        return f"{op}({', '.join(operands)})"

    header_pragma, port_pragma, note = _pragmas(circuit)

    def port_decl(port: dict, direction: str) -> str:
        name = chosen[(direction, port["name"])]
        text = f"{name}[{len(port['bits'])}]" if port["vector"] else name
        pragma = port_pragma.get(port["name"]) if direction == "in" else None
        return f"@{pragma} {text}" if pragma else text

    lines = [f"// {circuit.name}: {len(circuit.inputs)} inputs, {len(circuit.outputs)} outputs, "
             f"{len(gates)} gates (written by circuitc)"]
    if note:
        lines.append(f"// input distribution (not expressible as pragmas): {note}")
    if header_pragma:
        lines.append(f"@{header_pragma}")
    ins = ", ".join(port_decl(p, "in") for p in in_ports)
    outs = ", ".join(port_decl(p, "out") for p in out_ports)
    lines.append(f"circuit {namer.clean(circuit.name)}({ins}) -> ({outs}) {{")
    for g in gates:
        if g not in inlined and g not in negations:
            lines.append(f"    {ref[g]} = {expression(g)};")
    for out in circuit.outputs:
        driver = circuit.driver(out)
        value = expression(driver) if driver in inlined else ref[driver]
        lines.append(f"    {targets[out]} = {value};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _pragmas(circuit: Circuit) -> tuple[str | None, dict[str, str], str | None]:
    """(circuit pragma, {input port name: pragma}, comment) for the declared distribution."""
    groups = circuit.distribution
    if not groups:
        return None, {}, None
    if len(groups) == 1 and set(groups[0]["inputs"]) == set(circuit.inputs):
        return format_spec(groups[0]), {}, None
    by_bits = {frozenset(p["bits"]): p["name"] for p in circuit.input_ports}
    per_port: dict[str, str] = {}
    for group in groups:
        port = by_bits.get(frozenset(group["inputs"]))
        if port is None or port in per_port or len(group["inputs"]) != len(set(group["inputs"])):
            described = "; ".join(f"{format_spec(g)} over {len(g['inputs'])} bits"
                                  for g in groups)
            return None, {}, described
        per_port[port] = format_spec(group)
    return None, per_port, None


def _lut_expression(table: int, operands: list[str]) -> str:
    """A LUT as the OR of its minterms (or the negated OR of its off-set's, when fewer)."""
    n = len(operands)
    ones = [r for r in range(1 << n) if table >> r & 1]
    zeros = [r for r in range(1 << n) if not table >> r & 1]
    rows, negate = (ones, False) if len(ones) <= len(zeros) else (zeros, True)
    terms = ["(" + " & ".join(x if r >> i & 1 else f"~{x}" for i, x in enumerate(operands)) + ")"
             for r in rows]
    text = " | ".join(terms)
    return f"~({text})" if negate else text
