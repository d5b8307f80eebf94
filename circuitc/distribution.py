"""Input distributions: what inputs a circuit is meant for, and seeded sampling from them.

Computation in superposition only works on sparse inputs, so a circuit declares the distribution
it is meant for. A distribution is a list of *groups*, each a JSON-able dict over some input bits:

    {"inputs": [bit ids], "kind": "uniform"}
    {"inputs": [bit ids], "kind": "sparse", "k": 3}        exactly k bits of the group are 1
    {"inputs": [bit ids], "kind": "atmost", "k": 3}        at most k: the count is uniform in 0..k,
                                                             then the bits uniform among that count
    {"inputs": [bit ids], "kind": "bernoulli", "p": 0.05}  each bit 1 independently with prob. p

Input bits in no group are uniform random bits. Specs as written on the command line or in a
pragma: "uniform", "sparse(3)", "atmost(3)", "bernoulli(0.05)".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from circuitc.graph import Circuit

_SPEC = re.compile(r"^\s*(uniform|sparse|atmost|bernoulli)\s*(?:\(\s*([0-9.eE+-]+)\s*\))?\s*$")


def parse_spec(spec: str) -> dict:
    """Parse "sparse(3)" and friends into a group dict without "inputs"; ValueError if bad."""
    m = _SPEC.match(spec)
    if not m:
        raise ValueError(f"unknown distribution {spec!r}; expected uniform, sparse(K), atmost(K) "
                         "or bernoulli(P)")
    kind, arg = m.group(1), m.group(2)
    if kind == "uniform":
        if arg is not None:
            raise ValueError("uniform takes no argument")
        return {"kind": "uniform"}
    if arg is None:
        raise ValueError(f"{kind} needs an argument, e.g. {kind}(3)")
    if kind == "bernoulli":
        p = float(arg)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"bernoulli probability must be in [0, 1], got {arg}")
        return {"kind": "bernoulli", "p": p}
    if not re.fullmatch(r"\d+", arg):
        raise ValueError(f"{kind} needs a whole number, got {arg}")
    return {"kind": kind, "k": int(arg)}


def format_spec(group: dict) -> str:
    kind = group["kind"]
    if kind == "uniform":
        return "uniform"
    return f"{kind}({group['p'] if kind == 'bernoulli' else group['k']})"


def group_problem(group: dict, n_inputs: int) -> str | None:
    """Why a group cannot be sampled, or None."""
    if group["kind"] in ("sparse", "atmost") and group["k"] > n_inputs:
        return f"{format_spec(group)} asks for more bits on than the {n_inputs} bits of the group"
    return None


def whole_circuit(circuit: Circuit, spec: str) -> list[dict]:
    """A distribution with one group over all inputs (the CLI's --distribution override)."""
    group = parse_spec(spec)
    group["inputs"] = list(circuit.inputs)
    problem = group_problem(group, len(group["inputs"]))
    if problem:
        raise ValueError(problem)
    return [group]


def describe(circuit: Circuit, groups: Sequence[dict] | None = None) -> str:
    groups = circuit.distribution if groups is None else groups
    if not groups:
        return "uniform"
    return "; ".join(f"{format_spec(g)} over {len(g['inputs'])} inputs" for g in groups)


def is_sparse(circuit: Circuit, groups: Sequence[dict] | None = None) -> bool:
    """True when every input is in a group that is not uniform."""
    groups = circuit.distribution if groups is None else groups
    covered = {b for g in groups if g["kind"] != "uniform" for b in g["inputs"]}
    return bool(circuit.inputs) and covered >= set(circuit.inputs)


def sample(
    circuit: Circuit, n: int, seed: int = 0, groups: Sequence[dict] | None = None
) -> np.ndarray:
    """`n` input vectors, bool [n, n_inputs] in `circuit.inputs` order, from the declared (or the
    given) distribution. Same circuit, n, seed and groups give the same array. The random draws
    are made a block of rows at a time (`_uniform_below`, `_smallest`), the same stream as one
    [n, inputs] draw: memory is the bool result plus a block, not n x inputs floats."""
    groups = circuit.distribution if groups is None else groups
    rng = np.random.default_rng(seed)
    column = {bit: i for i, bit in enumerate(circuit.inputs)}
    x = _uniform_below(rng, n, len(column), 0.5)  # uniform for every bit not in a group
    for group in groups:
        cols = np.array([column[b] for b in group["inputs"]], dtype=np.int64)
        x[:, cols] = _sample_group(group, n, len(cols), rng)
    return x


DRAW_BYTES = 64 << 20  # the float64 keys of one block of rows


def _rows_per_block(width: int) -> int:
    return max(1, DRAW_BYTES // (8 * max(width, 1)))


def _uniform_below(rng: np.random.Generator, n: int, width: int, p: float) -> np.ndarray:
    """rng.random((n, width)) < p, drawn a block of rows at a time (the same values)."""
    out = np.empty((n, width), dtype=bool)
    step = _rows_per_block(width)
    for start in range(0, n, step):
        stop = min(n, start + step)
        np.less(rng.random((stop - start, width)), p, out=out[start:stop])
    return out


def _sample_group(group: dict, n: int, width: int, rng: np.random.Generator) -> np.ndarray:
    kind = group["kind"]
    if kind == "uniform":
        return _uniform_below(rng, n, width, 0.5)
    if kind == "bernoulli":
        return _uniform_below(rng, n, width, group["p"])
    k = group["k"]
    # The k smallest of `width` uniform keys pick a uniformly random k-subset (ties by position).
    smallest = _smallest(rng, n, width, k)  # [n, min(k, width)], in key order
    if kind == "sparse":
        counts = np.full((n, 1), k)
    else:  # atmost: the count is drawn after every key, as it always was
        counts = rng.integers(0, k + 1, size=(n, 1))
    take = np.arange(smallest.shape[1])[None, :] < counts
    out = np.zeros((n, width), dtype=bool)
    out[np.nonzero(take)[0], smallest[take]] = True
    return out


def _smallest(rng: np.random.Generator, n: int, width: int, k: int) -> np.ndarray:
    """For each of n rows of rng.random((n, width)) (drawn a block at a time), the positions of
    its min(k, width) smallest keys in order, ties by position: the first columns of a stable
    argsort, found by a partition (linear in width) and a sort of those k only."""
    k = min(k, width)
    out = np.empty((n, k), dtype=np.int64)
    step = _rows_per_block(width)
    for start in range(0, n, step):
        keys = rng.random((min(n, start + step) - start, width))
        if k == 0:
            continue
        if 4 * k >= width:
            out[start:start + len(keys)] = np.argsort(keys, axis=1, kind="stable")[:, :k]
            continue
        part = np.argpartition(keys, k - 1, axis=1)[:, :k]
        values = np.take_along_axis(keys, part, axis=1)
        order = np.lexsort((part, values), axis=1)  # by key, then position
        block = np.take_along_axis(part, order, axis=1)
        # a key equal to the k-th smallest outside the partition's pick: the stable order
        # decides by position, so such rows (float64 ties: practically never) sort fully
        tied = np.flatnonzero((keys <= values.max(axis=1, keepdims=True)).sum(axis=1) > k)
        if len(tied):
            block[tied] = np.argsort(keys[tied], axis=1, kind="stable")[:, :k]
        out[start:start + len(keys)] = block
    return out
