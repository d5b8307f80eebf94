"""Compile-time integers: number literals and the `cexpr`s of parameters, widths, indices,
loop bounds, `let`s and `if` conditions.

`evaluate(tree, env, error)` computes one in the environment `env` (parameters, `let` constants
and loop variables; a name bound to None had an error, and reads of it stay silent). Integers are
unbounded as in Python, except that literals and results beyond `limits.VALUE_BITS` bits are
refused, each before it is computed, so that `2 ** 2 ** 40` or a 5000-digit literal cannot hang.
The tree is evaluated with an explicit stack, so a chain of thousands of operators (`0 + 0 + ...`,
`- - - 1`) needs no recursion. `/` and `%` round towards minus infinity (as in Python: -7 / 2 is
-4 and -7 % 3 is 2, the sign of the divisor), comparisons and `!`, `&&`, `||` give 0 or 1. The
bitwise `&`, `|`, `^`, `~` and the shifts `<<`, `>>` act on two's complement integers of
unbounded width, as in Python (`~x` is -x - 1, `>>` floors); shift amounts must be at least 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from lark import Token, Tree

from circuitc import limits
from circuitc.limits import Limit

_LOG2_10 = math.log2(10)
_CHUNK = 4000  # decimal digits per int() call: Python refuses strings of more than 4300


def literal_bits(text: str) -> int:
    """The bit length of an integer literal (`42`, `1_000`, `0x2A`, `0b101010`), from its digits
    alone (decimal: an upper bound, at most 4 too high); cheap at any length."""
    text = text.replace("_", "")
    base = {"0x": 16, "0b": 2}.get(text[:2].lower(), 10)
    digits = (text[2:] if base != 10 else text).lstrip("0")
    if not digits:
        return 0
    if base == 16:
        return 4 * (len(digits) - 1) + int(digits[0], 16).bit_length()
    if base == 2:
        return len(digits)
    return math.ceil(len(digits) * _LOG2_10)


def int_literal(token: Token, limit: Limit, error: Callable) -> int | None:
    """The value of an integer literal; None (after `error(message, token)`) when it has more
    bits than `limit` allows, judged before it is converted (int() of a long decimal string
    takes quadratic time)."""
    text = str(token).replace("_", "")
    bound = limit.value  # (read once: it looks in the environment)
    if literal_bits(text) > bound + 4:
        error(limit.exceeded(f"the literal '{_shortened(text)}' has about "
                             f"{literal_bits(text):,} bits"), token)
        return None
    if text[:2].lower() in ("0x", "0b"):
        value = int(text, 0)
    else:
        value = 0
        for k in range(0, len(text), _CHUNK):
            chunk = text[k:k + _CHUNK]
            value = value * 10 ** len(chunk) + int(chunk, 10)
    if value.bit_length() > bound:
        error(limit.exceeded(f"the literal '{_shortened(text)}' has {value.bit_length():,} bits"),
              token)
        return None
    return value


def _shortened(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}...{text[-10:]}"


def evaluate(t: Tree, env: dict, error: Callable) -> int | None:
    """The value of a compile-time expression; None (after `error(message, at)`) when it fails.
    Operands are computed bottom-up with an explicit stack; `&&` and `||` short-circuit."""
    values: list[int | None] = []
    todo: list[tuple[Tree, int]] = [(t, 0)]  # (node, stage): 0 on the way down
    max_bits = limits.VALUE_BITS.value  # once, not per operator: it looks in the environment
    while todo:
        node, stage = todo.pop()
        kind = node.data
        if kind == "c_int":
            values.append(int_literal(node.children[0], limits.VALUE_BITS, error))
        elif kind == "c_name":
            name = str(node.children[0])
            if name not in env:
                error(f"unknown compile-time name '{name}' (a parameter, `let` constant or "
                      "loop variable is needed here)", node)
            values.append(env.get(name))
        elif kind in ("c_land", "c_lor"):  # short-circuit, so `N > 0 && 8 / N` is safe
            if stage == 0:
                todo += [(node, 1), (node.children[0], 0)]
            elif stage == 1:
                left = values[-1]
                if left is not None and (kind == "c_land") == bool(left):
                    values.pop()
                    todo += [(node, 2), (node.children[1], 0)]
                elif left is not None:
                    values[-1] = int(bool(left))
            else:
                values[-1] = None if values[-1] is None else int(bool(values[-1]))
        elif stage == 0:
            todo.append((node, 1))
            todo.extend((c, 0) for c in reversed(node.children))
        else:
            n = len(node.children)
            args = values[-n:]
            del values[-n:]
            values.append(None if None in args else _apply(kind, args, node, error, max_bits))
    return values[0]


def _apply(kind: str, args: list[int], t: Tree, error: Callable, max_bits: int) -> int | None:
    """An operator on computed operands; results beyond max_bits (limits.VALUE_BITS) are
    refused before they are computed where they could be huge (`**`, `<<`)."""
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
        if abs(a) > 1 and b * math.log2(abs(a)) > max_bits:
            error(limits.VALUE_BITS.exceeded(f"{a} ** {b} is too large for a compile-time "
                                             f"value (about {b * math.log2(abs(a)):,.0f} bits)"),
                  t)
            return None
    if kind in ("c_shl", "c_shr"):
        if b < 0:
            error(f"negative shift amount {b}", t)
            return None
        if kind == "c_shl" and a and b + a.bit_length() > max_bits:
            error(limits.VALUE_BITS.exceeded(f"{a} << {b} is too large for a compile-time "
                                             f"value ({b + a.bit_length():,} bits)"), t)
            return None
    value = _BINARY[kind](a, b)
    if value.bit_length() > max_bits:
        error(limits.VALUE_BITS.exceeded(f"compile-time value too large "
                                         f"({value.bit_length():,} bits)"), t)
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
