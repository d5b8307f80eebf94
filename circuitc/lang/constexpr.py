"""Compile-time integers: number literals and the `cexpr`s of parameters, widths, indices,
loop bounds, `let`s and `if` conditions.

`evaluate(tree, env, error)` computes one in the environment `env` (parameters, `let` constants
and loop variables; a name bound to None had an error, and reads of it stay silent). Integers are
unbounded as in Python, except that values beyond `MAX_VALUE_BITS` bits are refused so that
`2 ** 2 ** 40` cannot hang. `/` and `%` round towards minus infinity (as in Python: -7 / 2 is
-4 and -7 % 3 is 2, the sign of the divisor), comparisons and `!`, `&&`, `||` give 0 or 1. The
bitwise `&`, `|`, `^`, `~` and the shifts `<<`, `>>` act on two's complement integers of
unbounded width, as in Python (`~x` is -x - 1, `>>` floors); shift amounts must be at least 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from lark import Token, Tree

MAX_VALUE_BITS = 256


def int_literal(token: Token) -> int:
    """`42`, `1_000`, `0x2A`, `0b101010`."""
    text = str(token).replace("_", "")
    return int(text, 0) if text[:2].lower() in ("0x", "0b") else int(text, 10)


def evaluate(t: Tree, env: dict, error: Callable) -> int | None:
    """The value of a compile-time expression; None (after `error(message, at)`) when it fails."""
    kind = t.data
    if kind == "c_int":
        return int_literal(t.children[0])
    if kind == "c_name":
        name = str(t.children[0])
        if name in env:
            return env[name]
        error(f"unknown compile-time name '{name}' (a parameter, `let` constant or "
              "loop variable is needed here)", t)
        return None
    if kind == "c_land" or kind == "c_lor":  # short-circuit, so `N > 0 && 8 / N` is safe
        left = evaluate(t.children[0], env, error)
        if left is None:
            return None
        if (kind == "c_land") != bool(left):
            return int(bool(left))
        right = evaluate(t.children[1], env, error)
        return None if right is None else int(bool(right))
    args = [evaluate(c, env, error) for c in t.children]
    if None in args:
        return None
    if kind == "c_neg":
        return -args[0]
    if kind == "c_not":
        return int(not args[0])
    if kind == "c_inv":
        return ~args[0]
    a, b = args
    if kind in ("c_div", "c_mod") and b == 0:
        error("division by zero", t)
        return None
    if kind == "c_powr":
        if b < 0:
            error(f"negative exponent {b}", t)
            return None
        if abs(a) > 1 and b * math.log2(abs(a)) > MAX_VALUE_BITS:
            error(f"{a} ** {b} is too large for a compile-time value", t)
            return None
    if kind in ("c_shl", "c_shr"):
        if b < 0:
            error(f"negative shift amount {b}", t)
            return None
        if kind == "c_shl" and a and b + a.bit_length() > MAX_VALUE_BITS:
            error(f"{a} << {b} is too large for a compile-time value", t)
            return None
    value = _BINARY[kind](a, b)
    if value.bit_length() > MAX_VALUE_BITS:
        error(f"compile-time value too large ({value.bit_length()} bits)", t)
        return None
    return value


_BINARY = {
    "c_add": lambda a, b: a + b,
    "c_sub": lambda a, b: a - b,
    "c_mul": lambda a, b: a * b,
    "c_div": lambda a, b: a // b,
    "c_mod": lambda a, b: a % b,
    "c_powr": lambda a, b: a ** b,
    "c_eq": lambda a, b: int(a == b),
    "c_ne": lambda a, b: int(a != b),
    "c_lt": lambda a, b: int(a < b),
    "c_le": lambda a, b: int(a <= b),
    "c_gt": lambda a, b: int(a > b),
    "c_ge": lambda a, b: int(a >= b),
    "c_bitand": lambda a, b: a & b,
    "c_bitor": lambda a, b: a | b,
    "c_bitxor": lambda a, b: a ^ b,
    "c_shl": lambda a, b: a << b,
    "c_shr": lambda a, b: a >> b,
}
