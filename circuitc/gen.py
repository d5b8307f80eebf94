"""Circuit generators for benchmarks and tests: U-AND circuits and random sparse layered circuits.

`uand_circ(m, k, active)` writes the AND of every k-subset of m features as compact .circ text
(nested loops); `uand_circuit` builds the same function directly with the graph API.

`sparse_circuit(wires, levels, active, seed)` builds a random layered circuit whose every level
stays about `active`-sparse on its declared input distribution (`@sparse(active)` over the
inputs), and measures that activity; `sparse_circ` writes it as flat .circ text. The design
(docs/generator.md has the reasoning and the measurements):

* First-order bookkeeping. Call the *support* of a wire the set of input features that turn it on
  when that feature is the only one on. With s features on and no two of them meeting at a gate,
  a level has sum over the on features of their *footprint* (the number of wires whose support
  holds the feature) wires on. So a level is exactly s-sparse to first order iff every footprint
  is 1, and it can never have more than 2s on (up to collisions) iff every footprint is at most 2.
  A fat tail comes from footprints that vary; the generator never lets them vary.
* Blocks. Every gate belongs to a small block over a few wires of the previous level, and every
  block maps disjoint supports to disjoint supports:
    pair   (a, b)    -> a & ~b, b & ~a                      footprints stay 1
    cycle  (a, b, c) -> a & ~b, b & ~c, c & ~a              footprints stay 1
    split  (x, u, v) -> x o u, x o v, u o v   (o: | or ^)   footprints of X, U, V become 2
    join   the three wires of a split, one level later:
             g1 & g2, g1 & g3, g2 & g3   or   g1 & ~g2, g2 & ~g3, g3 & ~g1   footprints back to 1
    merge  (a, b)    -> a o b   (level 1 only, when there are more inputs than wires)
  Every wire of the previous level is read by exactly two gates (merge inputs: one), every gate
  reads two wires of the previous level, every gate has a non-empty support (no wire is dead to
  first order), and every level has exactly `wires` gates. A pair or cycle gate is a copy of one
  operand except when two on features meet; split and join gates are genuine functions of three
  features (g1 & g2 = x | (u & v)). Footprint 1 everywhere with no dead wire forces each wire to
  carry one feature's worth of support, i.e. to be a copy to first order: splits are the price
  of real computation, paid as extra activity on the levels that hold them.
* Steering. About a fraction `split` of each level's wires come from splits. Collisions (two on
  features meeting in a gate) mostly switch wires off, so the level mean drifts below s with
  depth; after each level the generator simulates its design samples (`samples` draws of the
  declared distribution, seed `seed`) and raises the next level's split fraction (up to
  `MAX_SPLIT`) so that the expected mean comes back to `active * (1 + split)`.
* Measurement. The returned report is measured with `circuitc.simulate` on `samples` fresh draws
  (seed `seed + 1`), not on the design samples.

a & ~b is stored as the single gate mux(b, 0, a), so that it stays on its level (and(a, not b)
would put the NOT one level lower); the .circ text writes it the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from math import factorial

import numpy as np

from circuitc import keys as K
from circuitc.distribution import format_spec, sample
from circuitc.graph import Circuit
from circuitc.progress import progress
from circuitc.simulate import pack, unpack

GEN_OPS = ("and", "or", "xor", "andnot")
SPLIT = 0.15  # default fraction of a level's fresh wires that start a split (3 wires each)
MAX_SPLIT = 0.45  # the steering never splits more than this fraction of a level's wires
_MERGE_OPS = ("or", "xor")


# ---- U-AND ------------------------------------------------------------------------------------
def uand_circ(m: int, k: int = 2, active: int = 3) -> str:
    """The AND of every k-subset of m features as .circ text; inputs declared @sparse(active).

    Output bit r is the AND of the r-th k-subset {i0 < i1 < ...} in lexicographic order. The text
    is a parameterised circuit `u_and<M = m>(f[M]) -> (y[C(M, k)])` written with k nested loops
    (so its size does not grow with m), the index of a subset computed in compile-time
    arithmetic. ValueError when k < 2, m < k or active is not in 0..m.
    """
    _check_uand(m, k, active)
    idx = [f"i{t}" for t in range(k)]
    lines = [
        f"// U-AND: the AND of every {k}-subset of M features, outputs in lexicographic order",
        "// of the subsets; output y[r] = AND of the r-th subset. Written by circuitc gen.",
        f"@sparse({active})",
        f"circuit u_and<M = {m}>(f[M]) -> (y[{_choose_text('M', 0, k)}]) {{",
    ]
    # rank(i0 < ... < ik-1) = sum_t C(M - i_(t-1) - 1, k - t) - C(M - i_t, k - t), i_(-1) = -1
    # (the hockey-stick identity summed over the values skipped at each position).
    for t in range(k):
        pad = "    " * (t + 1)
        lo = "0" if t == 0 else f"{idx[t - 1]} + 1"
        lines.append(f"{pad}for {idx[t]} in {lo}..M {{")
        if t == k - 1:  # C(M - i_(t-1) - 1, 1) - C(M - i_t, 1)
            term = f"{idx[t]} - {idx[t - 1]} - 1"
        else:
            before = (_choose_text("M", 0, k) if t == 0
                      else _choose_text(f"M - {idx[t - 1]}", 1, k - t))
            term = f"{before} - {_choose_text(f'M - {idx[t]}', 0, k - t)}"
        if t < k - 1:
            prev = "" if t == 0 else f"r{t - 1} + "
            lines.append(f"{pad}    let r{t} = {prev}{term};")
        else:
            rank = f"r{t - 1} + {term}"
            operands = " & ".join(f"f[{i}]" for i in idx)
            lines.append(f"{pad}    y[{rank}] = {operands};")
    for t in reversed(range(k)):
        lines.append("    " * (t + 1) + "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def uand_circuit(m: int, k: int = 2, active: int = 3) -> Circuit:
    """The circuit `uand_circ(m, k, active)` describes, built with the graph API (k-input ANDs)."""
    _check_uand(m, k, active)
    from itertools import combinations

    circuit = Circuit("u_and")
    f = circuit.add_input_vector("f", m)
    circuit.distribution = [{"inputs": list(f), "kind": "sparse", "k": active}]
    gates = [(f"and_{r}", K.OP_AND, [f[i] for i in subset], None)
             for r, subset in enumerate(combinations(range(m), k))]
    circuit.add_gates(gates)
    circuit.add_output_vector("y", [g[0] for g in gates])
    return circuit


def _check_uand(m: int, k: int, active: int) -> None:
    problems = []
    if k < 2:
        problems.append(f"k must be at least 2 (got {k})")
    if m < max(k, 1):
        problems.append(f"m must be at least k = {k} (got {m})")
    if not 0 <= active <= m:
        problems.append(f"active must be in 0..m = {m} (got {active})")
    if problems:
        raise ValueError("uand: " + "; ".join(problems))


def _choose_text(base: str, off: int, r: int) -> str:
    """C(base - off, r) as .circ integer arithmetic (a product of r consecutive integers is
    divisible by r!, so the floor division is exact)."""
    def minus(i: int) -> str:
        return base if i == 0 else f"{base} - {i}"

    if r == 1:
        return minus(off)
    factors = " * ".join(t if t == "M" else f"({t})" for t in map(minus, range(off, off + r)))
    return f"{factors} / {factorial(r)}"


# ---- sparse layered circuits --------------------------------------------------------------------
def sparse_circuit(
    wires: int,
    levels: int,
    active: int,
    seed: int = 0,
    *,
    inputs: int | None = None,
    ops: Sequence[str] = GEN_OPS,
    samples: int = 2000,
    split: float = SPLIT,
    show_progress: bool = False,
) -> tuple[Circuit, dict]:
    """A random layered circuit that stays about `active`-sparse on every level, and its report.

    Inputs: port `f` of `inputs` (default `wires`, allowed wires..2*wires) bits, declared
    @sparse(active). Level l has `wires` gates `l<l>_<j>`, each reading two wires of level l - 1
    (a & ~b is the gate mux(b, 0, a), which also reads the constant 0); outputs `y[j]` are the
    last level's wires. `ops` lists the gate kinds allowed (of and, or, xor, andnot; andnot is
    required); `split` is the base fraction of wires per level that start a three-feature
    split (see the module docstring). Same arguments, same circuit.

    The report (JSON-able): the arguments, `design_seed`, `sample_seed` (= seed + 1), and `levels`,
    one row per level (0 = the inputs) measured with circuitc.simulate on `samples` draws of the
    declared distribution with `sample_seed`: `wires`, `mean`, `p999` (numpy's 99.9th percentile),
    `max` of the number of wires on per sample; `never_on` (wires on in no sample); for gate
    levels also `copies` (gates equal to one of their operands on every sample), `both_on` (gates
    whose two operands were on together in some sample) and `blocks` (block counts by kind).
    ValueError, listing every problem at once, for bad arguments. show_progress draws a bar, one
    step per level, on a terminal (stderr).
    """
    m = wires if inputs is None else inputs
    allowed = _check_sparse(wires, levels, active, m, ops, samples, split)
    rng = np.random.default_rng(seed)
    circuit = Circuit(f"sparse_w{wires}_l{levels}_s{active}_seed{seed}")
    f = circuit.add_input_vector("f", m)
    circuit.distribution = [{"inputs": list(f), "kind": "sparse", "k": active}]
    zero = circuit.const(0)

    prev_ids: list[str] = list(f)
    # Design samples (steering) and report samples (measurement) side by side, packed 64 to a
    # word: columns [0, words) are the design samples, the rest the report samples.
    design = pack(sample(circuit, samples, seed))
    words = design.shape[1]
    prev_vals = np.concatenate([design, pack(sample(circuit, samples, seed + 1))], axis=1)
    per_level = [_stats(0, prev_vals[:, words:], samples)]
    pending: list[tuple[int, int, int]] = []  # split triangles of the previous level, to join
    dup = 0.0  # fraction of the previous level's features that it holds twice
    bar = progress(levels, "generate", unit="level", enabled=show_progress)
    for level in range(1, levels + 1):
        fresh = np.setdiff1d(np.arange(len(prev_ids)), np.array(pending, dtype=np.int64).ravel())
        fresh = rng.permutation(fresh)
        gates: list[tuple[str, int, int]] = []  # (op, a, b): op of rows a, b of the previous level
        blocks: Counter[str] = Counter()
        for g1, g2, g3 in pending:
            blocks["join"] += 1
            if "and" in allowed and rng.random() < 0.5:
                gates += [("and", g1, g2), ("and", g1, g3), ("and", g2, g3)]
            else:
                gates += [("andnot", g1, g2), ("andnot", g2, g3), ("andnot", g3, g1)]
        if level == 1 and m > wires:
            fresh = _merge(fresh, m - wires, allowed, rng, gates, blocks)
        # Steering: the design samples say how many features survive; split enough to bring the
        # expected mean back to active * (1 + split).
        mean_prev = _activity(prev_vals[:, :words], samples).mean()
        survivors = mean_prev / (1.0 + dup) if mean_prev > 0 else float(active)
        target = active * (1.0 + split) / max(survivors, 1e-9) - 1.0
        q = float(np.clip(target, split, MAX_SPLIT)) if _SPLIT_OPS & allowed else 0.0
        t = min(int(round(q * wires / 3)), max(0, (len(fresh) - 2) // 3), max(0, (wires - 2) // 3))
        new_pending = []
        for b in range(t):
            x, u, v = fresh[3 * b: 3 * b + 3]
            base = len(gates)
            split_ops = _SPLIT_OPS & allowed
            gates += [(_pick(split_ops, rng), x, u), (_pick(split_ops, rng), x, v),
                      (_pick(split_ops, rng), u, v)]
            new_pending.append((base, base + 1, base + 2))
            blocks["split"] += 1
        rest = fresh[3 * t:]
        n_pairs = len(rest) // 2 - (len(rest) % 2)  # an odd remainder ends with one cycle of 3
        for b in range(n_pairs):
            a, c = rest[2 * b: 2 * b + 2]
            gates += [("andnot", a, c), ("andnot", c, a)]
            blocks["pair"] += 1
        if len(rest) % 2:
            a, c, d = rest[2 * n_pairs:]
            gates += [("andnot", a, c), ("andnot", c, d), ("andnot", d, a)]
            blocks["cycle"] += 1
        assert len(gates) == wires, (level, len(gates))

        names = [f"l{level}_{j}" for j in range(wires)]
        ops_l = [g[0] for g in gates]
        a_idx = np.array([g[1] for g in gates], dtype=np.int64)
        b_idx = np.array([g[2] for g in gates], dtype=np.int64)
        circuit.add_gates(_gate_rows(names, ops_l, a_idx, b_idx, prev_ids, zero))
        a_vals, b_vals = prev_vals[a_idx], prev_vals[b_idx]
        prev_vals = _evaluate(ops_l, a_vals, b_vals)
        row = _stats(level, prev_vals[:, words:], samples, a_vals[:, words:], b_vals[:, words:])
        per_level.append({**row, "blocks": dict(sorted(blocks.items()))})
        prev_ids, pending = names, new_pending
        dup = 3 * t / wires
        bar.update()
    bar.close()
    circuit.add_output_vector("y", prev_ids)

    report = {
        "wires": wires, "levels": levels, "active": active, "inputs": m, "seed": seed,
        "ops": sorted(allowed), "split": split, "samples": samples,
        "distribution": format_spec(circuit.distribution[0]),
        "design_seed": seed, "sample_seed": seed + 1,
        "per_level": per_level,
    }
    return circuit, report


def sparse_circ(
    wires: int,
    levels: int,
    active: int,
    seed: int = 0,
    *,
    inputs: int | None = None,
    ops: Sequence[str] = GEN_OPS,
    samples: int = 2000,
    split: float = SPLIT,
    show_progress: bool = False,
) -> str:
    """`sparse_circuit(...)` as .circ text: a comment header with the arguments and the measured
    activity per level, then one flat assignment per gate in level order (`l3_17 = l2_5 & l2_9;`,
    a & ~b written `mux(b, 0, a)`), then the outputs. Parsing it gives the same nodes, ops and
    operands as the Circuit."""
    circuit, report = sparse_circuit(wires, levels, active, seed, inputs=inputs, ops=ops,
                                     samples=samples, split=split, show_progress=show_progress)
    return write_sparse_circ(circuit, report)


def write_sparse_circ(circuit: Circuit, report: dict) -> str:
    """The text of `sparse_circ` for a circuit and report from `sparse_circuit`."""
    r = report
    args = (f"wires={r['wires']} levels={r['levels']} active={r['active']} seed={r['seed']} "
            f"inputs={r['inputs']} ops={','.join(r['ops'])} split={r['split']}")
    lines = [
        "// Random sparse layered circuit written by circuitc gen (circuitc.gen.sparse_circ):",
        f"//   {args}",
        "// Every gate of level l reads two wires of level l-1; mux(b, 0, a) is a & ~b.",
        f"// Wires on per sample, measured on {r['samples']} samples of {r['distribution']} "
        f"(seed {r['sample_seed']}):",
        "//   level   mean   p99.9   max   never_on   copies   both_on",
    ]
    for row in r["per_level"]:
        lines.append(f"//   {row['level']:>5} {row['mean']:>6.3f} {row['p999']:>7.2f} "
                     f"{row['max']:>5} {row['never_on']:>10} {row.get('copies', '-'):>8} "
                     f"{row.get('both_on', '-'):>9}")
    m, wires = r["inputs"], r["wires"]
    lines += [f"@{r['distribution']}", f"circuit {circuit.name}(f[{m}]) -> (y[{wires}]) {{"]
    ref = {K.CONST0_ID: "0"}
    for node in circuit.inputs:
        ref[node] = node
    level, current = {node: 0 for node in ref}, 0
    gates = [n for n, op in circuit.graph.nodes(data=K.OP) if op in K.GATE_OPS]
    for g in gates:  # added level by level, operands first: insertion order is level order
        ref[g] = g
        level[g] = 1 + max(level[o] for o in circuit.operands(g))
        if level[g] != current:
            current = level[g]
            lines.append(f"    // level {current}")
        op, xs = circuit.op(g), [ref[o] for o in circuit.operands(g)]
        text = f"mux({', '.join(xs)})" if op == K.OP_MUX else f" {_INFIX[op]} ".join(xs)
        lines.append(f"    {g} = {text};")
    lines.append("    // outputs: the last level")
    for i, out in enumerate(circuit.outputs):
        lines.append(f"    y[{i}] = {ref[circuit.driver(out)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _stats(level: int, vals: np.ndarray, n: int, a: np.ndarray | None = None,
           b: np.ndarray | None = None) -> dict:
    """One report row from packed values [wires, words] of a level (and of each gate's two wire
    operands, for gate levels). Padding bits are 0 in all three, so they never count."""
    counts = _activity(vals, n)
    row = {"level": level, "wires": len(vals), "mean": round(float(counts.mean()), 4),
           "p999": round(float(np.percentile(counts, 99.9)), 4), "max": int(counts.max()),
           "never_on": int(np.count_nonzero(~vals.any(axis=1)))}
    if a is not None and b is not None:
        row["copies"] = int(np.count_nonzero((vals == a).all(axis=1) | (vals == b).all(axis=1)))
        row["both_on"] = int(np.count_nonzero((a & b).any(axis=1)))
    return row


# ---- helpers ---------------------------------------------------------------------------------
_SPLIT_OPS = frozenset(_MERGE_OPS)
_INFIX = {K.OP_AND: "&", K.OP_OR: "|", K.OP_XOR: "^"}


def _check_sparse(wires: int, levels: int, active: int, m: int, ops: Sequence[str],
                  samples: int, split: float) -> frozenset[str]:
    problems = []
    if isinstance(ops, str):
        ops = [ops]
    unknown = sorted(set(ops) - set(GEN_OPS))
    if unknown:
        problems.append(f"unknown op(s) {', '.join(unknown)} (allowed: {', '.join(GEN_OPS)})")
    if "andnot" not in ops:
        problems.append("ops must include andnot (the pair blocks that keep footprints at 1)")
    if wires < 2:
        problems.append(f"wires must be at least 2 (got {wires})")
    if levels < 1:
        problems.append(f"levels must be at least 1 (got {levels})")
    if not wires <= m <= 2 * wires:
        problems.append(f"inputs must be in wires..2*wires = {wires}..{2 * wires} (got {m}): "
                        "fewer inputs than wires would force dead or duplicated wires")
    elif m > wires and not _SPLIT_OPS & set(ops):
        problems.append("more inputs than wires needs or/xor in ops to merge inputs")
    if not 1 <= active <= m:
        problems.append(f"active must be in 1..inputs = {m} (got {active})")
    if samples < 1:
        problems.append(f"samples must be at least 1 (got {samples})")
    if not 0.0 <= split <= MAX_SPLIT:
        problems.append(f"split must be in 0..{MAX_SPLIT} (got {split})")
    if problems:
        raise ValueError("sparse: " + "; ".join(problems))
    return frozenset(ops)


def _pick(options: frozenset[str], rng: np.random.Generator) -> str:
    options = sorted(options)
    return options[int(rng.integers(len(options)))]


def _merge(fresh: np.ndarray, k: int, allowed: frozenset[str], rng: np.random.Generator,
           gates: list, blocks: Counter) -> np.ndarray:
    """Level 1 with more inputs than wires: k gates each OR/XOR two inputs (read once each);
    returns the inputs left for the other blocks. A single leftover input joins the last merge
    as (a o b, c & ~a), so that no block is ever left with one wire."""
    ops = _SPLIT_OPS & allowed
    rest = fresh[2 * k:]
    last = k - 1 if len(rest) == 1 else k
    for b in range(last):
        gates.append((_pick(ops, rng), fresh[2 * b], fresh[2 * b + 1]))
        blocks["merge"] += 1
    if last < k:
        a, c, d = fresh[2 * last], fresh[2 * last + 1], rest[0]
        gates += [(_pick(ops, rng), a, c), ("andnot", d, a)]
        blocks["merge"] += 1
        return rest[1:]
    return rest


def _gate_rows(names: list[str], ops: list[str], a: np.ndarray, b: np.ndarray,
               prev: list[str], zero: str) -> list[tuple]:
    rows = []
    for name, op, i, j in zip(names, ops, a.tolist(), b.tolist()):
        if op == "andnot":  # a & ~b = mux(b, 0, a): one gate on its level
            rows.append((name, K.OP_MUX, (prev[j], zero, prev[i]), None))
        else:
            rows.append((name, op, (prev[i], prev[j]), None))
    return rows


def _evaluate(ops: list[str], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Packed values of a level's gates from their packed operand rows."""
    kind = np.array(ops)
    out = np.empty_like(a)
    for op, fn in (("and", np.bitwise_and), ("or", np.bitwise_or), ("xor", np.bitwise_xor)):
        sel = kind == op
        out[sel] = fn(a[sel], b[sel])
    sel = kind == "andnot"
    out[sel] = a[sel] & ~b[sel]
    return out


def _activity(packed: np.ndarray, n: int) -> np.ndarray:
    """Wires on per sample, int [n], from packed values [wires, words]."""
    return unpack(packed, n).sum(axis=1)
