"""Standard circuit formats: importers to `Circuit` and exporters from it.

Importers (each returns the same `circuitc.graph.Circuit` the .circ front end builds, and raises
one `CircuitError` carrying every `file:line: error: ...` of a bad file):
    read_bench   ISCAS .bench                      (circuitc.formats.bench)
    read_aiger   AIGER ASCII .aag and binary .aig  (circuitc.formats.aiger)
    read_blif    combinational BLIF                (circuitc.formats.blif)
    read_bristol Bristol Fashion                   (circuitc.formats.bristol)
`load_circuit(path)` picks one by suffix (FORMATS). (`circuitc.parse_file` is the one entry
point for every circuit file: it sends .circ to the language front end and the rest here.)

Exporters (EXPORTERS, each `Circuit -> str`): write_bench, write_aag, write_dot, write_json,
write_circ. docs/formats.md describes conventions and error behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from circuitc import limits
from circuitc.errors import CircuitError, Diagnostic
from circuitc.formats.aiger import read_aiger, write_aag
from circuitc.formats.bench import read_bench, write_bench
from circuitc.formats.blif import read_blif
from circuitc.formats.bristol import read_bristol
from circuitc.formats.circ import write_circ
from circuitc.formats.dot import write_dot
from circuitc.graph import Circuit

FORMATS: dict[str, str] = {
    ".bench": "bench",
    ".aag": "aiger",
    ".aig": "aiger",
    ".blif": "blif",
    ".txt": "bristol",
    ".bristol": "bristol",
}

READERS: dict[str, Callable[[bytes, str], Circuit]] = {
    "bench": read_bench,
    "aiger": read_aiger,
    "blif": read_blif,
    "bristol": read_bristol,
}


def write_json(circuit: Circuit) -> str:
    """The circuit graph as deterministic node-link JSON (`Circuit.to_json`)."""
    return circuit.to_json()


EXPORTERS: dict[str, Callable[[Circuit], str]] = {
    "bench": write_bench,
    "aag": write_aag,
    "dot": write_dot,
    "json": write_json,
    "circ": write_circ,
}


def load_circuit(path: str | Path, format: str | None = None) -> Circuit:
    """Read a circuit file in a standard format: by `format` ("bench", "aiger", "blif",
    "bristol") when given, else by suffix (FORMATS). Raises CircuitError for an unreadable file,
    an unknown format or any problem in the file."""
    path = Path(path)
    fmt = format or FORMATS.get(path.suffix.lower())
    if fmt not in READERS:
        known = ", ".join(sorted(set(FORMATS.values()) | {"circ"}))
        what = f"unknown format '{format}'" if format else (
            f"cannot tell the format of '{path.name}' from its suffix")
        raise CircuitError(Diagnostic(f"{what} (known: {known}; suffixes: "
                                      f"{', '.join(sorted(FORMATS))}, .circ)", str(path)))
    return READERS[fmt](read_limited(path), str(path))


def read_limited(path: Path) -> bytes:
    """The bytes of a circuit file, refused up front (a CircuitError) when it cannot be read or
    is larger than limits.FILE_BYTES."""
    try:
        size = path.stat().st_size
        problem = limits.FILE_BYTES.problem(size, "the file", "has") if path.is_file() else None
        if problem:
            raise CircuitError(Diagnostic(problem, str(path)))
        return path.read_bytes()
    except OSError as e:
        raise CircuitError(Diagnostic(f"cannot read the file: {e.strerror or e}", str(path)))


__all__ = [
    "EXPORTERS", "FORMATS", "READERS", "load_circuit", "read_aiger", "read_bench", "read_blif",
    "read_bristol", "write_aag", "write_bench", "write_circ", "write_dot", "write_json",
]
