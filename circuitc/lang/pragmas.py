"""Pragmas: the input distribution of the circuit, and the adder style of a module.

`@uniform`, `@sparse(k)`, `@atmost(k)` or `@bernoulli(p)` before the `circuit` makes one group of
every input bit without a pragma of its own; before an input port, one group of that port's
bits. A group is `{"inputs": [slot ids], "kind": ..., "k" or "p": ...}` (see
`circuitc.distribution`).

`@adder(sklansky)`, `@adder(kogge_stone)` or `@adder(ripple)` before a `module` or the `circuit`
picks the circuit that `+`, `-`, `carry` and the comparisons of that body lower to (see
`circuitc.lang.arith`); without it, `sklansky`.
"""

from __future__ import annotations

from lark import Tree

from circuitc.distribution import group_problem
from circuitc.lang.arith import DEFAULT_STYLE, STYLES
from circuitc.lang.constexpr import evaluate
from circuitc.lang.source import Source, present
from circuitc.lang.wires import Scope

PRAGMAS = ("uniform", "sparse", "atmost", "bernoulli")
STYLE_PRAGMAS = ("adder",)


def adder_style(source: Source, pragmas: Tree) -> str:
    """The style that the `@adder(...)` pragma of a module or circuit asks for."""
    style = DEFAULT_STYLE
    for pragma in pragmas.children:
        name, arg = pragma.children
        if str(name) != "adder":
            continue
        value = str(arg.children[0]) if arg is not None and arg.data == "c_name" else None
        if value not in STYLES:
            source.error("@adder takes one of " + ", ".join(STYLES) + ", e.g. @adder(ripple)",
                         arg if arg is not None else pragma)
        else:
            style = value
    return style


def input_distribution(source: Source, top: Scope, unit: Tree, env: dict) -> list[dict]:
    """The groups that the pragmas of the `circuit` block `unit` and its input ports ask for."""
    pragmas, _, _, ins, _, _ = unit.children
    whole = _spec(source, pragmas, env, skip=STYLE_PRAGMAS)
    groups, rest = [], []
    for port in present(ins.children):
        wire = top.wires.get(str(port.children[1]))
        if wire is None or wire.width is None:
            continue
        own = _spec(source, port.children[0], env)
        if own is None:
            rest += wire.slots
        elif own:
            groups.append(_group(source, own, wire.slots, port.children[0]))
    if whole and rest:
        groups.insert(0, _group(source, whole, rest, pragmas))
    return [g for g in groups if g is not None]


def _spec(source: Source, pragmas: Tree, env: dict,
          skip: tuple[str, ...] = ()) -> dict | None | bool:
    """The group spec of a pragma list: None when empty, False when in error."""
    items = [p for p in pragmas.children if str(p.children[0]) not in skip]
    if not items:
        return None
    if len(items) > 1:
        source.error("several distribution pragmas on one place; keep one", items[1])
        return False
    name, arg = items[0].children
    kind = str(name)
    if kind not in PRAGMAS:
        source.error(f"unknown pragma '@{kind}' (known: "
                     + ", ".join("@" + p for p in PRAGMAS) + ")", items[0])
        return False
    if kind == "uniform":
        if arg is not None:
            source.error("@uniform takes no argument", arg)
            return False
        return {"kind": "uniform"}
    if arg is None:
        source.error(f"@{kind} needs an argument, e.g. @{kind}("
                     + ("0.05" if kind == "bernoulli" else "3") + ")", items[0])
        return False
    if kind == "bernoulli":
        p = float(arg.children[0]) if arg.data == "float_lit" else \
            evaluate(arg, env, source.error)
        if p is None:
            return False
        if not 0.0 <= p <= 1.0:
            source.error(f"@bernoulli probability must be between 0 and 1, got {p}", arg)
            return False
        return {"kind": "bernoulli", "p": float(p)}
    if arg.data == "float_lit":
        source.error(f"@{kind} needs a whole number, got {arg.children[0]}", arg)
        return False
    k = evaluate(arg, env, source.error)
    if k is None:
        return False
    if k < 0:
        source.error(f"@{kind} needs a count of at least 0, got {k}", arg)
        return False
    return {"kind": kind, "k": k}


def _group(source: Source, spec: dict, bits: list[str], at: Tree) -> dict | None:
    """The group of `bits` under `spec`; None (after an error) when they do not fit it."""
    group = {"inputs": list(bits), **spec}
    problem = group_problem(group, len(bits))
    if problem:
        source.error(f"@{problem}", at.children[0] if at.children else at)
        return None
    return group
