"""Wire expressions -> gates of the netlist, one per bit.

`WireExpressions` is the part of the elaborator that evaluates the right-hand sides of
assignments to `Value`s: wire reads, bit, slice and row reads (`a[i]`, `a[lo:hi]`, `pp[r][c]`),
`{x, y}` concatenation and `{N{x}}` replication, `~`, the bitwise infix `&`, `^`, `|`, the
reductions `&x`, `|x`, `^x`, the arithmetic `+`, `-` (modular), the unsigned comparisons `==`,
`!=`, `<`, `<=`, `>`, `>=` (one bit), shifts by constants `<<`, `>>`, `table(...) {...}`, and the
built-in gates and functions called by name (`and(...)`, `maj(...)`, `mux(s, a, b)`,
`zext<W>(x)`, `sext<W>(x)`, `carry(a, b)`, ...). Operands of a binary operator have equal widths;
an integer literal takes the width of the others, and an operator on two literals is computed
at compile time. The circuits behind + - and the comparisons are in `circuitc.lang.arith`. Module
calls are the `Elaborator`'s, which builds on this class.

Operators are evaluated bottom-up with an explicit stack (`expr`), so a chain of any length
(`a + b + c + ...`, `~~~x`, `{{x}}`) needs no recursion. What still recurses (the arguments of a
call, a table's selector, a replicated part, and through calls the module instances) counts
nesting levels, refused beyond `limits.NESTING` before they are entered (`deeper`).
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod

from lark import Token, Tree

from circuitc import keys as K
from circuitc import limits
from circuitc.errors import Diagnostics
from circuitc.lang import arith
from circuitc.lang.constexpr import evaluate, int_literal
from circuitc.lang.netlist import Netlist
from circuitc.lang.source import Abort, Source, position
from circuitc.lang.wires import LOCALS, Scope, Value, Wire

# Gates callable by name. The reducing ones fold every bit of every argument into one bit.
REDUCING = {"and": K.OP_AND, "or": K.OP_OR, "xor": K.OP_XOR, "nand": K.OP_NAND,
            "nor": K.OP_NOR, "xnor": K.OP_XNOR, "maj": K.OP_MAJ}
BITWISE1 = {"not": K.OP_NOT, "buf": K.OP_BUF}
EXTEND = ("zext", "sext")  # zext<W>(x), sext<W>(x): x widened to W bits
GATE_NAMES = frozenset(REDUCING) | frozenset(BITWISE1) | {"mux", "carry"} | frozenset(EXTEND)

_INFIX = {"and_expr": (K.OP_AND, "&"), "xor_expr": (K.OP_XOR, "^"), "or_expr": (K.OP_OR, "|")}
_REDUCE = {"and_reduce": (K.OP_AND, "&"), "or_reduce": (K.OP_OR, "|"),
           "xor_reduce": (K.OP_XOR, "^")}
_ARITH = {"add": "+", "sub": "-", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">",
          "ge": ">="}
_FOLD = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "eq": lambda a, b: a == b,
         "ne": lambda a, b: a != b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
         "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}
_SHIFT = {"shl": "<<", "shr": ">>"}
# Operators whose operands are all wire expressions, combined once those are evaluated.
_COMBINED = frozenset(["not_expr", "concat", *_INFIX, *_REDUCE, *_ARITH, *_SHIFT])


def wire_name(name: str, env: dict) -> str:
    """The wire a name stands for here: a loop-local wire, or the module's wire of that name."""
    return env.get(LOCALS, {}).get(name, name)


class WireExpressions(Source, ABC):
    """Right-hand sides -> `Value`s, adding their gates to `self.net`."""

    def __init__(self, text: str, path: str, diags: Diagnostics):
        super().__init__(text, path, diags)
        self.max_width = limits.WIDTH.value  # bits of one wire or value
        self.max_nesting = limits.NESTING.value
        self.depth = 0  # nesting levels entered (`deeper`)
        self.entered: Tree | Token | tuple = (1, 1)  # where the last level was entered
        self.net = Netlist(self, limits.NETLIST.value)

    def deeper(self, at: Tree | Token) -> None:
        """Enter one more level of nesting (a block, a call, a module instance), refused (Abort)
        beyond limits.NESTING; the caller leaves it with `self.depth -= 1`. An Abort ends the
        elaboration, so the count needs no restoring then."""
        self.depth += 1
        self.entered = at
        if self.depth > self.max_nesting:
            self.error(limits.NESTING.exceeded(f"blocks, calls and module instances nest "
                                               f"{self.depth} deep here"), at)
            raise Abort

    def wide(self, bits: int, what: str, at: Tree | Token) -> bool:
        """Whether `bits` is within limits.WIDTH (else an error saying `what` would have them)."""
        if bits <= self.max_width:
            return True
        self.error(limits.WIDTH.exceeded(f"{what} would have {bits:,} bits"), at)
        return False

    def cval(self, t: Tree, env: dict) -> int | None:
        return evaluate(t, env, self.error)

    @abstractmethod
    def call(self, scope: Scope, t: Tree, env: dict) -> list[Value | None] | None:
        """The output values of a gate or module call: see `Elaborator.call`."""

    def logic(self, at: Tree) -> arith.Logic:
        return arith.Logic(lambda op, xs: self.net.gate(op, xs, at),
                           lambda v: self.net.const(v, at))

    # -- bits of values and wires --------------------------------------------------------------
    def select(self, wire: Wire, selectors: list[Tree], env: dict) -> list[int] | None:
        """The bit indices that `[i]`, `[lo:hi]` or, on an array, `[r]`, `[r][c]`, `[r][lo:hi]`,
        `[lo:hi]` (rows) pick from a wire."""
        if len(selectors) > (2 if wire.row is not None else 1) or (
                len(selectors) == 2 and selectors[0].data != "bit_sel"):
            what = "an array of vectors" if wire.row is not None else "not an array"
            self.error(f"too many indices for '{wire.name}' ({what}; "
                       + ("`a[r][c]` picks bit c of row r)" if wire.row is not None
                          else f"declare it `wire {wire.name}[R][C]` to index it twice)"),
                       selectors[-1])
            return None
        if wire.row is None:
            return self._pick(selectors[0], wire.width, f"'{wire.name}' of width {wire.width}",
                              env)
        rows = wire.width // wire.row
        picked = self._pick(selectors[0], rows, f"'{wire.name}' of {rows} rows", env)
        if picked is None:
            return None
        if len(selectors) == 1:
            return [r * wire.row + c for r in picked for c in range(wire.row)]
        cols = self._pick(selectors[1], wire.row,
                          f"row '{wire.name}[{picked[0]}]' of width {wire.row}", env)
        return None if cols is None else [picked[0] * wire.row + c for c in cols]

    def _pick(self, sel: Tree, size: int, what: str, env: dict) -> list[int] | None:
        if sel.data == "bit_sel":
            i = self.cval(sel.children[0], env)
            if i is None:
                return None
            if not 0 <= i < size:
                self.error(f"index {i} is out of range for {what}", sel.children[0])
                return None
            return [i]
        lo, hi = self.cval(sel.children[0], env), self.cval(sel.children[1], env)
        if lo is None or hi is None:
            return None
        if not 0 <= lo < hi <= size:
            self.error(f"slice [{lo}:{hi}] is out of range for {what} (slices are [lo:hi] "
                       "with 0 <= lo < hi <= width)", sel.children[0])
            return None
        return list(range(lo, hi))

    def fit(self, value: Value, width: int, at: Tree, what: str) -> list[str] | None:
        """The value's bits at `width`: an integer literal is sized, a wire must match."""
        if value.bits is None:
            if value.const.bit_length() > width:
                shown = value.const if value.const.bit_length() <= 64 \
                    else f"of {value.const.bit_length():,} bits"
                self.error(f"constant {shown} does not fit in the {width} bit(s) of {what}", at)
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
        """The value of a wire expression (None after an error). Operators are evaluated
        bottom-up with an explicit stack: every operand first (so errors in each are reported),
        then the operator (`combine`); operands that are not operators are `operand`s."""
        values: list[Value | None] = []
        todo: list[tuple[Tree, bool]] = [(t, False)]  # (node, its operands are in `values`)
        while todo:
            node, ready = todo.pop()
            if node.data not in _COMBINED:
                values.append(self.operand(scope, node, env))
            elif not ready:
                todo.append((node, True))
                todo.extend((c, False) for c in reversed(node.children))
            else:
                n = len(node.children)
                args = values[-n:]
                del values[-n:]
                values.append(None if any(v is None for v in args)
                              else self.combine(node, args, scope))
        return values[0]

    def operand(self, scope: Scope, t: Tree, env: dict) -> Value | None:
        """A literal, a wire read, a call, a table or a replication."""
        kind = t.data
        if kind == "number":
            value = int_literal(t.children[0], limits.LITERAL_BITS, self.error)
            return None if value is None else Value(const=value)
        if kind == "ref":
            return self.ref(scope, t.children[0], env)
        if kind == "access":
            return self.access(scope, t, env)
        if kind == "call":
            outs = self.call(scope, t, env)
            if outs is None:
                return None
            if len(outs) != 1:
                self.error(f"'{t.children[0]}' has {len(outs)} outputs; assign them with "
                           "`x, y = ...` instead of using the call in an expression", t)
                return None
            return outs[0]
        if kind not in ("replicate", "table"):
            raise AssertionError(f"unknown expression {kind}")  # the grammar has no other
        self.deeper(t)
        value = self.replicate(scope, t, env) if kind == "replicate" \
            else self.table(scope, t, env)
        self.depth -= 1
        return value

    def combine(self, t: Tree, args: list[Value], scope: Scope) -> Value | None:
        """An operator applied to the values of its operands."""
        kind = t.data
        if kind == "concat":  # x is the low end of {x, y}
            return Value([b for part, c in zip(args, t.children) for b in self.own_bits(part, c)])
        if kind == "not_expr":
            return Value([self.net.gate(K.OP_NOT, [b], t)
                          for b in self.own_bits(args[0], t.children[0])])
        if kind in _INFIX:
            return self.infix(t, args)
        if kind in _REDUCE:
            bits = self.own_bits(args[0], t.children[0])
            return Value([bits[0] if len(bits) == 1 else self.net.gate(_REDUCE[kind][0], bits, t)])
        if kind in _ARITH:
            return self.arithmetic(t, args, scope)
        return self.shift(t, args)

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
        wire = scope.wires.get(wire_name(name, env))
        if wire is None:
            self.error(f"undefined wire '{name}'", name_tok)
            return None
        if wire.width is None:
            return None
        at = position(name_tok)
        for i, slot in enumerate(wire.slots):
            scope.reads.setdefault(slot, (wire, i, at))
        return Value(list(wire.slots))

    def access(self, scope: Scope, t: Tree, env: dict) -> Value | None:
        name_tok, *selectors = t.children
        name = str(name_tok)
        if name in env:
            self.error(f"'{name}' is a compile-time constant, not a wire; it cannot be indexed",
                       name_tok)
            return None
        wire = scope.wires.get(wire_name(name, env))
        if wire is None and name in scope.pending:
            return self.forward(scope, t, env)
        if wire is None:
            self.error(f"undefined wire '{name}'", name_tok)
            return None
        if wire.width is None:
            return None
        indices = self.select(wire, selectors, env)
        if indices is None:
            return None
        at = position(t)
        for i in indices:
            scope.reads.setdefault(wire.slots[i], (wire, i, at))
        return Value([wire.slots[i] for i in indices])

    def forward(self, scope: Scope, t: Tree, env: dict) -> Value | None:
        """Bits of a wire whose (implicit) declaration comes later: placeholders, patched when
        the wire exists (its width, hence the range check, is only known then)."""
        name_tok, *selectors = t.children
        if len(selectors) > 1:
            self.error(f"too many indices for '{name_tok}' (not an array; declare it "
                       f"`wire {name_tok}[R][C]` to index it twice)", selectors[-1])
            return None
        sel = selectors[0]
        if sel.data == "bit_sel":
            i = self.cval(sel.children[0], env)
            if i is None:
                return None
            if i < 0:
                self.error(f"index {i} is out of range for '{name_tok}'", sel.children[0])
                return None
            indices = [i]
        else:
            lo, hi = self.cval(sel.children[0], env), self.cval(sel.children[1], env)
            if lo is None or hi is None:
                return None
            if not 0 <= lo < hi:
                self.error(f"slice [{lo}:{hi}] is empty or negative", sel.children[0])
                return None
            if not self.wide(hi - lo, f"'{self.snippet(t)}'", sel.children[0]):
                return None
            indices = range(lo, hi)
        bits = []
        for i in indices:
            node = self.net.placeholder(t)
            scope.forward.append((node, str(name_tok), i, position(t)))
            bits.append(node)
        return Value(bits)

    def operands(self, values: list[Value], trees: list[Tree],
                 symbol: str) -> tuple[list[list[str]], list[Value]] | None:
        """The bits of the operands of a binary operator (or `carry`), at their common width:
        every operand that is not an integer literal must have the same width, and literals
        are sized to it (with only literals, no bits: []). Also the values themselves."""
        sized = [(v, c) for v, c in zip(values, trees) if v.bits is not None]
        if not sized:  # literals only: the caller computes the result now, no bits needed
            return [], values
        width = len(sized[0][0].bits)
        for v, c in sized[1:]:
            if len(v.bits) != width:
                self.error(f"width mismatch in '{symbol}': '{self.snippet(sized[0][1])}' has "
                           f"{width} bit(s), '{self.snippet(c)}' has {len(v.bits)}", c)
                return None
        cols = [self.fit(v, width, c, f"the other operands of '{symbol}'")
                for v, c in zip(values, trees)]
        return None if any(c is None for c in cols) else (cols, values)

    def infix(self, t: Tree, values: list[Value]) -> Value | None:
        """`a & b & c`: one n-ary gate per bit."""
        op, symbol = _INFIX[t.data]
        got = self.operands(values, t.children, symbol)
        if got is None:
            return None
        cols, values = got
        if not cols:  # literals only: computed now
            fold = {K.OP_AND: int.__and__, K.OP_OR: int.__or__, K.OP_XOR: int.__xor__}[op]
            return Value(const=functools.reduce(fold, (v.const for v in values)))
        return Value([self.net.gate(op, [col[i] for col in cols], t)
                      for i in range(len(cols[0]))])

    def arithmetic(self, t: Tree, values: list[Value], scope: Scope) -> Value | None:
        """`a + b`, `a - b` (modulo 2^width) and the unsigned comparisons (one bit)."""
        kind, symbol = t.data, _ARITH[t.data]
        got = self.operands(values, t.children, symbol)
        if got is None:
            return None
        cols, (x, y) = got
        if not cols:  # two literals: computed now
            value = int(_FOLD[kind](x.const, y.const))
            if value < 0:
                self.error(f"'{self.snippet(t)}' is {value}; a negative number is not a wire "
                           "value", t)
                return None
            return Value(const=value)
        (a, b), logic, style = cols, self.logic(t), scope.adder
        if kind == "add":
            return Value(arith.add(logic, a, b, logic.zero, style)[0])
        if kind == "sub":
            return Value(arith.sub(logic, a, b, style)[0])
        if kind in ("eq", "ne"):
            bit = arith.equal(logic, a, b)
            return Value([bit if kind == "eq" else logic.not_(bit)])
        if kind in ("lt", "le"):  # a < b is b > a
            a, b = b, a
        return Value([arith.greater(logic, a, b, kind in ("le", "ge"), style)])

    def shift(self, t: Tree, values: list[Value]) -> Value | None:
        """`a << k`, `a >> k`: k a compile-time constant; zeros come in, the width stays."""
        value, amount = values
        if amount.bits is not None:
            self.error(f"shift by a non-constant: '{self.snippet(t.children[1])}' is a wire; "
                       f"the amount of '{_SHIFT[t.data]}' must be a compile-time constant "
                       "(use a `mux` tree for a variable shift)", t.children[1])
            return None
        if value.bits is None:  # a literal: shifted now
            k = amount.const
            if t.data == "shr":
                return Value(const=value.const >> k)
            if value.const and value.const.bit_length() + k > limits.LITERAL_BITS.value:
                self.error(limits.LITERAL_BITS.exceeded(
                    f"'{self.snippet(t)}' is too large for a constant "
                    f"({value.const.bit_length() + k:,} bits)"), t)
                return None
            return Value(const=value.const << k)
        logic = self.logic(t)
        move = arith.shift_left if t.data == "shl" else arith.shift_right
        return Value(move(logic, value.bits, amount.const))

    def replicate(self, scope: Scope, t: Tree, env: dict) -> Value | None:
        """`{N{x, y}}`: the concatenation `{x, y}` N times (N a compile-time constant >= 1)."""
        count_tree, *parts = t.children
        n = self.cval(count_tree, env)
        inner = self.expr(scope, Tree("concat", parts, t.meta), env)
        if n is None or inner is None:
            return None
        if n < 1:
            self.error(f"replication count must be at least 1, got {n}", count_tree)
            return None
        if not self.wide(n * inner.width, "the replication", count_tree):
            return None
        return Value(inner.bits * n)

    def table(self, scope: Scope, t: Tree, env: dict) -> Value | None:
        """`table<W>(sel) { k: v, ..., default: d }`: W bits (default: as many as the largest
        value needs), v for selector value k, d for every value not listed."""
        param_args, sel_tree, *entries = t.children
        sel = self.expr(scope, sel_tree, env)
        width, ok = None, True
        if param_args is not None:
            args = param_args.children
            if len(args) != 1 or args[0].data == "named_arg":
                self.error("a table takes one parameter, its width: `table<W>(sel) {...}`",
                           param_args)
                ok = False
            else:
                width = self.cval(args[0], env)
                if width is not None and width < 1:
                    self.error(f"table width must be at least 1, got {width}", args[0])
                    width = None
                elif width is not None and not self.wide(width, f"'table<{width}>'", args[0]):
                    width = None
                ok = width is not None
        sel_bits = None if sel is None else self.own_bits(sel, sel_tree)
        k = None if sel_bits is None else len(sel_bits)
        values: dict[int, int] = {}
        default, default_at = None, None
        for entry in [e for e in entries if e is not None]:
            if entry.data == "default_entry":
                if default_at is not None:
                    self.error(f"a table has one default (the first is at line {default_at})",
                               entry)
                    ok = False
                default_at = position(entry)[0]
                default = self.cval(entry.children[0], env)
                ok = ok and default is not None and self._table_value(default, width, entry)
                continue
            key_tree, value_tree = entry.children
            key, value = self.cval(key_tree, env), self.cval(value_tree, env)
            if key is None or value is None:
                ok = False
                continue
            if k is not None and not 0 <= key < 1 << k:
                top = (1 << k) - 1 if k <= 64 else f"2**{k} - 1"  # str() of a huge int raises
                self.error(f"table key {key} is out of range for the {k}-bit selector "
                           f"'{self.snippet(sel_tree)}' (0..{top})", key_tree)
                ok = False
            elif key in values:
                self.error(f"table key {key} is listed twice", key_tree)
                ok = False
            elif self._table_value(value, width, value_tree):
                values[key] = value
            else:
                ok = False
        if not ok or k is None:
            return None
        if default is None and len(values) < 1 << k:
            missing = [v for v in range(min(1 << k, len(values) + 4)) if v not in values][:3]
            self.error(f"the table does not cover every value of its {k}-bit selector (not "
                       f"{', '.join(map(str, missing))}, ...); add `default: ...`", t)
            return None
        if width is None:
            width = max([1] + [v.bit_length() for v in [*values.values(), default or 0]])
        return Value(arith.table(self.logic(t), sel_bits, values, default or 0, width))

    def _table_value(self, value: int, width: int | None, at: Tree) -> bool:
        if value < 0 or (width is not None and value.bit_length() > width):
            self.error(f"table value {value} does not fit in the {width} bit(s) of the table"
                       if value >= 0 else f"table value {value} is negative", at)
            return False
        return True

    # -- built-in gates and functions ----------------------------------------------------------
    def gate_call(self, scope: Scope, t: Tree, name: str, args: list[Tree],
                  env: dict) -> Value | None:
        param_args = t.children[1]
        if (param_args is not None) != (name in EXTEND):
            self.error(f"'{name}<W>(x)' needs its width, e.g. {name}<16>(x)" if name in EXTEND
                       else f"gate '{name}' takes no <parameters>", param_args or t)
            return None
        need = {"mux": 3, "carry": 2, "zext": 1, "sext": 1}.get(name, 1 if name in BITWISE1
                                                                else None)
        if name == "carry" and len(args) == 2:  # the carry out of a + b: bit W of the sum
            values = [self.expr(scope, a, env) for a in args]
            got = None if any(v is None for v in values) else self.operands(values, args, "carry")
            if got is None:
                return None
            if not got[0]:  # two literals, at the width of the wider
                x, y = (v.const for v in got[1])
                return Value(const=(x + y) >> max(v.width for v in got[1]) & 1)
            logic = self.logic(t)
            return Value([arith.add(logic, *got[0], logic.zero, scope.adder)[1]])
        values = [self.expr(scope, a, env) for a in args]  # errors in the arguments too
        if need is not None and len(args) != need:
            self.error(f"'{name}' takes {need} argument(s), got {len(args)}", t)
            return None
        if not args:
            self.error(f"'{name}' needs at least one argument", t)
            return None
        if any(v is None for v in values):
            return None
        if name in EXTEND:
            return self.extend(name, param_args, values[0], args[0], env)
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

    def extend(self, name: str, param_args: Tree, value: Value, at: Tree,
               env: dict) -> Value | None:
        """`zext<W>(x)`: x with zeros on top up to W bits; `sext<W>(x)`: with copies of its top
        bit (two's complement sign extension). W must be at least the width of x."""
        args = param_args.children
        if len(args) != 1 or args[0].data == "named_arg":
            self.error(f"'{name}' takes one parameter, the width: {name}<W>(x)", param_args)
            return None
        width = self.cval(args[0], env)
        if width is None:
            return None
        if not self.wide(width, f"'{name}<{width}>'", args[0]):
            return None
        bits = self.own_bits(value, at)
        if width < len(bits):
            self.error(f"'{name}<{width}>' cannot narrow '{self.snippet(at)}' of "
                       f"{len(bits)} bit(s) (take a slice instead)", args[0])
            return None
        top = bits[-1] if name == "sext" else self.net.const(0, at)
        return Value(bits + [top] * (width - len(bits)))
