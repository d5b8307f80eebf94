"""One entry point for every circuit file: the .circ language or a standard format, by suffix."""

from __future__ import annotations

from pathlib import Path

from circuitc.errors import Diagnostic
from circuitc.graph import Circuit

CIRC_SUFFIXES = (".circ",)


def parse_file(
    path: str | Path,
    params: dict[str, int] | None = None,
    format: str | None = None,
    warnings: list[Diagnostic] | None = None,
) -> Circuit:
    """Read a circuit from `path`: .circ through the language front end, anything else through
    the importer its suffix (or `format`) names. `params` set the top circuit's compile-time
    parameters (.circ only). Raises CircuitError with every problem of the file."""
    path = Path(path)
    if format in (None, "circ") and (format == "circ" or path.suffix in CIRC_SUFFIXES):
        from circuitc.lang import parse_file as parse_circ

        return parse_circ(path, params=params, warnings=warnings)
    if params:
        raise ValueError("--param applies to .circ files only")
    from circuitc.formats import load_circuit

    return load_circuit(path, format=format)


def parse_text(
    text: str,
    path: str = "<input>",
    params: dict[str, int] | None = None,
    warnings: list[Diagnostic] | None = None,
) -> Circuit:
    """Read a circuit from .circ source text (see docs/language.md)."""
    from circuitc.lang import parse_text as parse_circ

    return parse_circ(text, path=path, params=params, warnings=warnings)
