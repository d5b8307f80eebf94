"""Wire expressions -> gates of the netlist, one per bit.

`WireExpressions` is the part of the elaborator that evaluates the right-hand sides of
assignments to `Value`s: wire reads, bit and slice reads, `{x, y}` concatenation, `~`, the infix
`&`, `^`, `|` (operands of equal width; integer literals are sized to the others) and the
built-in gates called by name (`and(...)`, `maj(...)`, `mux(s, a, b)`, ...). Module calls are
the `Elaborator`'s, which builds on this class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from lark import Token, Tree

from circuitc import keys as K
from circuitc.errors import Diagnostics
from circuitc.lang.constexpr import evaluate, int_literal
from circuitc.lang.netlist import Netlist
from circuitc.lang.source import Source, position
from circuitc.lang.wires import Scope, Value, Wire

# Gates callable by name. The reducing ones fold every bit of every argument into one bit.
REDUCING = {"and": K.OP_AND, "or": K.OP_OR, "xor": K.OP_XOR, "nand": K.OP_NAND,
            "nor": K.OP_NOR, "xnor": K.OP_XNOR, "maj": K.OP_MAJ}
BITWISE1 = {"not": K.OP_NOT, "buf": K.OP_BUF}
GATE_NAMES = frozenset(REDUCING) | frozenset(BITWISE1) | {"mux"}

_INFIX = {"and_expr": (K.OP_AND, "&"), "xor_expr": (K.OP_XOR, "^"), "or_expr": (K.OP_OR, "|")}


class WireExpressions(Source, ABC):
    """Right-hand sides -> `Value`s, adding their gates to `self.net`."""

    def __init__(self, text: str, path: str, diags: Diagnostics, max_gates: int):
        super().__init__(text, path, diags)
        self.max_gates = max_gates  # of netlist nodes, and of statements in one body
        self.net = Netlist(self, max_gates)

    def cval(self, t: Tree, env: dict) -> int | None:
        return evaluate(t, env, self.error)

    @abstractmethod
    def call(self, scope: Scope, t: Tree, env: dict) -> list[Value | None] | None:
        """The output values of a gate or module call: see `Elaborator.call`."""

    # -- bits of values and wires --------------------------------------------------------------
    def select(self, wire: Wire, target: Tree, env: dict) -> list[int] | None:
        """The bit indices an index or slice (target or read) picks from a wire."""
        if target.data in ("index_target", "index"):
            i = self.cval(target.children[1], env)
            if i is None:
                return None
            if not 0 <= i < wire.width:
                self.error(f"index {i} is out of range for '{wire.name}' of width {wire.width}",
                           target.children[1])
                return None
            return [i]
        lo, hi = self.cval(target.children[1], env), self.cval(target.children[2], env)
        if lo is None or hi is None:
            return None
        if not 0 <= lo < hi <= wire.width:
            self.error(f"slice [{lo}:{hi}] is out of range for '{wire.name}' of width "
                       f"{wire.width} (slices are [lo:hi] with 0 <= lo < hi <= width)",
                       target.children[1])
            return None
        return list(range(lo, hi))

    def fit(self, value: Value, width: int, at: Tree, what: str) -> list[str] | None:
        """The value's bits at `width`: an integer literal is sized, a wire must match."""
        if value.bits is None:
            if value.const >= 1 << width:
                self.error(f"constant {value.const} does not fit in the {width} bit(s) of "
                           f"{what}", at)
                return None
            return [self.net.const((value.const >> i) & 1, at) for i in range(width)]
        if len(value.bits) != width:
            self.error(f"width mismatch: {what} has {width} bit(s), the value "
                       f"'{self.snippet(at)}' has {len(value.bits)}", at)
            return None
        return value.bits

    def own_bits(self, value: Value, at: Tree) -> list[str]:
        """The value's bits at its own width (an integer literal at its bit length)."""
        return self.fit(value, value.width, at, "")

    # -- wire expressions ----------------------------------------------------------------------
    def expr(self, scope: Scope, t: Tree, env: dict) -> Value | None:
        kind = t.data
        if kind == "number":
            return Value(const=int_literal(t.children[0]))
        if kind == "ref":
            return self.ref(scope, t.children[0], env)
        if kind in ("index", "slice"):
            return self.part(scope, t, env)
        if kind == "concat":
            parts = [self.expr(scope, c, env) for c in t.children]
            if any(p is None for p in parts):
                return None
            # x is the low end of {x, y}
            return Value([b for part, c in zip(parts, t.children) for b in self.own_bits(part, c)])
        if kind == "not_expr":
            v = self.expr(scope, t.children[0], env)
            if v is None:
                return None
            return Value([self.net.gate(K.OP_NOT, [b], t)
                          for b in self.own_bits(v, t.children[0])])
        if kind in _INFIX:
            return self.infix(scope, t, env)
        if kind == "call":
            outs = self.call(scope, t, env)
            if outs is None:
                return None
            if len(outs) != 1:
                self.error(f"'{t.children[0]}' has {len(outs)} outputs; assign them with "
                           "`x, y = ...` instead of using the call in an expression", t)
                return None
            return outs[0]
        raise AssertionError(f"unknown expression {kind}")  # the grammar has no other

    def ref(self, scope: Scope, name_tok: Token, env: dict) -> Value | None:
        name = str(name_tok)
        if name in env:
            value = env[name]
            if value is None:
                return None
            if value < 0:
                self.error(f"'{name}' is {value}; a negative number is not a wire value",
                           name_tok)
                return None
            return Value(const=value)
        wire = scope.wires.get(name)
        if wire is None:
            self.error(f"undefined wire '{name}'", name_tok)
            return None
        if wire.width is None:
            return None
        at = position(name_tok)
        for i, slot in enumerate(wire.slots):
            scope.reads.setdefault(slot, (wire, i, at))
        return Value(list(wire.slots))

    def part(self, scope: Scope, t: Tree, env: dict) -> Value | None:
        name_tok = t.children[0]
        name = str(name_tok)
        if name in env:
            self.error(f"'{name}' is a compile-time constant, not a wire; it cannot be indexed",
                       name_tok)
            return None
        wire = scope.wires.get(name)
        if wire is None and name in scope.pending:
            return self.forward(scope, t, env)
        if wire is None:
            self.error(f"undefined wire '{name}'", name_tok)
            return None
        if wire.width is None:
            return None
        indices = self.select(wire, t, env)
        if indices is None:
            return None
        at = position(t)
        for i in indices:
            scope.reads.setdefault(wire.slots[i], (wire, i, at))
        return Value([wire.slots[i] for i in indices])

    def forward(self, scope: Scope, t: Tree, env: dict) -> Value | None:
        """Bits of a wire whose (implicit) declaration comes later: placeholders, patched when
        the wire exists (its width, hence the range check, is only known then)."""
        if t.data == "index":
            i = self.cval(t.children[1], env)
            if i is None:
                return None
            if i < 0:
                self.error(f"index {i} is out of range for '{t.children[0]}'", t.children[1])
                return None
            indices = [i]
        else:
            lo, hi = self.cval(t.children[1], env), self.cval(t.children[2], env)
            if lo is None or hi is None:
                return None
            if not 0 <= lo < hi:
                self.error(f"slice [{lo}:{hi}] is empty or negative", t.children[1])
                return None
            indices = range(lo, hi)
        bits = []
        for i in indices:
            node = self.net.placeholder(t)
            scope.forward.append((node, str(t.children[0]), i, position(t)))
            bits.append(node)
        return Value(bits)

    def infix(self, scope: Scope, t: Tree, env: dict) -> Value | None:
        """`a & b & c`: one n-ary gate per bit; every operand must have the same width (integer
        literals take the width of the others)."""
        op, symbol = _INFIX[t.data]
        values = [self.expr(scope, c, env) for c in t.children]
        if any(v is None for v in values):
            return None
        sized = [(v, c) for v, c in zip(values, t.children) if v.bits is not None]
        if sized:
            width, (_, first) = len(sized[0][0].bits), sized[0]
            for v, c in sized[1:]:
                if len(v.bits) != width:
                    self.error(f"width mismatch in '{symbol}': '{self.snippet(first)}' has "
                               f"{width} bit(s), '{self.snippet(c)}' has {len(v.bits)}", c)
                    return None
        else:
            width = max(v.width for v in values)
        columns = [self.fit(v, width, c, f"the other operands of '{symbol}'")
                   for v, c in zip(values, t.children)]
        if any(col is None for col in columns):
            return None
        return Value([self.net.gate(op, [col[i] for col in columns], t) for i in range(width)])

    # -- built-in gates ------------------------------------------------------------------------
    def gate_call(self, scope: Scope, t: Tree, name: str, args: list[Tree],
                  env: dict) -> Value | None:
        values = [self.expr(scope, a, env) for a in args]
        if name in BITWISE1 or name == "mux":
            need = 3 if name == "mux" else 1
            if len(args) != need:
                self.error(f"'{name}' takes {need} argument(s), got {len(args)}", t)
                return None
        elif not args:
            self.error(f"'{name}' needs at least one argument", t)
            return None
        if any(v is None for v in values):
            return None
        if name in BITWISE1:
            return Value([self.net.gate(BITWISE1[name], [b], t)
                          for b in self.own_bits(values[0], args[0])])
        if name == "mux":
            sel, a, b = values
            if sel.width != 1:
                self.error(f"the select of 'mux' must be one bit, '{self.snippet(args[0])}' "
                           f"has {sel.width}", args[0])
                return None
            # the data inputs take the width of the first one that is not an integer literal
            width = b.width if a.bits is None and b.bits is not None else a.width
            ab = [self.fit(v, width, c, "the other data input of 'mux'")
                  for v, c in ((a, args[1]), (b, args[2]))]
            s = self.own_bits(sel, args[0])
            if ab[0] is None or ab[1] is None:
                return None
            return Value([self.net.gate(K.OP_MUX, [s[0], x, y], t) for x, y in zip(*ab)])
        bits = [bit for v, c in zip(values, args) for bit in self.own_bits(v, c)]
        op = REDUCING[name]
        if op == K.OP_MAJ and (len(bits) < 3 or len(bits) % 2 == 0):
            self.error(f"'maj' needs an odd number of at least 3 bits, got {len(bits)}", t)
            return None
        if len(bits) == 1 and op in (K.OP_AND, K.OP_OR, K.OP_XOR):
            return Value(bits)  # a one-bit reduction is the bit itself
        if len(bits) == 1 and op in (K.OP_NAND, K.OP_NOR, K.OP_XNOR):
            return Value([self.net.gate(K.OP_NOT, bits, t)])
        return Value([self.net.gate(op, bits, t)])
