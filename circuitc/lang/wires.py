"""Wires, the values of wire expressions, and the scope of one module instance.

Every bit of a wire has a *slot*: the id of the netlist node that holds the bit (`c[3]`, or
`adder_0.c[3]` inside the first `adder` instance). Reading a wire reads its slots; assigning it
fills them (see `Netlist.fill`). A wire expression evaluates to a `Value`: a list of node ids,
least significant bit first, or an unsized integer literal that takes its width from where it
is used.

An array of vectors, `wire pp[R][C]`, is one wire of R * C bits stored row after row (row r is
bits r*C .. r*C + C-1, so reading it whole gives row 0 in the low bits); its bits are named
`pp[r][c]` (ports keep the flat names `x[k]` of their circuit's port). A wire declared inside a
loop body belongs to one iteration: its name there stands for a wire of its own, named
`t@i=3` after the loop variables (see `Elaborator.flatten`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from circuitc.lang.source import Where

DISCARD = "_"  # assigning to `_` throws a value away (e.g. an unused module output)
LOCALS = "%locals"  # env key: {name: internal name} of the loop-local wires in scope


@dataclass
class Wire:
    name: str
    width: int | None  # None: the definition had an error (reads of it stay silent)
    vector: bool
    kind: str  # "in", "out", "wire"
    where: Where
    slots: list[str]
    assigned: list[Where | None]  # per bit: the assignment that filled it
    row: int | None = None  # arrays of vectors: the width of one row

    def bit_name(self, i: int) -> str:
        if self.row is not None:
            return f"{self.name}[{i // self.row}][{i % self.row}]"
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
    adder: str = "sklansky"  # the style of + - and comparisons (the `@adder` pragma)
    # loop-local wires: internal name -> (name as written, where declared)
    locals: dict[str, tuple[str, Where]] = field(default_factory=dict)

    def new_wire(self, name: str, width: int | None, vector: bool, kind: str,
                 where: Where, row: int | None = None) -> Wire:
        n = width or 0
        wire = Wire(name, width, vector, kind, where, [], [None] * n, row)
        flat = vector and kind != "wire"  # ports keep the bit names of the circuit's ports
        wire.slots = [self.prefix + (f"{name}[{i}]" if flat else wire.bit_name(i))
                      for i in range(n)]
        self.wires[name] = wire
        return wire
