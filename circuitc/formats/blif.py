"""Import combinational BLIF (Berkeley Logic Interchange Format).

Contract: `read_blif(data, path)` turns one `.model` of `.inputs`, `.outputs` (several lines and
`\\` continuations allowed) and `.names` single-output covers into a Circuit. A cover's rows are
cubes over {0, 1, -} with an output phase: phase 1 rows are the ON-set (f = OR of the cubes),
phase 0 rows the OFF-set (f = NOT OR of the cubes); all rows of one cover share a phase.
`.names x` with no rows is constant 0, with the row `1` constant 1 (constants are not nodes: the
signal names the shared constant node). Gates: one cube of one literal is BUF/NOT, one cube is an
AND (NAND for the OFF-set), single-literal cubes are an OR (NOR), anything else is an AND per cube
("and<i>:<signal>") under an OR; a negated literal reads the signal's one shared NOT node
("not:<signal>"). The signal's own node is named as written. `.latch`, `.subckt`, `.gate` and other
directives give clear errors; every problem is collected and raised at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from circuitc import keys as K
from circuitc.errors import Diagnostics
from circuitc.formats.netlist import Netlist, circuit_name, decode_text
from circuitc.graph import Circuit

_UNSUPPORTED = {
    ".latch": "latches (sequential logic) are not supported",
    ".mlatch": "latches (sequential logic) are not supported",
    ".subckt": "hierarchical models (.subckt) are not supported; flatten the netlist first",
    ".gate": "library gates (.gate, mapped netlists) are not supported; write .names covers",
    ".exdc": "external don't-care networks (.exdc) are not supported",
    ".clock": "clocks (sequential logic) are not supported",
}


@dataclass
class _Cover:
    inputs: list[str]
    output: str
    line: int
    rows: list[tuple[str, str]] = field(default_factory=list)  # (cube, phase)


def _logical_lines(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, tokens) per logical line: comments dropped, `\\` lines joined."""
    result: list[tuple[int, list[str]]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        tokens = " ".join(pending).split()
        pending = []
        if tokens:
            result.append((start, tokens))
    if pending and " ".join(pending).split():
        result.append((start, " ".join(pending).split()))
    return result


def read_blif(data: bytes | str, path: str = "<input>") -> Circuit:
    """Parse BLIF text (or bytes) into a Circuit; raises CircuitError with every problem."""
    diags = Diagnostics(path)
    text = decode_text(data, diags)
    diags.text = text
    net = Netlist(path, diags)
    covers: list[_Cover] = []
    outputs: list[tuple[str, int]] = []
    cover: _Cover | None = None
    model_line = ended = 0
    for number, tokens in _logical_lines(text):
        head = tokens[0]
        if not head.startswith("."):
            if cover is None:
                diags.error(f"unexpected {' '.join(tokens)!r} outside a .names cover", number)
            else:
                _add_row(cover, tokens, number, diags)
            continue
        cover = None
        if ended:
            diags.error(f"'{head}' after .end (only one model is supported)", number)
            break
        if head == ".model":
            if model_line:
                diags.error(f"a second .model (first on line {model_line}): only one model is "
                            "supported", number)
            model_line = number
        elif head == ".inputs":
            for name in tokens[1:]:
                net.add_input(name, number)
        elif head == ".outputs":
            outputs += [(name, number) for name in tokens[1:]]
        elif head == ".names":
            if len(tokens) < 2:
                diags.error(".names needs at least an output signal", number)
                continue
            cover = _Cover(tokens[1:-1], tokens[-1], number)
            covers.append(cover)
        elif head == ".end":
            ended = number
        elif head in _UNSUPPORTED:
            diags.error(f"{head}: {_UNSUPPORTED[head]}", number)
        else:
            diags.error(f"unknown or unsupported directive '{head}'", number)
    # Helper node names must avoid every signal of the file, including covers defined later.
    taken = {name for name, _ in net.inputs} | {c.output for c in covers}
    negated: dict[str, str] = {}
    for c in covers:
        _define(net, c, diags, taken, negated)
    for name, number in outputs:
        net.add_output(name, name, number)
    return net.build(circuit_name(path), data)


def _add_row(cover: _Cover, tokens: list[str], number: int, diags: Diagnostics) -> None:
    n = len(cover.inputs)
    if n == 0 and len(tokens) == 1:
        cube, phase = "", tokens[0]
    elif len(tokens) == 2 and n > 0:
        cube, phase = tokens
    else:
        want = "an output value (0 or 1)" if n == 0 else f"a cube of {n} characters and 0 or 1"
        diags.error(f"bad row {' '.join(tokens)!r} of the cover of '{cover.output}': expected "
                    f"{want}", number)
        return
    if len(cube) != n or set(cube) - set("01-"):
        diags.error(f"bad cube {cube!r} of '{cover.output}': expected {n} characters of 0, 1, -",
                    number)
    elif phase not in ("0", "1"):
        diags.error(f"bad output value {phase!r} of '{cover.output}': expected 0 or 1", number)
    elif cover.rows and cover.rows[0][1] != phase:
        diags.error(f"the cover of '{cover.output}' mixes ON-set (1) and OFF-set (0) rows",
                    number)
    else:
        cover.rows.append((cube, phase))


def _define(net: Netlist, cover: _Cover, diags: Diagnostics, taken: set[str],
            negated: dict[str, str]) -> None:
    """Add the gates that compute one cover, the last of them named after the signal."""
    out, line = cover.output, cover.line
    net.source_gates["names"] += 1
    if len(set(cover.inputs)) != len(cover.inputs):
        diags.error(f"the cover of '{out}' lists an input twice", line)
        return
    on_set = not cover.rows or cover.rows[0][1] == "1"
    # Each cube as its literals (signal, positive?); "-" places are not in the cube.
    cubes = [[(s, ch == "1") for s, ch in zip(cover.inputs, cube) if ch != "-"]
             for cube, _ in cover.rows]
    if not cubes or any(not cube for cube in cubes):
        # No rows: the ON-set is empty. An all-"-" cube: the set is everything.
        value = bool(cubes) == on_set
        net.add_alias(out, K.CONST1_ID if value else K.CONST0_ID, line)
        return

    def literal(signal: str, positive: bool) -> str:
        if positive:
            return signal
        if signal not in negated:  # one shared inverter per signal
            negated[signal] = net.add_gate(net.helper_name(f"not:{signal}", taken), K.OP_NOT,
                                           [signal], line, hidden=True)
        return negated[signal]

    if len(cubes) == 1 and len(cubes[0]) == 1:
        signal, positive = cubes[0][0]
        op = K.OP_BUF if positive == on_set else K.OP_NOT
        net.add_gate(out, op, [signal], line)
    elif len(cubes) == 1:
        net.add_gate(out, K.OP_AND if on_set else K.OP_NAND,
                     [literal(s, p) for s, p in cubes[0]], line)
    elif all(len(cube) == 1 for cube in cubes):
        net.add_gate(out, K.OP_OR if on_set else K.OP_NOR,
                     [literal(*cube[0]) for cube in cubes], line)
    else:
        terms = []
        for i, cube in enumerate(cubes):
            if len(cube) == 1:
                terms.append(literal(*cube[0]))
            else:
                terms.append(net.add_gate(net.helper_name(f"and{i}:{out}", taken), K.OP_AND,
                                          [literal(s, p) for s, p in cube], line, hidden=True))
        net.add_gate(out, K.OP_OR if on_set else K.OP_NOR, terms, line)
