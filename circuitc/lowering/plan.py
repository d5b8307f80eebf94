"""The plan: which construction lowers each level transition, with what width, checked by measurement.

Modes
- exact: one ReLU per monomial at every level (`exact.py`): zero error on every input.
- superposed: every level in superposition (`uand.py`: monomials shared by random neurons, or
  `clamped.py`: clamped threshold units), at the smallest width that meets the target on a seeded
  validation sample; a level that no width up to `MAX_WIDTH_FACTOR` x its exact width can meet is
  refused with the reason (CircuitError), never lowered wrongly.
- auto: per level, superposed when a width below the exact one meets the target, else exact, and
  the report says why.

The target is measured, not assumed: with the level lowered as proposed (earlier levels as already
chosen, later ones exact), the whole network runs on `samples` validation inputs drawn from the
declared distribution with seed `seed + 1` (so `circuitc eval`, seed 0 by default, checks on other
inputs), and the proposal passes when every output bit is right and the level's read-off margin
(smallest true read-off minus largest false one) is at least `margin`. Outputs read from a
superposed level get one decode threshold, the midpoint of that margin on the validation sample.
The finished network is validated once more as a whole; if it misses the target, auto mode falls
back to the exact lowering (reported) and superposed mode refuses.

`--width N` fixes the width of every superposed level instead of searching ("auto").
`--correct-width N` inserts an error-correction layer of N ReLUs (`correction.py`: clamped
buffer units re-encoding every wire, kind "correct") after every superposed level; the
validation then measures the network with them.
`--input-dim d0` stores the inputs in superposition (`embedding.py`), read with the least-squares
read-off; even exact levels then see noisy inputs, so the validation decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from circuitc import distribution as D
from circuitc import keys as K
from circuitc.errors import CircuitError, Diagnostic
from circuitc.evaluate import LevelStats
from circuitc.graph import Circuit
from circuitc.lowering.clamped import build_clamped
from circuitc.lowering.construction import GateLayer, LevelSpec, via_monomials
from circuitc.lowering.correction import build_correction
from circuitc.lowering.embedding import build_embedding, compose_with_embedding
from circuitc.lowering.exact import build_exact
from circuitc.lowering.lower import Lowered, level_wires, lower
from circuitc.lowering.uand import build_uand
from circuitc.network import Affine
from circuitc.simulate import Schedule, pack, unpack

MODES = ("exact", "superposed", "auto")
CONSTRUCTIONS = ("uand", "clamped")
MAX_WIDTH_FACTOR = 4  # superposed mode searches widths up to this times the exact width
UAND_HOSTS = 64  # neurons per monomial (c): best measured at m = 1000 (docs/uand.md)
CLAMPED_HOSTS = 12  # clamped pairs per unit (docs/deep.md)
REFINE_STEPS = 3  # bisection steps after the doubling search finds a passing width
BATCH = 2048  # validation samples per forward pass


@dataclass
class PlanOptions:
    mode: str = "exact"
    construction: str = "uand"
    width: int | None = None  # None: search
    input_dim: int | None = None
    samples: int = 10_000
    seed: int = 0
    margin: float = 0.05
    correct_width: int | None = None  # a correction layer after each superposed level


@dataclass
class Plan:
    """Per level: the construction and width chosen, and why; the result of lowering with it."""

    options: PlanOptions
    levels: list[dict] = field(default_factory=list)  # one row per level transition
    lowered: Lowered | None = None
    embed: sp.csr_array | np.ndarray | None = None
    threshold: np.ndarray | None = None
    validation: dict = field(default_factory=dict)
    fallback: str | None = None  # why auto mode fell back to exact


def plan_and_lower(circuit: Circuit, options: PlanOptions) -> Plan:
    """Choose a construction and width for every level of the levelized `circuit` (see the
    module docstring) and lower it. CircuitError when superposed mode cannot meet the target."""
    if options.mode not in MODES:
        raise ValueError(f"mode '{options.mode}' is not one of {', '.join(MODES)}")
    if options.construction not in CONSTRUCTIONS:
        raise ValueError(f"construction '{options.construction}' is not one of "
                         f"{', '.join(CONSTRUCTIONS)}")
    if options.input_dim is not None and options.mode == "exact":
        raise ValueError("--input-dim stores inputs in superposition: use --mode superposed or auto")
    plan = Plan(options)
    n_in = len(circuit.inputs)
    if options.mode == "exact":
        plan.embed = sp.eye_array(n_in, dtype=np.float32, format="csr")
        plan.levels = [{"level": l, "construction": "exact"} for l in _levels(circuit)]
        plan.lowered = lower(circuit, _identity(n_in), _builder(plan, circuit, None))
        return plan

    plan.embed, input_readoff = _embedding(n_in, options)
    check = _Validator(circuit, options, plan.embed)
    chosen: dict[int, tuple[str, int]] = {}
    for level in _levels(circuit):
        row = _choose(plan, circuit, check, input_readoff, chosen, level)
        plan.levels.append(row)
    plan.lowered = _lower(plan, circuit, input_readoff, chosen, check)
    plan.validation = check.run(plan.lowered)
    plan.threshold = plan.validation.pop("threshold")
    if not plan.validation["ok"]:
        why = (f"the whole network misses the target on {check.n} validation samples "
               f"({plan.validation['bit_errors']} bit errors, margin "
               f"{plan.validation['margin']:+.3f})")
        if options.mode == "superposed":
            raise CircuitError(_diagnostic(circuit, f"cannot compile in superposition: {why}; "
                                           "use --mode auto or exact"))
        fallback = plan_and_lower(circuit, replace(options, mode="exact", input_dim=None))
        fallback.fallback = why + "; used the exact lowering"
        return fallback
    return plan


def _diagnostic(circuit: Circuit, message: str) -> Diagnostic:
    return Diagnostic(message, circuit.graph.graph.get(K.G_SOURCE, {}).get("path", circuit.name))


def _levels(circuit: Circuit) -> range:
    return range(1, len(level_wires(circuit)))


def _identity(n: int) -> Affine:
    return Affine(sp.eye_array(n, dtype=np.float32, format="csr"), np.zeros(n, np.float32))


def _embedding(n_in: int, options: PlanOptions):
    if options.input_dim is None:
        return sp.eye_array(n_in, dtype=np.float32, format="csr"), _identity(n_in)
    phi = build_embedding(n_in, options.input_dim, seed=options.seed)
    readoff = compose_with_embedding(sp.eye_array(n_in, format="csr"), phi, read="pinv")
    return phi, Affine(readoff, np.zeros(n_in, np.float32))


def _choose(plan: Plan, circuit: Circuit, check: _Validator, input_readoff: Affine,
            chosen: dict[int, tuple[str, int]], level: int) -> dict:
    """Pick the construction and width of one level; records the choice in `chosen`."""
    options = plan.options
    exact_width = _exact_width(circuit, level)
    row = {"level": level, "exact_width": exact_width}
    if exact_width == 0:
        return row | {"construction": "exact", "why": "no monomials"}
    name = options.construction
    limit = exact_width if options.mode == "auto" else MAX_WIDTH_FACTOR * exact_width
    candidates = [options.width] if options.width else _widths(exact_width, limit, name)
    if not candidates:
        return row | {"construction": "exact",
                      "why": f"{exact_width} monomials: too few for superposition to save neurons"}
    tried: list[dict] = []

    def attempt(width: int) -> dict:
        chosen[level] = (name, width)
        result = check.run(_lower(plan, circuit, input_readoff, chosen, check), level)
        tried.append({"width": width, "bit_errors": result["bit_errors"],
                      "margin": result["level_margin"]})
        return result

    failed = 0
    for width in candidates:
        if not attempt(width)["ok"]:
            failed = width
            continue
        best = width
        for _ in range(REFINE_STEPS if failed and not options.width else 0):
            middle = (failed + best) // 2  # bisect between the last failure and this success
            if attempt(middle)["ok"]:
                best = middle
            else:
                failed = middle
        chosen[level] = (name, best)
        return row | {"construction": name, "width": best, "tried": tried,
                      "margin": next(t["margin"] for t in tried if t["width"] == best)}
    chosen.pop(level, None)
    why = (f"no {name} width in {candidates[0]}..{candidates[-1]} met the target (zero bit errors,"
           f" margin >= {options.margin}) on {check.n} validation samples")
    if options.mode == "superposed":
        raise CircuitError(_diagnostic(circuit, f"cannot lower level {level} in superposition: "
                                       f"{why}; use --mode auto (exact where superposition does "
                                       "not pay) or exact"))
    return row | {"construction": "exact", "tried": tried, "why": why}


def _widths(exact_width: int, limit: int, name: str) -> list[int]:
    """Candidate widths, smallest first: doubling from a floor up to `limit` (exclusive in auto
    mode, where only widths below the exact one are worth it)."""
    floor = 2 * CLAMPED_HOSTS if name == "clamped" else 16
    widths, w = [], max(floor, exact_width // 64)
    while w < limit:
        widths.append(w)
        w *= 2
    if limit > exact_width:  # superposed mode: end at the limit itself
        widths.append(limit)
    return widths


def _exact_width(circuit: Circuit, level: int) -> int:
    monomials = set()
    for gate in level_wires(circuit)[level]:
        for _, ids in circuit.graph.nodes[gate][K.POLY]:
            if ids:
                monomials.add(tuple(sorted(ids)))
    return len(monomials)


def _lower(plan: Plan, circuit: Circuit, input_readoff: Affine, chosen: dict,
           check: _Validator) -> Lowered:
    """Lower with the levels chosen so far (the rest exact), and correction layers if asked."""
    width = plan.options.correct_width

    def correct(level: int, n_wires: int) -> GateLayer | None:
        if not width or chosen.get(level, ("exact",))[0] == "exact":
            return None
        return build_correction(n_wires, width, seed=plan.options.seed + 7919 * level,
                                wire_samples=check.stored[level][:4000], level=level)

    return lower(circuit, input_readoff, _builder(plan, circuit, chosen, check), correct)


def _builder(plan: Plan, circuit: Circuit, chosen: dict | None, check: _Validator | None = None):
    seed = plan.options.seed

    def build(spec: LevelSpec) -> GateLayer:
        name, width = (chosen or {}).get(spec.level, ("exact", None))
        if name == "exact" or not spec.monomials:
            return via_monomials(build_exact(spec.monomials, spec.n_wires), spec)
        wires = check.stored[spec.level - 1]  # bool [n, n_wires] on the validation sample
        if name == "uand":
            c = max(1, min(UAND_HOSTS, width // 4))
            layer = build_uand(spec.monomials, spec.n_wires, width, c=c, seed=seed + spec.level,
                               activity=np.clip(wires.mean(0), 1e-6, 1.0), mode="auto")
            built = via_monomials(layer, spec)
            built.info = {"construction": "uand", "width": width, "c": c, "placement": layer.mode}
            return built
        built = build_clamped(spec, width, c=CLAMPED_HOSTS, seed=seed + spec.level,
                              wire_samples=wires[: min(len(wires), 4000)])
        built.info = {**built.info, "construction": "clamped", "width": width}
        return built

    return build


class _Validator:
    """Runs proposed networks on a fixed seeded validation sample against exact simulation."""

    def __init__(self, circuit: Circuit, options: PlanOptions, embed):
        self.circuit, self.margin, self.embed = circuit, options.margin, embed
        self.x = D.sample(circuit, options.samples, seed=options.seed + 1)
        self.n = len(self.x)
        schedule = Schedule.of(circuit)
        values = schedule.run(pack(self.x))
        self.expected = unpack(values[schedule.outputs], self.n)
        self.stored = []
        for wires in level_wires(circuit):
            rows = np.array([schedule.rows[w] for w in wires], dtype=np.int64)
            flip = np.array([bool(circuit.graph.nodes[w].get(K.COMPLEMENTED)) for w in wires])
            self.stored.append(unpack(values[rows], self.n) ^ flip)

    def run(self, lowered: Lowered, level: int | None = None) -> dict:
        """Bit errors of the whole network, the margin of `level`'s read-off (or of every level),
        and the decode thresholds of the outputs; in batches, so wide levels fit in memory."""
        levels = [level] if level is not None else range(1, len(lowered.readoffs))
        stats = {lv: LevelStats() for lv in levels}
        outputs, errors_at_half = LevelStats(), 0
        for start in range(0, self.n, BATCH):
            batch = slice(start, start + BATCH)
            h = self.x[batch].astype(np.float32) @ self.embed
            hs = [np.asarray(h.toarray() if sp.issparse(h) else h, dtype=np.float32)]
            for layer in lowered.layers:
                hs.append(np.maximum(layer(hs[-1]), 0.0))
            for lv in levels:
                stats[lv].add(lowered.readoffs[lv](hs[lowered.level_layers[lv]]),
                              self.stored[lv][batch])
            y, expected = lowered.readout(hs[-1]), self.expected[batch]
            outputs.add(y, expected)
            errors_at_half += int(((y > 0.5) != expected).sum())
        threshold, errors = _threshold(outputs, errors_at_half)
        margins = [stats[lv].result()["margin"] for lv in levels]
        margin = min((m for m in margins if m is not None), default=math.inf)
        return {"ok": errors == 0 and margin >= self.margin, "bit_errors": errors,
                "level_margin": margin, "margin": margin, "samples": self.n,
                "threshold": np.full(self.expected.shape[1], threshold, dtype=np.float32)}


def _threshold(outputs: LevelStats, errors_at_half: int) -> tuple[float, int]:
    """One decode threshold for all outputs and the bit errors it leaves: 0.5 when that
    separates the sample, else the midpoint of the largest false and smallest true output when
    they are apart (superposed read-offs keep a class bias), else 0.5 and its errors."""
    lo, hi = outputs.max_false, outputs.min_true
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo < 0.5 < hi or lo >= hi:
        return 0.5, errors_at_half
    return (lo + hi) / 2, 0
