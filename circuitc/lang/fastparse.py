"""The fast path of the syntax pass: a hand-written parser that builds the same tree as Lark.

`fast_tree(text)` returns the syntax tree that `Lark(grammar/circuit.lark, parser="lalr",
propagate_positions=True, maybe_placeholders=True)` builds for a valid file — the same `Tree`s
(rule or alias names), `Token`s (NAME, INT, DOTS, FLOAT), `None` placeholders and positions
(line, column, start_pos, end_pos, ... of the first and last token each rule matched) — or None
at the first thing it does not recognise. `parse.parse_tree` then falls back to Lark, which
parses what this does not (rare spellings, e.g. `a&&b` between wires, which Lark's contextual
lexer reads as `a & &b`) and reports syntax errors with its recovery. So the grammar file stays
the definition of the language and this module only has to agree with it on valid input
(`tests/test_lang_fastparse.py` checks the trees are identical on every example and test text,
and on thousands of mutated ones).

Why: Lark's LALR parser does Python work per reduction, and a C-precedence expression grammar
reduces through a dozen unit rules per operand (`expr -> or_expr -> ... -> primary`), each also
computing positions; that ran at ~0.1 MB/s (docs/benchmarks.md has the profile). Here a file is
cut into tokens by one regular expression (`re.findall`, in C), and expressions are parsed by
precedence climbing: a fixed amount of Python work per token and per tree node, whatever the
nesting, and memory linear in the file (token lists and the tree).

Keywords are contextual, as in Lark's contextual lexer: `wire`, `for`, ... are keywords where a
statement starts, `table` where an operand starts, `step` after a loop's bound, `default` where a
table entry starts; elsewhere they are names.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from contextlib import suppress
from itertools import compress
from operator import itemgetter

import numpy as np
from lark import Token, Tree

# The terminals of grammar/circuit.lark, each match one token after optional space; comments are
# matched as tokens too (and dropped after), so a comment is never taken apart into tokens, and
# `.` comes last, so every character is a token or space. With a sentinel token at the end of the
# text, the matches therefore tile the whole text. FLOAT (which Lark's contextual lexer only
# tries in a pragma argument) never takes the `0.` of `0..N`; elsewhere a FLOAT token fails the
# fast path, as `1.5` fails Lark. _PARAM_OPEN is tried only after a name in an expression.
_SPACE = " \t\f\r\n"
_TOKEN = re.compile(r"""[ \t\f\r\n]*
    ( //[^\n]* | /\*[\s\S]*?\*/
    | [A-Za-z_][A-Za-z0-9_]*
    | [;,()\[\]{}:@~+%^]
    | << | >> | <= | >= | == | != | && | \|\| | \*\* | -> | \.\.= | \.\.
    | [-*/&|<>=!]
    | 0[xX]_*[0-9a-fA-F][0-9a-fA-F_]* | 0[bB]_*[01][01_]*
    | [0-9]+\.(?!\.)[0-9]*(?:[eE][+-]?[0-9]+)? | [0-9]+[eE][+-]?[0-9]+
    | [0-9][0-9_]*
    | . )""", re.X)
_SENTINEL = "\n`"  # a newline ends a last line comment; '`' is no token of the language
_OPS = frozenset("..= .. << >> <= >= == != && || ** -> - + * / % & | ^ ~ ! < > = ; : , ( ) "
                 "{ } [ ] @".split())
_new_str = str.__new__
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_DIGITS = frozenset("0123456789")
_FLOAT = re.compile(r"[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+")
_PARAM_OPEN = re.compile(r"<(?=(?:[^;{}()<>]|\((?:[^;{}()]|\([^;{}()]*\))*\))*>\s*\()")

_STATEMENT_KEYWORDS = ("wire", "let", "for", "if")
# Wire operators: (level, tree name); levels 1-3 are n-ary chains (`a & b & c` is one node),
# 4-5 do not associate (`a < b < c` is an error), 6-7 associate to the left.
_WIRE_OPS = {"|": (1, "or_expr"), "^": (2, "xor_expr"), "&": (3, "and_expr"),
             "==": (4, "eq"), "!=": (4, "ne"), "<": (5, "lt"), "<=": (5, "le"), ">": (5, "gt"),
             ">=": (5, "ge"), "<<": (6, "shl"), ">>": (6, "shr"), "+": (7, "add"),
             "-": (7, "sub")}
_UNARY = {"~": "not_expr", "&": "and_reduce", "|": "or_reduce", "^": "xor_reduce"}
# Compile-time operators, all binary; comparisons (level 6) do not associate.
_C_OPS = {"||": (1, "c_lor"), "&&": (2, "c_land"), "|": (3, "c_bitor"), "^": (4, "c_bitxor"),
          "&": (5, "c_bitand"), "==": (6, "c_eq"), "!=": (6, "c_ne"), "<": (6, "c_lt"),
          "<=": (6, "c_le"), ">": (6, "c_gt"), ">=": (6, "c_ge"), "<<": (7, "c_shl"),
          ">>": (7, "c_shr"), "+": (8, "c_add"), "-": (8, "c_sub"), "*": (9, "c_mul"),
          "/": (9, "c_div"), "%": (9, "c_mod")}
_C_COMPARE = 6
_ARITH_LEVEL = 8  # `arith` (parameter lists) starts at + -
_C_UNARY = {"-": "c_neg", "!": "c_not", "~": "c_inv"}


def _number(value: str) -> str:
    if value[0] not in _DIGITS:
        return "COMMENT" if value[0] == "/" else "BAD"  # "BAD": a character no terminal matches
    return "FLOAT" if _FLOAT.fullmatch(value) and value[:2] not in ("0x", "0X", "0b", "0B") \
        else "INT"


class _NoMatch(Exception):
    """The fast parser does not recognise the text here: Lark decides."""


class _Meta(tuple):
    """The positions of a tree over tokens a .. b, as Lark's `Meta`: made as the tuple
    (parser, a, b) (cheap: no Python __init__), the fields read from the token lists when asked
    for (most are never read)."""

    __slots__ = ()
    empty = False

    line = property(lambda m: m[0].line(m[1]))
    column = property(lambda m: m[0].column(m[1]))
    start_pos = property(lambda m: m[0].starts[m[1]])
    end_line = property(lambda m: m[0].line(m[2]))
    end_column = property(lambda m: m[0].column(m[2]) + len(m[0].values[m[2]]))
    end_pos = property(lambda m: m[0].starts[m[2]] + len(m[0].values[m[2]]))


class _Tree(tuple, Tree):
    """A Lark `Tree` made in C, as the tuple (data, children, parser, a, b): half the cost of
    `Tree(data, children, meta)`, whose `__init__` is Python, on ~200,000 trees per MB. `meta`
    is made when asked for. Read-only (nothing rewrites a syntax tree in place)."""

    __slots__ = ()
    __init__ = tuple.__init__  # not Tree's
    data = property(itemgetter(0))
    children = property(itemgetter(1))
    meta = property(lambda t: _Meta(t[2:]))
    # a Tree, not a tuple, to compare, hash and print
    __eq__, __ne__, __hash__, __repr__ = Tree.__eq__, Tree.__ne__, Tree.__hash__, Tree.__repr__


class _Token(Token):
    """A Lark `Token` that only knows its parser and index: its type, value and positions are
    read from the token lists when asked for (two attributes to set per token)."""

    __slots__ = ("_p", "_k")

    type = property(lambda t: t._p.kinds[t._k])
    value = property(lambda t: t._p.values[t._k])
    line = property(lambda t: t._p.line(t._k))
    column = property(lambda t: t._p.column(t._k))
    start_pos = property(lambda t: t._p.starts[t._k])
    end_line = property(lambda t: t._p.line(t._k))
    end_column = property(lambda t: t._p.column(t._k) + len(t._p.values[t._k]))
    end_pos = property(lambda t: t._p.starts[t._k] + len(t._p.values[t._k]))


class _DotsToken(_Token):
    """The `..` or `..=` of a range: Lark's terminal DOTS."""

    __slots__ = ()
    type = "DOTS"


def fast_tree(text: str) -> Tree | None:
    """The Lark tree of `text`, or None where this parser gives up (see the module docstring)."""
    try:
        return _Parser(text).start()
    except (_NoMatch, IndexError, RecursionError):  # the last two: never crash, Lark decides
        return None


class _Parser:
    def __init__(self, text: str):
        self.text = text
        text += _SENTINEL
        values = _TOKEN.findall(text)  # in C
        values.pop()  # the sentinel
        kinds = [v if v in _OPS else "NAME" if v[0] in _NAME_START else _number(v)
                 for v in values]
        # Offsets, all at once: a token has no space inside (but a comment), so token k starts at
        # the n-th non-space character of the text, n = the non-space characters of tokens < k.
        chars = np.frombuffer(text.encode("ascii"), np.uint8) if text.isascii() \
            else np.frombuffer(text.encode("utf-32-le"), np.uint32)
        spaces = chars == 32
        for c in _SPACE[1:]:
            spaces |= chars == ord(c)
        solid = np.fromiter(map(len, values), np.int64, len(values))
        comments = []
        with suppress(ValueError):  # list.index: the search runs in C
            while True:
                comments.append(kinds.index("COMMENT", comments[-1] + 1 if comments else 0))
        for k in comments:
            solid[k] -= sum(map(values[k].count, _SPACE))
        at = np.flatnonzero(~spaces)[np.cumsum(solid) - solid]
        if comments:
            keep = np.ones(len(values), bool)
            keep[comments] = False
            at = at[keep]
            keep = keep.tolist()
            values, kinds = list(compress(values, keep)), list(compress(kinds, keep))
        kinds.append("$END")
        # offsets as machine integers (8 bytes a token, not a Python int's 40), read as ints
        self.kinds, self.values = kinds, values
        self.starts = array("q", at.astype(np.int64).tobytes())
        # A token's line and column are found when asked for (a few tokens per statement are)
        self.newlines = np.flatnonzero(chars == 10).tolist()
        self.i = 0

    # -- tokens and trees ----------------------------------------------------------------------
    def line(self, k: int) -> int:
        """The line of token k (1-based): one more than the newlines before it."""
        return bisect_left(self.newlines, self.starts[k]) + 1

    def column(self, k: int) -> int:
        """The column of token k (1-based)."""
        line0 = bisect_left(self.newlines, self.starts[k])
        return self.starts[k] - (self.newlines[line0 - 1] + 1 if line0 else 0) + 1

    def token(self, k: int, cls: type = _Token) -> Token:
        tok = _new_str(cls, self.values[k])  # Token.__new__ is Python; str's is C
        tok._p, tok._k = self, k
        return tok

    def tree(self, data: str, children: list, first: int, last: int | None = None) -> Tree:
        """A tree over tokens first .. last (default: the last one consumed)."""
        return _Tree((data, children, self, first, self.i - 1 if last is None else last))

    def leaf(self, data: str, k: int) -> Tree:
        """A tree over token k alone, holding it: `ref`, `number`, `c_int`, ..."""
        return _Tree((data, [self.token(k)], self, k, k))

    def expect(self, kind: str) -> int:
        i = self.i
        if self.kinds[i] != kind:
            raise _NoMatch
        self.i = i + 1
        return i

    def name(self) -> Token:
        return self.token(self.expect("NAME"))

    def word(self, text: str) -> bool:
        """Whether the next token is the keyword `text` (then consumed)."""
        i = self.i
        if self.kinds[i] == "NAME" and self.values[i] == text:
            self.i = i + 1
            return True
        return False

    # -- units ---------------------------------------------------------------------------------
    def start(self) -> Tree:
        units = []
        while self.kinds[self.i] != "$END":
            units.append(self.unit())
        if not units:
            return Tree("start", [])
        return self.tree("start", units, 0)

    def unit(self) -> Tree:
        first = self.i
        pragmas = self.pragmas()
        head = self.i
        if self.word("module"):
            data = "module"
        elif self.word("circuit"):
            data = "circuit"
        else:
            raise _NoMatch
        name = self.name()
        params = self.param_list() if self.kinds[self.i] == "<" else None
        ins = self.ports()
        self.expect("->")
        outs = self.ports()
        body = self.block()
        return self.tree(data, [pragmas, name, params, ins, outs, body],
                         first if pragmas.children else head)

    def pragmas(self) -> Tree:
        items = []
        while self.kinds[self.i] == "@":
            first = self.i
            self.i += 1
            name = self.name()
            arg = None
            if self.kinds[self.i] == "(":
                self.i += 1
                k = self.i
                if self.kinds[k] == "FLOAT":
                    self.i += 1
                    arg = self.leaf("float_lit", k)
                else:
                    arg = self.cexpr()
                self.expect(")")
            items.append(self.tree("pragma", [name, arg], first))
        if not items:
            return Tree("pragmas", [])
        return _Tree(("pragmas", items, self, items[0][3], items[-1][4]))

    def listed(self, item, closer: str) -> list:
        """`item()`s separated by commas, then `closer`; [None] when there are none (Lark's
        placeholder for an absent `[x ("," x)*]`)."""
        items = []
        if self.kinds[self.i] != closer:
            items.append(item())
            while self.kinds[self.i] == ",":
                self.i += 1
                items.append(item())
        self.expect(closer)
        return items or [None]

    def param_list(self) -> Tree:
        first = self.expect("<")
        return self.tree("param_list", self.listed(self.param, ">"), first)

    def param(self) -> Tree:
        first = self.i
        name = self.name()
        default = None
        if self.kinds[self.i] == "=":
            self.i += 1
            default = self.arith()
        return self.tree("param", [name, default], first)

    def ports(self) -> Tree:
        first = self.expect("(")
        return self.tree("ports", self.listed(self.port, ")"), first)

    def port(self) -> Tree:
        first = self.i
        pragmas = self.pragmas()
        n0 = self.i
        if pragmas.children and self.kinds[n0] == "NAME" \
                and self.values[n0] in ("module", "circuit"):
            raise _NoMatch  # Lark's state after a pragma also takes these keywords
        name = self.name()
        dims = self.dims()
        return self.tree("port", [pragmas, name, *dims], first if pragmas.children else n0)

    def dims(self) -> list:
        """`[W]` or `[R][C]` after a declared name: [w, c] with None where absent."""
        out = [None, None]
        for k in range(2):
            if self.kinds[self.i] != "[":
                break
            self.i += 1
            out[k] = self.cexpr()
            self.expect("]")
        return out

    # -- statements ----------------------------------------------------------------------------
    def block(self) -> Tree:
        first = self.expect("{")
        stmts = []
        kinds = self.kinds
        while kinds[self.i] != "}":
            stmts.append(self.stmt())
        self.i += 1
        return self.tree("block", stmts, first)

    def stmt(self) -> Tree:
        i = self.i
        if self.kinds[i] == "NAME":
            word = self.values[i]
            if word in _STATEMENT_KEYWORDS:
                self.i += 1
                return getattr(self, f"stmt_{word}")(i)
        targets = [self.target()]
        kinds = self.kinds
        while kinds[self.i] == ",":
            self.i += 1
            targets.append(self.target())
        if kinds[self.i] != "=":
            raise _NoMatch
        self.i += 1
        targets.append(self.expr())
        end = self.i
        if kinds[end] != ";":
            raise _NoMatch
        self.i = end + 1
        return _Tree(("assign", targets, self, i, end))

    def target(self) -> Tree:
        first = self.i
        if self.kinds[first] == "NAME" and self.kinds[first + 1] in ("=", ","):  # `t = ...`
            self.i = first + 1
            tok = _new_str(_Token, self.values[first])  # self.token(first), inline
            tok._p, tok._k = self, first
            return _Tree(("target", [tok], self, first, first))
        name = self.name()
        children = [name]
        while self.kinds[self.i] == "[":
            children.append(self.selector())
        return self.tree("target", children, first)

    def selector(self) -> Tree:
        first = self.expect("[")
        k = self.i
        if self.kinds[k + 1] == "]" and self.kinds[k] in ("INT", "NAME"):  # `[3]`, `[i]`
            self.i = k + 2
            return _Tree(("bit_sel", [self.leaf("c_int" if self.kinds[k] == "INT" else "c_name",
                                                k)], self, first, k + 1))
        a = self.cexpr()
        if self.kinds[self.i] == ":":
            self.i += 1
            b = self.cexpr()
            self.expect("]")
            return self.tree("range_sel", [a, b], first)
        self.expect("]")
        return self.tree("bit_sel", [a], first)

    def stmt_wire(self, first: int) -> Tree:
        items = []
        while True:
            i0 = self.i
            name = self.name()
            items.append(self.tree("wire_item", [name, *self.dims()], i0))
            if self.kinds[self.i] != ",":
                break
            self.i += 1
        self.expect(";")
        return self.tree("wire_decl", items, first)

    def stmt_let(self, first: int) -> Tree:
        name = self.name()
        self.expect("=")
        value = self.cexpr()
        self.expect(";")
        return self.tree("let_stmt", [name, value], first)

    def stmt_for(self, first: int) -> Tree:
        var = self.name()
        if not self.word("in"):
            raise _NoMatch
        lo = self.cexpr()
        k = self.i
        if self.kinds[k] not in ("..", "..="):
            raise _NoMatch
        self.i += 1
        dots = self.token(k, _DotsToken)
        hi = self.cexpr()
        step = self.cexpr() if self.word("step") else None
        body = self.block()
        return self.tree("for_stmt", [var, lo, dots, hi, step, body], first)

    def stmt_if(self, first: int) -> Tree:
        """`if c { } else if d { } ... else { }`: the chain is read in a loop (any length, no
        recursion), then nested from its end as Lark nests it; every `if_stmt` of the chain
        ends where the chain ends."""
        heads = []  # (first token, condition, block) of each `if` of the chain
        other = None
        while True:
            cond = self.cexpr()
            heads.append((first, cond, self.block()))
            if not self.word("else"):
                break
            k = self.i
            if not self.word("if"):
                other = self.block()
                break
            first = k
        for first, cond, then in reversed(heads):
            other = self.tree("if_stmt", [cond, then, other], first)
        return other

    # -- wire expressions ----------------------------------------------------------------------
    def expr(self, min_level: int = 1) -> Tree:
        """A wire expression whose operators bind at least at `min_level` (precedence
        climbing: a constant amount of work per operator, whatever the nesting)."""
        first = self.i
        left = self.unary()
        kinds = self.kinds
        while True:
            op = kinds[self.i]
            info = _WIRE_OPS.get(op)
            if info is None or info[0] < min_level:
                return left
            level, data = info
            if level <= 3:
                items = [left]
                while kinds[self.i] == op:
                    self.i += 1
                    items.append(self.expr(level + 1))
                left = _Tree((data, items, self, first, self.i - 1))
                continue
            self.i += 1
            left = self.tree(data, [left, self.expr(level + 1)], first)
            if level <= 5 and _WIRE_OPS.get(kinds[self.i], (0,))[0] == level:
                raise _NoMatch  # `a < b < c`, `a == b != c`: Lark's syntax error

    def unary(self) -> Tree:
        first = self.i
        kinds = self.kinds
        kind = kinds[first]
        if kind == "NAME" and self.values[first] != "table":  # the common operands, inline
            nxt = kinds[first + 1]
            if nxt != "[" and nxt != "(" and nxt[0] != "<":  # `a`
                self.i = first + 1
                tok = _new_str(_Token, self.values[first])  # self.token(first), inline
                tok._p, tok._k = self, first
                return _Tree(("ref", [tok], self, first, first))
            if nxt == "[" and kinds[first + 3] == "]" and kinds[first + 4] != "[" \
                    and kinds[first + 2] in ("INT", "NAME"):  # `a[3]`, `a[i]`
                self.i = first + 4
                index = self.leaf("c_int" if kinds[first + 2] == "INT" else "c_name", first + 2)
                sel = _Tree(("bit_sel", [index], self, first + 1, first + 3))
                return _Tree(("access", [self.token(first), sel], self, first, first + 3))
        data = _UNARY.get(kind)
        if data is None:
            return self.primary()
        self.i += 1
        return self.tree(data, [self.unary()], first)

    def primary(self) -> Tree:
        i = self.i
        kind = self.kinds[i]
        if kind == "NAME":
            if self.values[i] == "table":
                return self.table(i)
            self.i += 1
            name = self.token(i)
            nxt = self.kinds[self.i]
            if nxt == "[":
                children = [name]
                while self.kinds[self.i] == "[":
                    children.append(self.selector())
                return self.tree("access", children, i)
            if nxt == "(" or (nxt[0] == "<" and _PARAM_OPEN.match(self.text, self.starts[self.i])):
                params = self.param_args() if nxt != "(" else None
                args = self.call_args()
                return self.tree("call", [name, params, *args], i)
            return _Tree(("ref", [name], self, i, i))
        if kind == "INT":
            self.i += 1
            return self.leaf("number", i)
        if kind == "(":
            self.i += 1
            inner = self.expr()
            self.expect(")")
            return inner
        if kind == "{":
            return self.braces(i)
        raise _NoMatch

    def call_args(self) -> list:
        self.expect("(")
        return self.listed(self.expr, ")")

    def param_args(self) -> Tree:
        first = self.i
        if self.kinds[first] != "<":  # `<<` or `<=` where Lark's lexer would split off `<`
            raise _NoMatch
        self.i += 1
        args = []
        while True:
            a0 = self.i
            if self.kinds[a0] == "NAME" and self.kinds[a0 + 1] == "=":
                name = self.token(a0)
                self.i += 2
                args.append(self.tree("named_arg", [name, self.arith()], a0))
            else:
                args.append(self.arith())
            if self.kinds[self.i] != ",":
                break
            self.i += 1
        self.expect(">")
        return self.tree("param_args", args, first)

    def braces(self, first: int) -> Tree:
        """`{x, y}` or `{N{x, y}}` (N a number or a name)."""
        k = self.i + 1
        if self.kinds[k] in ("INT", "NAME") and self.kinds[k + 1] == "{":
            count = self.leaf("c_int" if self.kinds[k] == "INT" else "c_name", k)
            self.i = k + 2
            parts = self.expr_list()
            self.expect("}")
            self.expect("}")
            return self.tree("replicate", [count, *parts], first)
        self.i += 1
        parts = self.expr_list()
        self.expect("}")
        return self.tree("concat", parts, first)

    def expr_list(self) -> list:
        parts = [self.expr()]
        while self.kinds[self.i] == ",":
            self.i += 1
            parts.append(self.expr())
        return parts

    def table(self, first: int) -> Tree:
        self.i += 1
        params = None
        if self.kinds[self.i] != "(":
            if not (self.kinds[self.i][0] == "<"
                    and _PARAM_OPEN.match(self.text, self.starts[self.i])):
                raise _NoMatch
            params = self.param_args()
        self.expect("(")
        sel = self.expr()
        self.expect(")")
        self.expect("{")
        entries = [self.entry()]
        while self.kinds[self.i] == ",":
            self.i += 1
            if self.kinds[self.i] == "}":
                break
            entries.append(self.entry())
        self.expect("}")
        return self.tree("table", [params, sel, *entries], first)

    def entry(self) -> Tree:
        first = self.i
        if self.word("default"):
            self.expect(":")
            return self.tree("default_entry", [self.cexpr()], first)
        key = self.cexpr()
        self.expect(":")
        return self.tree("entry", [key, self.cexpr()], first)

    # -- compile-time expressions --------------------------------------------------------------
    def cexpr(self, min_level: int = 1) -> Tree:
        """A compile-time expression whose operators bind at least at `min_level`."""
        first = self.i
        left = self.c_unary()
        kinds = self.kinds
        while True:
            info = _C_OPS.get(kinds[self.i])
            if info is None or info[0] < min_level:
                return left
            level, data = info
            self.i += 1
            left = self.tree(data, [left, self.cexpr(level + 1)], first)
            if level == _C_COMPARE and _C_OPS.get(kinds[self.i], (0,))[0] == _C_COMPARE:
                raise _NoMatch

    def arith(self) -> Tree:
        return self.cexpr(_ARITH_LEVEL)

    def c_unary(self) -> Tree:
        first = self.i
        data = _C_UNARY.get(self.kinds[first])
        if data is not None:
            self.i += 1
            return self.tree(data, [self.c_unary()], first)
        atom = self.c_atom()
        if self.kinds[self.i] == "**":
            self.i += 1
            return self.tree("c_powr", [atom, self.c_unary()], first)
        return atom

    def c_atom(self) -> Tree:
        i = self.i
        kind = self.kinds[i]
        if kind == "INT" or kind == "NAME":
            self.i += 1
            return self.leaf("c_int" if kind == "INT" else "c_name", i)
        if kind == "(":
            self.i += 1
            inner = self.cexpr()
            self.expect(")")
            return inner
        raise _NoMatch
