"""The plan: which construction lowers each level transition, with what width, checked by measurement.

Modes
- exact: one ReLU per monomial at every level (`exact.py`): zero error on every input.
- superposed: every level in superposition (`uand.py`: monomials shared by random neurons, or
  `clamped.py`: clamped threshold units), at the smallest width that meets the target on a seeded
  validation sample; a level that no width up to `MAX_WIDTH_FACTOR` x its exact width can meet is
  refused with the reason (CircuitError), never lowered wrongly.
- auto: per level, superposed when a width below the exact one meets the target, else exact, and
  the report says why.

The target is measured, not assumed: a proposal passes when, on `samples` validation inputs drawn
from the declared distribution with seed `seed + 1` (so `circuitc eval`, seed 0 by default,
checks on other inputs), the level's read-off margin (smallest true read-off minus largest false
one, earlier levels as already chosen) is at least `margin` (in superposed mode, below the top
level, at least INNER_MARGIN = 0.3: superposed layers will read it), and, in auto mode, every
output bit is right with the levels above exact (auto mode may keep them exact; superposed mode
will not, so there the margin decides and the final check below covers the whole network).
Outputs read from a superposed level get one decode threshold, the midpoint of that margin on the
validation sample.
The finished network is validated once more as a whole on fresh inputs (seed `seed + 2`): the
search keeps the smallest width that passed its sample, which favours widths that were lucky on
it. Where the fresh check fails, every superposed level is widened by 1.25 (up to 3 times,
reported per level as `widened_from`); if it still misses the target, auto mode falls back to the
exact lowering (reported) and superposed mode refuses.

`--width N` fixes the width of every superposed level instead of searching ("auto"); a fixed
width is held only to `margin` and the check of the whole network, not to INNER_MARGIN.
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
from circuitc.lowering.lower import (Lowered, compose, level_specs, lower, readout,
                                     stored_values)
from circuitc.lowering.residual import alias_of, lower_residual
from circuitc.lowering.uand import build_uand
from circuitc.network import Affine

MODES = ("exact", "superposed", "auto")
CONSTRUCTIONS = ("uand", "clamped")
MAX_WIDTH_FACTOR = 16  # superposed mode searches widths up to this times the exact width
UAND_HOSTS = 64  # neurons per monomial (c): best measured at m = 1000 (docs/uand.md)
CLAMPED_HOSTS = 12  # clamped pairs per unit (docs/deep.md)
REFINE_STEPS = 3  # bisection steps after the doubling search finds a passing width
INNER_MARGIN = 0.3  # superposed mode: read-off margin of a level that other levels read
WIDEN_STEPS, WIDEN_FACTOR = 3, 1.25  # widenings when the finished network fails fresh inputs
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
    architecture: str = "auto"  # exact mode: mlp | residual | auto (residual when buffers)


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
    architecture: str = "mlp"  # of the lowered network: mlp or residual


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
    levels = level_specs(circuit)
    n_in = len(circuit.inputs)
    if options.mode == "exact":
        plan.levels = [{"level": spec.level, "construction": "exact"} for spec in levels[1]]
        # auto: the residual stream when the chain would spend neurons on buffers carrying
        # wires across levels (the stream carries them for free), else the plain chain
        if options.architecture == "residual" or (options.architecture == "auto" and any(
                alias_of(circuit, gate) is not None for gate in circuit.gates())):
            plan.embed, plan.lowered = lower_residual(circuit)
            plan.architecture = "residual"
            return plan
        plan.embed = sp.eye_array(n_in, dtype=np.float32, format="csr")
        plan.lowered = lower(circuit, _identity(n_in), _exact, levels=levels)
        plan.architecture = "mlp"
        return plan

    plan.embed, input_readoff = _embedding(n_in, options)
    search = _Search(circuit, options, plan.embed, input_readoff, levels)
    plan.levels = [search.choose(spec) for spec in levels[1]]
    # The widths were picked as the smallest that pass the validation sample, which favours
    # widths that were lucky on it: the whole network is checked on fresh inputs, and widened
    # where that check fails.
    holdout = _Sample.draw(circuit, search.wires, options.samples, options.seed + 2)
    for attempt in range(WIDEN_STEPS + 1):
        plan.lowered = lower(circuit, input_readoff, search.build, search.correct, levels=levels)
        plan.threshold = search.run(plan.lowered, search.sample)["threshold"]
        plan.validation = search.run(plan.lowered, holdout, plan.threshold)
        if plan.validation["ok"] or attempt == WIDEN_STEPS or not search.widen(plan.levels):
            break
    plan.validation.pop("threshold")
    if not plan.validation["ok"]:
        why = (f"the whole network misses the target on {search.n} fresh samples "
               f"({plan.validation['bit_errors']} bit errors at its decode threshold, margin "
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


def _identity(n: int) -> Affine:
    return Affine(sp.eye_array(n, dtype=np.float32, format="csr"), np.zeros(n, np.float32))


def _exact(spec: LevelSpec) -> GateLayer:
    return via_monomials(build_exact(spec.monomials, spec.n_wires), spec)


def _embedding(n_in: int, options: PlanOptions):
    if options.input_dim is None:
        return sp.eye_array(n_in, dtype=np.float32, format="csr"), _identity(n_in)
    phi = build_embedding(n_in, options.input_dim, seed=options.seed)
    readoff = compose_with_embedding(sp.eye_array(n_in, format="csr"), phi, read="pinv")
    return phi, Affine(readoff, np.zeros(n_in, np.float32))


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


@dataclass
class _Sample:
    """Seeded inputs of the declared distribution with their exact outputs and every level's
    stored wire values (bool [n, wires]), simulated once, in forward-pass batches."""

    x: np.ndarray
    expected: np.ndarray
    stored: list[np.ndarray]
    batches: list[slice]

    @classmethod
    def draw(cls, circuit: Circuit, wires: list[list[str]], n: int, seed: int) -> "_Sample":
        x = D.sample(circuit, n, seed=seed)
        expected, stored = stored_values(circuit, wires, x)
        return cls(x, expected, stored, [slice(i, i + BATCH) for i in range(0, len(x), BATCH)])


class _Search:
    """The level-by-level search, on one seeded validation sample simulated exactly once.

    Levels are decided in order, so the layers below the level being tried are final: their
    activations on the sample (`prefix`, sparse batches) and the read-off of the last decided
    level are kept, and a proposal costs one layer (plus its correction) before its own read-off
    margin is known. Only a proposal that passes that is run through the rest of the network
    (exact above it) to count output bit errors. Built layers are memoized, so the final
    `lower` rebuilds nothing.
    """

    def __init__(self, circuit: Circuit, options: PlanOptions, embed, input_readoff: Affine,
                 levels: tuple[list[list[str]], list[LevelSpec]]):
        self.circuit, self.options, self.embed = circuit, options, embed
        self.wires, self.specs = levels
        self.sample = _Sample.draw(circuit, self.wires, options.samples, options.seed + 1)
        self.n = len(self.sample.x)
        self.chosen: dict[int, tuple[str, int]] = {}
        self._layers: dict[tuple, GateLayer] = {}
        self.prefix = [sp.csr_array(_dense(self.sample.x[b].astype(np.float32) @ embed))
                       for b in self.sample.batches]
        self.prefix_readoff = input_readoff

    # ---- the layers (memoized: the same proposal is never built twice) ------------------------
    def build(self, spec: LevelSpec) -> GateLayer:
        name, width = self.chosen.get(spec.level, ("exact", None))
        key = (spec.level, name, width)
        if key not in self._layers:
            self._layers[key] = self._build(spec, name, width)
        return self._layers[key]

    def _build(self, spec: LevelSpec, name: str, width: int | None) -> GateLayer:
        seed = self.options.seed + spec.level
        if name == "exact" or not spec.monomials:
            return _exact(spec)
        wires = self.sample.stored[spec.level - 1]  # bool [n, n_wires] on the validation sample
        if name == "uand":
            c = max(1, min(UAND_HOSTS, width // 4))
            layer = build_uand(spec.monomials, spec.n_wires, width, c=c, seed=seed,
                               activity=np.clip(wires.mean(0), 1e-6, 1.0), mode="auto")
            built = via_monomials(layer, spec)
            built.info = {"construction": "uand", "width": width, "c": c, "placement": layer.mode}
            return built
        built = build_clamped(spec, width, c=CLAMPED_HOSTS, seed=seed, wire_samples=wires[:4000])
        built.info = {**built.info, "construction": "clamped", "width": width}
        return built

    def correct(self, level: int, n_wires: int) -> GateLayer | None:
        """A correction layer after a superposed level when --correct-width asks for one."""
        width = self.options.correct_width
        if not width or self.chosen.get(level, ("exact",))[0] == "exact":
            return None
        key = (level, "correct", width)
        if key not in self._layers:
            self._layers[key] = build_correction(
                n_wires, width, seed=self.options.seed + 7919 * level,
                wire_samples=self.sample.stored[level][:4000], level=level)
        return self._layers[key]

    # ---- choosing a level ---------------------------------------------------------------------
    def choose(self, spec: LevelSpec) -> dict:
        """Decide one level (recorded in `chosen`, prefix advanced) and say what was tried."""
        options, level = self.options, spec.level
        exact_width = len(spec.monomials)
        row = {"level": level, "exact_width": exact_width}
        name = options.construction
        limit = exact_width if options.mode == "auto" else MAX_WIDTH_FACTOR * exact_width
        candidates = [options.width] if options.width else _widths(exact_width, limit, name)
        if exact_width == 0 or not candidates:
            self._advance(spec)
            return row | {"construction": "exact", "why": "no monomials" if not exact_width else
                          f"{exact_width} monomials: too few for superposition to save neurons"}
        tried: list[dict] = []
        failed, best = 0, None
        for width in candidates:
            if self._attempt(spec, name, width, tried):
                best = width
                break
            failed = width
        for _ in range(REFINE_STEPS if best and failed and not options.width else 0):
            middle = (failed + best) // 2  # bisect between the last failure and the success
            if self._attempt(spec, name, middle, tried):
                best = middle
            else:
                failed = middle
        if best is not None:
            self.chosen[level] = (name, best)
            self._advance(spec)
            return row | {"construction": name, "width": best, "tried": tried,
                          "margin": next(t["margin"] for t in tried if t["width"] == best)}
        self.chosen.pop(level, None)
        self._advance(spec)
        on = self.sample.stored[level - 1].sum(axis=1)  # activity: can superposition work here?
        why = (f"no {name} width in {candidates[0]}..{candidates[-1]} (the exact lowering: "
               f"{exact_width}) met the target (zero bit errors, margin >= {self._target(spec)}) "
               f"on {self.n} validation samples; the level reads {spec.n_wires} wires with "
               f"{on.mean():.1f} on on average (max {on.max()}): superposition needs few wires on "
               "at once, and wide levels (docs/deep.md)")
        if options.mode == "superposed":
            hint = ("--construction clamped (its layers remove the noise of the level below), "
                    if name == "uand" and level > 1 else
                    "a fixed --width N (only the whole network is then checked), "
                    if level > 1 and not options.width else "")
            raise CircuitError(_diagnostic(
                self.circuit, f"cannot lower level {level} in superposition: {why}; use {hint}"
                "--mode auto (exact where superposition does not pay) or exact"))
        return row | {"construction": "exact", "tried": tried, "why": why}

    def _attempt(self, spec: LevelSpec, name: str, width: int, tried: list[dict]) -> bool:
        self.chosen[spec.level] = (name, width)
        try:
            steps, readoff = self._compose(spec, self.prefix_readoff)
        except ValueError as error:  # the construction cannot be built at this width
            tried.append({"width": width, "error": str(error)})
            return False
        target, stats, h = self._target(spec), LevelStats(), []
        keep = self.options.mode == "auto"  # only auto mode runs the levels above on them
        for b, hb in zip(self.sample.batches, self.prefix):
            for layer in steps:
                hb = np.maximum(layer(_dense(hb)), 0.0)
            if keep:
                h.append(sp.csr_array(hb))
            stats.add(readoff(hb), self.sample.stored[spec.level][b])
            margin = stats.result()["margin"]
            margin = math.inf if margin is None else margin
            if margin < target:  # a margin only shrinks with more samples: stop early
                break
        result = {"width": width, "margin": margin}
        tried.append(result)
        if margin < target:
            return False
        if self.options.mode == "superposed":
            # The margin says one threshold decodes every wire of the level. The levels above
            # will be superposed too (each checked on this level's real read-off when chosen),
            # so running them exact here would test a network that is never built.
            return True
        result["bit_errors"] = self._output_errors(spec.level, h, readoff)
        return result["bit_errors"] == 0

    def _target(self, spec: LevelSpec) -> float:
        """The read-off margin a proposal must keep. In superposed mode the levels above read
        this one's read-off through superposed layers, so below the top level it must also be
        clean enough for them (a clamped pair tolerates a summed input error below 1/2 - h), or
        the search picks a level so narrow that no width of the next one can work. A width the
        user fixed is not searched: the check of the whole network decides."""
        inner = (self.options.mode == "superposed" and not self.options.width
                 and spec.level < len(self.specs))
        return max(self.options.margin, INNER_MARGIN) if inner else self.options.margin

    def _compose(self, spec: LevelSpec, readoff: Affine) -> tuple[list[Affine], Affine]:
        """The network layers of `spec`'s level as currently chosen (correction layer included)
        on top of the level below read off by `readoff`, and the level's own read-off."""
        steps = []
        for built in filter(None, (self.build(spec), self.correct(spec.level,
                                                                   len(self.wires[spec.level])))):
            layers: list[Affine] = []
            readoff = compose(readoff, built, layers)
            steps.append(layers[0])
        return steps, readoff

    def _level(self, spec: LevelSpec, h: list, readoff: Affine) -> tuple[list, Affine]:
        """Activations (sparse batches) and read-off of `spec`'s level as currently chosen,
        from those of the level below."""
        steps, readoff = self._compose(spec, readoff)
        for layer in steps:
            h = [sp.csr_array(np.maximum(layer(_dense(hb)), 0.0)) for hb in h]
        return h, readoff

    def _output_errors(self, level: int, h: list, readoff: Affine) -> int:
        """Output bit errors with the levels above `level` exact (their current choice)."""
        for spec in self.specs[level:]:
            h, readoff = self._level(spec, h, readoff)
        out = readout(self.circuit, self.wires, readoff)
        outputs, errors_at_half = LevelStats(), 0
        for b, hb in zip(self.sample.batches, h):
            y = out(_dense(hb))
            outputs.add(y, self.sample.expected[b])
            errors_at_half += int(((y > 0.5) != self.sample.expected[b]).sum())
        return _threshold(outputs, errors_at_half)[1]

    def _advance(self, spec: LevelSpec) -> None:
        self.prefix, self.prefix_readoff = self._level(spec, self.prefix, self.prefix_readoff)

    # ---- the whole network ----------------------------------------------------------------------
    def widen(self, rows: list[dict]) -> bool:
        """Every superposed level WIDEN_FACTOR times wider (a level that would reach its exact
        width in auto mode, or its limit in superposed mode, stays as it is); rows (the plan's)
        are updated. False when no level could be widened."""
        if self.options.width:  # the user fixed the width: report, do not change it
            return False
        widened = False
        auto = self.options.mode == "auto"
        for row, spec in zip(rows, self.specs):
            name, width = self.chosen.get(spec.level, ("exact", None))
            if name == "exact":
                continue
            new, exact_width = math.ceil(width * WIDEN_FACTOR), len(spec.monomials)
            if new >= exact_width if auto else new > MAX_WIDTH_FACTOR * exact_width:
                continue
            self.chosen[spec.level] = (name, new)
            row.update(width=new, widened_from=row.get("widened_from", width),
                       widened_because="errors on fresh inputs")
            row.pop("margin", None)  # measured at the old width
            widened = True
        return widened

    def run(self, lowered: Lowered, sample: _Sample, threshold: np.ndarray | None = None) -> dict:
        """Bit errors of the whole network on `sample` at the given decode thresholds of the
        outputs (None: choose them on this sample, see `_threshold`), the smallest margin of any
        level, and the thresholds; in batches, so wide levels fit in memory."""
        stats = [LevelStats() for _ in lowered.readoffs]
        outputs, errors_at = LevelStats(), 0
        cut = 0.5 if threshold is None else threshold
        for batch in sample.batches:
            h = _dense(sample.x[batch].astype(np.float32) @ self.embed)
            hs = [h]
            for layer in lowered.layers:
                hs.append(np.maximum(layer(hs[-1]), 0.0))
            for lv in range(1, len(lowered.readoffs)):
                stats[lv].add(lowered.readoffs[lv](hs[lowered.level_layers[lv]]),
                              sample.stored[lv][batch])
            y, expected = lowered.readout(hs[-1]), sample.expected[batch]
            outputs.add(y, expected)
            errors_at += int(((y > cut) != expected).sum())
        if threshold is None:
            threshold, errors = _threshold(outputs, errors_at)
            threshold = np.full(sample.expected.shape[1], threshold, dtype=np.float32)
        else:
            errors = errors_at
        margins = [m for m in (s.result()["margin"] for s in stats[1:]) if m is not None]
        margin = min(margins, default=math.inf)
        return {"ok": errors == 0 and margin >= self.options.margin, "bit_errors": errors,
                "margin": margin, "samples": len(sample.x), "threshold": threshold}


def _dense(h) -> np.ndarray:
    return np.asarray(h.toarray() if sp.issparse(h) else h, dtype=np.float32)


def _threshold(outputs: LevelStats, errors_at_half: int) -> tuple[float, int]:
    """One decode threshold for all outputs and the bit errors it leaves: 0.5 when that
    separates the sample, else the midpoint of the largest false and smallest true output when
    they are apart (superposed read-offs keep a class bias), else 0.5 and its errors."""
    lo, hi = outputs.max_false, outputs.min_true
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo < 0.5 < hi or lo >= hi:
        return 0.5, errors_at_half
    return (lo + hi) / 2, 0
