"""Wires, the values of wire expressions, and the scope of one module instance.

Every bit of a wire has a *slot*: the id of the netlist node that holds the bit (`c[3]`, or
`adder_0.c[3]` inside the first `adder` instance). Reading a wire reads its slots; assigning it
fills them (see `Netlist.fill`). A wire expression evaluates to a `Value`: a list of node ids,
least significant bit first, or an unsized integer literal that takes its width from where it
is used.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from circuitc.lang.source import Where

DISCARD = "_"  # assigning to `_` throws a value away (e.g. an unused module output)


@dataclass
class Wire:
    name: str
    width: int | None  # None: the definition had an error (reads of it stay silent)
    vector: bool
    kind: str  # "in", "out", "wire"
    where: Where
    slots: list[str]
    assigned: list[Where | None]  # per bit: the assignment that filled it

    def bit_name(self, i: int) -> str:
        return f"{self.name}[{i}]" if self.vector else self.name


@dataclass
class Value:
    """A wire value: its bits (node ids, LSB first), or an unsized integer literal."""

    bits: list[str] | None = None
    const: int | None = None

    @property
    def width(self) -> int:
        return len(self.bits) if self.bits is not None else max(1, self.const.bit_length())


@dataclass
class Scope:
    """One instance of a module (or the circuit itself) being elaborated."""

    module: str
    prefix: str  # of the instance's slot ids: "" for the circuit, "adder_0." for an instance
    wires: dict[str, Wire] = field(default_factory=dict)
    params: dict[str, int] = field(default_factory=dict)
    instances: Counter = field(default_factory=Counter)  # per module: instances made so far
    reads: dict[str, tuple[Wire, int, Where]] = field(default_factory=dict)  # slot: first read
    # (placeholder node, wire, bit, at): reads of bits of wires defined further down
    forward: list[tuple[str, str, int, Where]] = field(default_factory=list)
    pending: set[str] = field(default_factory=set)  # implicit wires not defined yet

    def new_wire(self, name: str, width: int | None, vector: bool, kind: str,
                 where: Where) -> Wire:
        n = width or 0
        slots = [f"{self.prefix}{name}[{i}]" if vector else f"{self.prefix}{name}"
                 for i in range(n)]
        wire = Wire(name, width, vector, kind, where, slots, [None] * n)
        self.wires[name] = wire
        return wire
