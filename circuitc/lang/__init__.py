"""The .circ language front end: `parse_text` / `parse_file` turn source into a `Circuit`."""

from circuitc.lang.elaborate import parse_file, parse_text

__all__ = ["parse_file", "parse_text"]
