"""Resource limits on input, in one place: each is checked before the work it bounds.

A file states sizes (a header's counts of inputs, wires, gates; a .circ port's width, a loop's
bounds, a literal's digits) that the reader would otherwise take at face value and allocate or
compute for; a limit turns an absurd one into a located error instead of minutes of work, a
MemoryError or a RecursionError. Each limit has a default meant to pass every real circuit by a
wide margin and is raised with an environment variable (or `circuitc --limit KEY=N`), named in
the error:

    CIRCUITC_MAX_INPUTS       input bits a circuit may declare          default 4,194,304
    CIRCUITC_MAX_NODES        wires, variables or gates a header may declare  default 67,108,864
    CIRCUITC_MAX_FILE_BYTES   bytes of a circuit file (.circ included)  default 1 GiB
    CIRCUITC_MAX_NETWORK_BYTES  bytes a network file unpacks to          default 16 GiB

and for the .circ language (docs/language.md, "Limits"):

    CIRCUITC_MAX_WIDTH        bits of one port, wire or value           default 1,048,576
    CIRCUITC_MAX_NETLIST      nodes (inputs, wire bits, gates) a .circ file elaborates to
                                                                        default 1,000,000
    CIRCUITC_MAX_STATEMENTS   statements its loops, ifs and module instances unroll to
                                                                        default 1,000,000
    CIRCUITC_MAX_LITERAL_BITS bits of an integer literal in a wire expression  default 65,536
    CIRCUITC_MAX_VALUE_BITS   bits of a compile-time value (parameters, widths, indices,
                              loop bounds, `let`s: literals and results) default 256
    CIRCUITC_MAX_NESTING      nested blocks, calls and module instances default 64
    CIRCUITC_MAX_PARSE_DEPTH  brackets nested, or prefix operators in a row, in the text
                                                                        default 100,000

Operator chains (`a + b + c + ...`, `~~~x`, `((x))`, `else if`) are evaluated without recursion
at any length; NESTING bounds the constructs that still recurse, well inside Python's stack, and
PARSE_DEPTH the nesting Lark's parser is given (its time and memory grow with it).

`natural(token)` parses a count as header fields must spell it: ASCII digits only (Python's
int() and str.isdigit() also take superscripts and other scripts' digits).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


_PREFIX = "CIRCUITC_MAX_"


@dataclass(frozen=True)
class Limit:
    name: str  # the environment variable that raises it
    default: int
    what: str  # what it counts, for the error message

    @property
    def key(self) -> str:
        """The name of `circuitc --limit KEY=N`: `width` for CIRCUITC_MAX_WIDTH."""
        return self.name.removeprefix(_PREFIX).lower().replace("_", "-")

    @property
    def value(self) -> int:
        """The default, or the environment variable's value; ValueError when that is set but
        not a whole number (silently keeping the default would refuse what the user allowed)."""
        raw = os.environ.get(self.name, "").strip()
        if not raw:
            return self.default
        value = natural(raw)
        if value is None:
            raise ValueError(f"{self.name}={raw!r}: a limit is a whole number of ASCII digits")
        return value

    def exceeded(self, what: str, hint: str = "") -> str:
        """The error message for `what` (e.g. "'x' would have 10 bits") beyond this limit, and
        a `hint` at the likely cause."""
        return (f"{what}, more than the limit of {self.value:,} (set {self.name} or "
                f"`circuitc --limit {self.key}=N` to raise it){hint}")

    def problem(self, count: int, where: str, verb: str = "declares") -> str | None:
        """None when `count` is within the limit, else the error message."""
        if count <= self.value:
            return None
        return self.exceeded(f"{where} {verb} {count:,} {self.what}")


INPUTS = Limit("CIRCUITC_MAX_INPUTS", 1 << 22, "input bits")
NODES = Limit("CIRCUITC_MAX_NODES", 1 << 26, "wires, variables or gates")
FILE_BYTES = Limit("CIRCUITC_MAX_FILE_BYTES", 1 << 30, "bytes")
NETWORK_BYTES = Limit("CIRCUITC_MAX_NETWORK_BYTES", 16 << 30, "bytes")
WIDTH = Limit("CIRCUITC_MAX_WIDTH", 1 << 20, "bits")
NETLIST = Limit("CIRCUITC_MAX_NETLIST", 1_000_000, "nodes")
STATEMENTS = Limit("CIRCUITC_MAX_STATEMENTS", 1_000_000, "statements")
LITERAL_BITS = Limit("CIRCUITC_MAX_LITERAL_BITS", 1 << 16, "bits")
VALUE_BITS = Limit("CIRCUITC_MAX_VALUE_BITS", 256, "bits")
NESTING = Limit("CIRCUITC_MAX_NESTING", 64, "levels")
PARSE_DEPTH = Limit("CIRCUITC_MAX_PARSE_DEPTH", 100_000, "levels")

ALL = (INPUTS, NODES, FILE_BYTES, NETWORK_BYTES, WIDTH, NETLIST, STATEMENTS, LITERAL_BITS,
       VALUE_BITS, NESTING, PARSE_DEPTH)


def by_key(key: str) -> Limit:
    """The limit that `circuitc --limit KEY=N` names; ValueError listing the keys if none."""
    for limit in ALL:
        if limit.key == key.strip().lower().replace("_", "-"):
            return limit
    raise ValueError(f"unknown limit '{key}' (known: {', '.join(l.key for l in ALL)})")


def natural(token: str) -> int | None:
    """The value of a token of ASCII decimal digits, else None."""
    return int(token) if token.isascii() and token.isdigit() else None
