"""Import "Bristol Fashion" circuits (the MPC benchmark format of SCALE-MAMBA and others).

Contract: `read_bristol(data, path)` reads line 1 `ngates nwires`, line 2 `niv w1 .. wn` (input
values and their bit widths), line 3 `nov v1 .. vm` (output values), then one gate per line
`nin nout in.. out.. OP` with OP in XOR, AND, INV, EQW (copy), EQ (constant: the "input" is the
literal 0 or 1) and MAND (k ANDs: 2k inputs a1..ak b1..bk, k outputs). Input value i becomes the
vector port `in<i>` (wire k of the value is bit k, LSB first) and output value j the vector port
`out<j>`, made of the last sum(v) wires in order. Gate output wires are nodes "w<wire>". Every
wire is written once (the format is single-assignment); gates are read in any order. Every
problem (bad header counts, unknown gate, bad wire, wire written twice or never, loops) is
collected and raised at once as `file:line: error: ...`.
"""

from __future__ import annotations

from circuitc import keys as K
from circuitc import limits
from circuitc.errors import Diagnostics
from circuitc.formats.netlist import Netlist, circuit_name, decode_text
from circuitc.graph import Circuit
from circuitc.limits import natural

_OPS = {"XOR": K.OP_XOR, "AND": K.OP_AND, "INV": K.OP_NOT, "EQW": K.OP_BUF}
_ARITY = {"XOR": (2, 1), "AND": (2, 1), "INV": (1, 1), "EQW": (1, 1), "EQ": (1, 1)}


def _numbers(tokens: list[str]) -> list[int] | None:
    values = [natural(t) for t in tokens]
    return None if None in values else values


def read_bristol(data: bytes | str, path: str = "<input>") -> Circuit:
    """Parse Bristol Fashion text (or bytes) into a Circuit; CircuitError lists every problem."""
    diags = Diagnostics(path)
    text = decode_text(data, diags)
    diags.text = text
    lines = [(n, line.split()) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, tokens) for n, tokens in lines if tokens]
    header = [_numbers(tokens) for _, tokens in lines[:3]]
    what = ("'ngates nwires'", "'niv w1 .. wn' (input values and widths)",
            "'nov v1 .. vm' (output values and widths)")
    for i, want in enumerate(what):
        numbers = header[i] if i < len(header) else None
        line = lines[i][0] if i < len(lines) else (lines[-1][0] if lines else 1)
        if numbers is None or (i == 0 and len(numbers) != 2) or (
                i > 0 and (not numbers or len(numbers) != numbers[0] + 1)):
            diags.error(f"bad header: line {i + 1} must be {want}", line)
    diags.raise_if_errors()
    (n_gates, n_wires), in_widths, out_widths = header[0], header[1][1:], header[2][1:]
    n_in, n_out = sum(in_widths), sum(out_widths)
    if n_in + n_out > n_wires or n_gates > n_wires:
        diags.error(f"bad header counts: {n_wires} wires cannot hold {n_in} input and {n_out} "
                    f"output wires and {n_gates} gates", lines[0][0])
        diags.raise_if_errors()  # the wire numbering below would make no sense
    if len(lines) - 3 != n_gates:
        line = lines[-1][0] if len(lines) > 3 else lines[2][0]
        diags.error(f"the header announces {n_gates} gates but the file has {len(lines) - 3} "
                    "gate lines" + (" (truncated?)" if len(lines) - 3 < n_gates else ""), line)
    # The wires below are built from the header's counts: refuse absurd ones first (every wire
    # is an input or a gate's output, and a gate line writes fewer wires than it has tokens).
    writable = n_in + sum(len(tokens) for _, tokens in lines[3:])
    absurd = [(limits.INPUTS.problem(n_in, "the header"), lines[1][0]),
              (limits.NODES.problem(n_wires, "the header"), lines[0][0]),
              (f"bad header counts: {n_wires} wires, but the inputs and gate lines can write at "
               f"most {writable}" if n_wires > writable else None, lines[0][0])]
    for problem, line in absurd:
        if problem:
            diags.error(problem, line)
    if any(problem for problem, _ in absurd):
        diags.raise_if_errors()

    net = Netlist(path, diags)
    node: dict[int, str] = {}  # wire -> node id
    first = 0
    for i, width in enumerate(in_widths):
        for k in range(width):
            node[first + k] = f"in{i}[{k}]"
            net.add_input(node[first + k], lines[1][0])
        first += width
    written: dict[int, int] = {}  # wire -> line
    for number, tokens in lines[3:]:
        _gate(net, tokens, number, n_wires, node, written)
    missing = [w for w in range(n_wires - n_out, n_wires) if w not in node]
    if missing:
        shown = ", ".join(map(str, missing[:8])) + (", ..." if len(missing) > 8 else "")
        diags.error(f"{len(missing)} output wire(s) never written: {shown}", lines[2][0])
    out_port_first = n_wires - n_out
    for j, width in enumerate(out_widths):
        for k in range(width):
            wire = out_port_first + k
            if wire in node:
                net.add_output(f"out{j}[{k}]", node[wire], lines[2][0])
        out_port_first += width
    return net.build(circuit_name(path), data)


def _gate(net: Netlist, tokens: list[str], number: int, n_wires: int, node: dict[int, str],
          written: dict[int, int]) -> None:
    diags = net.diags
    op = tokens[-1]
    counts = _numbers(tokens[:2])
    if len(tokens) < 4 or counts is None:
        diags.error("expected a gate line 'nin nout in.. out.. OP'", number)
        return
    n_in, n_out = counts
    if len(tokens) != n_in + n_out + 3:
        diags.error(f"gate line announces {n_in} inputs and {n_out} outputs but has "
                    f"{len(tokens) - 3} wires", number)
        return
    if op == "MAND":
        ok = n_in == 2 * n_out and n_out > 0
    elif op in _ARITY:
        ok = (n_in, n_out) == _ARITY[op]
    else:
        diags.error(f"unknown gate '{op}' (known: AND, EQ, EQW, INV, MAND, XOR)", number)
        return
    if not ok:
        diags.error(f"{op} takes {'2k inputs and k outputs' if op == 'MAND' else _ARITY[op]} "
                    f"(inputs, outputs), got ({n_in}, {n_out})", number)
        return
    wires = _numbers(tokens[2:-1])
    if wires is None:
        diags.error(f"bad wire number in {' '.join(tokens[2:-1])!r}", number)
        return
    ins, outs = wires[:n_in], wires[n_in:]
    if op == "EQ":
        if ins[0] not in (0, 1):
            diags.error(f"EQ assigns the constant 0 or 1, got {ins[0]}", number)
            return
        sources = [K.CONST1_ID if ins[0] else K.CONST0_ID]
    else:
        bad = [w for w in wires if w >= n_wires]
        if bad:
            diags.error(f"wire {bad[0]} is out of range (the header declares {n_wires} wires)",
                        number)
            return
        sources = [node.setdefault(w, f"w{w}") for w in ins]
    for w in outs:
        if w >= n_wires:
            diags.error(f"wire {w} is out of range (the header declares {n_wires} wires)", number)
            return
    net.source_gates[op] += 1
    for k, w in enumerate(outs):
        if w in written or (w in node and node[w].startswith("in")):
            first = written.get(w)
            where = f" (first on line {first})" if first else " (it is an input wire)"
            diags.error(f"wire {w} is written twice{where}", number)
            continue
        written[w] = number
        name = node.setdefault(w, f"w{w}")
        if op == "EQ":
            net.add_alias(name, sources[0], number)
        elif op == "MAND":
            net.add_gate(name, K.OP_AND, [sources[k], sources[n_out + k]], number)
        else:
            net.add_gate(name, _OPS[op], sources, number)
