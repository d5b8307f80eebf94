"""Resource limits on input, in one place: each is checked before the work it bounds.

A file states sizes (a header's counts of inputs, wires, gates) that the reader would otherwise
take at face value and allocate for; a limit turns an absurd one into a located error instead
of minutes of work and a MemoryError. Each limit has a default meant to pass every real circuit
by a wide margin and is raised with an environment variable, named in the error:

    CIRCUITC_MAX_INPUTS       input bits a circuit may declare          default 4,194,304
    CIRCUITC_MAX_NODES        wires, variables or gates a header may declare  default 67,108,864
    CIRCUITC_MAX_FILE_BYTES   bytes of a circuit file                    default 1 GiB
    CIRCUITC_MAX_NETWORK_BYTES  bytes a network file unpacks to          default 16 GiB

`natural(token)` parses a count as header fields must spell it: ASCII digits only (Python's
int() and str.isdigit() also take superscripts and other scripts' digits).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    name: str  # the environment variable that raises it
    default: int
    what: str  # what it counts, for the error message

    @property
    def value(self) -> int:
        raw = os.environ.get(self.name, "")
        return int(raw) if raw.isascii() and raw.isdigit() else self.default

    def problem(self, count: int, where: str, verb: str = "declares") -> str | None:
        """None when `count` is within the limit, else the error message."""
        if count <= self.value:
            return None
        return (f"{where} {verb} {count:,} {self.what}, more than the limit of "
                f"{self.value:,} (set {self.name} to raise it)")


INPUTS = Limit("CIRCUITC_MAX_INPUTS", 1 << 22, "input bits")
NODES = Limit("CIRCUITC_MAX_NODES", 1 << 26, "wires, variables or gates")
FILE_BYTES = Limit("CIRCUITC_MAX_FILE_BYTES", 1 << 30, "bytes")
NETWORK_BYTES = Limit("CIRCUITC_MAX_NETWORK_BYTES", 16 << 30, "bytes")


def natural(token: str) -> int | None:
    """The value of a token of ASCII decimal digits, else None."""
    return int(token) if token.isascii() and token.isdigit() else None
