"""Syntax tree -> Circuit: modules inlined, loops unrolled, vectors bit-blasted.

`parse_text(text, path, params, warnings)` parses a .circ file (see docs/language.md) and
elaborates its one `circuit` block into a `circuitc.graph.Circuit`. Every problem of the file is
collected first and raised together as one `CircuitError`; warnings (unused inputs, wires that
reach no output) go to the caller's `warnings` list.

The front end, in the order a file goes through it:

    fastparse.py   text -> the same syntax tree, fast, for valid files
    parse.py       text -> Lark syntax tree, syntax errors collected
    elaborator.py  syntax tree -> netlist: modules, instances, parameters, statements
    expressions.py wire expressions and built-in gates -> gates, one per bit
    arith.py       adders, comparators, shifts and tables -> gates
    constexpr.py   compile-time integers (parameters, widths, indices, loop bounds)
    wires.py       wires, bit-level values and the scope of one module instance
    pragmas.py     distribution pragmas -> the circuit's input distribution
    netlist.py     the netlist; combinational loops, dead wires, and the final Circuit
    source.py      positions, source snippets and the diagnostics of the file

Elaboration builds a private netlist rather than the `Circuit` directly, because a .circ body is
a set of equations, not a program: a wire may be read above the line that assigns it. Each wire
bit has a slot (a node id); reading the wire reads the slot, assigning it fills the slot. When
the whole file is elaborated without error, aliases are resolved, loops among the bits are
searched for, liveness gives the warnings, and the nodes are copied into a `Circuit` in
topological order.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from circuitc import keys as K
from circuitc.errors import CircuitError, Diagnostic, Diagnostics
from circuitc.formats import read_limited
from circuitc.graph import Circuit, gc_paused
from circuitc.lang.elaborator import Elaborator
from circuitc.lang.parse import parse_tree
from circuitc.lang.source import dedupe


def parse_text(text: str, path: str = "<input>", params: dict[str, int] | None = None,
               warnings: list | None = None) -> Circuit:
    """Elaborate the `circuit` of a .circ source text into a Circuit.

    `params` overrides the circuit's compile-time parameters (like `--param N=16`). Warnings are
    appended to `warnings` as `Diagnostic`s with severity "warning". Raises `CircuitError` with
    every error of the file (syntax errors first stop elaboration). The graph gets its name, its
    source {"path", "sha256"}, its input distribution from the pragmas, and every node a LOC.
    """
    diags = Diagnostics(path, text)
    with gc_paused():  # the syntax tree and netlist: many small objects, none in cycles
        tree = parse_tree(text, diags)
        circuit = None
        if tree is not None:
            elaborator = Elaborator(text, path, diags)
            circuit = elaborator.run(tree, dict(params or {}))
            # The netlist points back at the elaborator (its source of positions and errors):
            # broken here, so that the syntax tree and netlist are freed now, not by the full
            # collection that objects moved to the oldest generation below wait for (without
            # this, every parse leaked its whole netlist until one ran).
            elaborator.net = None
    dedupe(diags)
    diags.raise_if_errors()
    assert circuit is not None
    if warnings is not None:
        warnings.extend(sorted(diags.warnings, key=lambda d: (d.line, d.col)))
    circuit.graph.graph[K.G_SOURCE] = {
        "path": path, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    return circuit



def parse_file(path: str | Path, params: dict[str, int] | None = None,
               warnings: list | None = None) -> Circuit:
    """`parse_text` on the contents of a file (UTF-8, newlines as in text mode); unreadable
    files, and files larger than limits.FILE_BYTES (refused before reading), raise
    CircuitError."""
    data = read_limited(Path(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CircuitError(Diagnostic(f"not a UTF-8 text file ({e.reason})", str(path))) from None
    del data
    return parse_text(text.replace("\r\n", "\n").replace("\r", "\n"), str(path), params,
                      warnings)
