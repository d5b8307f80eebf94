"""The plan: which construction lowers each level transition, with what width, checked by measurement.

Modes
- exact: one ReLU per monomial at every level (`exact.py`): zero error on every input.
- superposed: every level in superposition (`uand.py`: monomials shared by random neurons, or
  `clamped.py`: clamped threshold units), at the smallest width that meets the target on a seeded
  validation sample; a level that no width below its exact width (U-AND: one neuron per monomial
  is the exact lowering, a wider U-AND cannot pay) or up to `MAX_WIDTH_FACTOR` x it (clamped) can
  meet is refused with the reason and the margins measured per width (CircuitError), never
  lowered wrongly.
- auto: per level, superposed when a width below the exact one meets the target, else exact, and
  the report says why.

The target is measured, not assumed: a proposal passes when, on `samples` validation inputs drawn
from the declared distribution with seed `seed + 1` (so `circuitc eval`, seed 0 by default,
checks on other inputs), the level's read-off margin (smallest true read-off minus largest false
one, earlier levels as already chosen) is at least `margin` (in superposed mode, below the top
level, at least INNER_MARGIN = 0.3: superposed layers will read it), and, in auto mode, every
output bit is right with the levels above exact (auto mode may keep them exact; superposed mode
will not, so there the margin decides and the final check below covers the whole network).
The searched top level of superposed mode (its read-offs are the decoded outputs) is also held
to the acceptance rule (`acceptance.py`): the per-sample worst false and true read-offs, their
tails fitted and extrapolated, must predict a risk of at most ACCEPT_RISK that the `samples`
inputs eval draws contain a bit error.
When that level is the paper's U-AND (one level of ANDs of two inputs each, read from the raw
inputs, at most 3 of which are on, sparse(k) or atmost(k), every output one of the ANDs:
`_Search._certifiable`), its
risk is not extrapolated from samples but counted over every input (`pair_risk.py`: the expected
bit errors per input, a read-off within margin / 2 of the threshold counting as wrong, exact for
the ANDs with one or two wires on and bounded for those with none): the search runs no samples
for it, the threshold is the one with the fewest expected errors, each pair gets width /
CERTIFIED_SHARE hosts (at least UAND_HOSTS), and the fresh check confirms the network as built.
The width search doubles from a floor (16 ReLUs; 24 for clamped) until a width passes on the first
SEARCH_BATCHES batch of the sample (a failing width usually fails on its first block, so narrow
tries are cheap), bisects geometrically between the last failure and that pass to within 5 %, and
confirms the result on the whole sample, widening it by 1.1 until it passes there: it searches
below the first passing width, never stopping at it (a tail-judged top level skips that
confirmation: the fresh check below is its confirmation, on more samples). Tried widths' layers
are dropped as the search moves on.
Outputs read from a superposed level get one decode threshold, `acceptance.best_threshold` of
the outputs' per-sample extremes on the search sample (from the search's own statistics when the
outputs are the top wires, else one batch of it run through the network).
The finished network is validated once more as a whole on fresh inputs (seed `seed + 2`,
`holdout_size`: HOLDOUT_FACTOR times `samples`, more than eval draws): the search keeps the
smallest width that passed its sample, which favours widths that were lucky on it. The fresh
check needs zero bit errors, every level's margin at least `margin`, and the acceptance rule at
the chosen threshold (its verdict, with the predicted risk, is the plan's validation["risk"];
with a fixed --width it is reported, not enforced). Where it fails, every superposed level is
widened by 1.25 (up to 3 times, within the search's limit, reported per level as
`widened_from`; the threshold is chosen again); if it still misses the target, auto mode falls
back to the exact lowering (reported) and superposed mode refuses.
Memory: the samples' exact values are kept as on-entries (`circuitc.onbits`) and every product
streams in sample batches and column blocks (`circuitc.evaluate.measure`), so nothing of size
samples x wires or neurons x monomials is ever dense. Past the level specs the search and the
checks read the circuit through its `Outline` and simulation `Schedule` only: with pack=True the
graph is packed (`Circuit.pack`) meanwhile (the U-AND of m = 2000: ~6 GB of networkx objects).

Clamped levels in superposed mode (`--construction clamped`, or "auto" on circuits deeper than two
gate levels: `construction_for`) are searched differently (`_Search.choose_uniform`): one width for
every level, each candidate judged by the whole network on the search sample (zero bit errors,
every level's margin at least CLAMPED_SEARCH_STEPS host steps of 1 / CLAMPED_HOSTS), since a level
chosen narrow on its own margin can leave the next no width that reads it cleanly. Their units
are signed (clamped.py section 6). Their fresh check draws HOLDOUT_FACTOR x samples (more than
`circuitc eval` draws) and needs every level's margin at least CLAMPED_FRESH_STEPS host steps:
clamped bit errors are rare coincidences of spurious hosts, so a check that merely passes one
eval-sized sample is passed by networks eval then fails (issue 11); the validation reports the
confidence its sample gives. A clamped top level's outputs are decoded at the middle of the gap
the search sample measured (`acceptance.middle_threshold`), and the fresh check needs their
extremes at least CLAMPED_FRESH_STEPS / 2 host steps from it on either side ("room"), in place
of the tails' fit: a bit then flips only on a sample with more coinciding spurious hosts on one
wire than any the planner saw (the fit, which assumes a continuous tail, had put a threshold one
host step below a false read-off eval then met: docs/deep.md, session 10).
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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from circuitc import distribution as D
from circuitc import keys as K
from circuitc.errors import CircuitError, Diagnostic
from circuitc.evaluate import LevelStats, Measured, measure, output_columns, readout_gather
from circuitc.graph import Circuit
from circuitc.lowering.acceptance import RISK, best_threshold, judge, middle_threshold
from circuitc.lowering.clamped import build_clamped
from circuitc.lowering.construction import GateLayer, LevelSpec, via_monomials
from circuitc.lowering.correction import build_correction
from circuitc.lowering.embedding import build_embedding, compose_with_embedding
from circuitc.lowering.exact import build_exact_gates
from circuitc.lowering.lower import Lowered, Outline, compose, level_specs, lower, readout
from circuitc.lowering.pair_risk import PairRisk, hopeless, pair_risk
from circuitc.lowering.residual import alias_of, lower_residual
from circuitc.lowering.uand import UAndLayer, build_uand
from circuitc.network import Affine, affines
from circuitc.onbits import Truth, sample_truth
from circuitc.progress import progress
from circuitc.simulate import Schedule

MODES = ("exact", "superposed", "auto")
CONSTRUCTIONS = ("uand", "clamped", "auto")  # auto: see `construction_for`
MAX_WIDTH_FACTOR = 16  # superposed clamped levels: widths up to this times the exact width
# (a U-AND layer at or above the exact width cannot pay: one neuron per monomial is exact)
UAND_HOSTS = 64  # neurons per monomial (c): best measured at m = 1000 (docs/uand.md)
# A layer judged by its exact risk (`pair_risk`) gets c = width / CERTIFIED_SHARE hosts per pair,
# i.e. p = sqrt(c / d) = 1/3 of the neurons read each wire: the read-off gap 1 - p against the
# noise ~ 1 / sqrt(p d) is widest there, (1 - p) sqrt(p) at its maximum (docs/uand.md, session 4);
# but never fewer than UAND_HOSTS (up to width / 4): with few hosts a read-off moves in coarse
# steps of 1 / c (a U-AND of 12 wires at width 264 has margin 0.025 with c = 29, 0.05 with 64)
CERTIFIED_SHARE = 9
CLAMPED_HOSTS = 12  # clamped pairs per unit (docs/deep.md)
# Clamped acceptance (docs/deep.md section 5): a clamped read-off moves in steps of one host,
# 1 / CLAMPED_HOSTS; a width passes the search when every level's margin spans CLAMPED_SEARCH_STEPS
# host steps on the search sample, and the fresh check (HOLDOUT_FACTOR x samples, more than
# eval draws) when every level keeps CLAMPED_FRESH_STEPS, so a sample the planner never saw must
# put more coinciding spurious hosts on one wire than either sample did before a bit flips.
CLAMPED_SEARCH_STEPS, CLAMPED_FRESH_STEPS = 3, 2
REFINE_TOL, REFINE_STEPS = 1.05, 8  # geometric bisection until pass/fail are within 5%
SEARCH_BATCHES = 1  # forward batches (of BATCH samples) that judge a width during the search;
# the width found is then confirmed on the whole sample (and widened until it passes there)
CONFIRM_STEPS, CONFIRM_FACTOR = 6, 1.1
INNER_MARGIN = 0.3  # superposed mode: read-off margin of a level that other levels read
WIDEN_STEPS, WIDEN_FACTOR = 3, 1.25  # widenings when the finished network fails fresh inputs
# (clamped levels widen by CONFIRM_FACTOR, the step their search confirms with: at 2000
# wires a level 1.25x wider than the one that failed was 1.14x wider than one that passes)
BATCH = 2048  # validation samples per forward pass
HOLDOUT_FACTOR = 1.5  # the fresh check draws this times `samples` (what eval draws by default)
ACCEPT_RISK = RISK  # the largest predicted probability of a bit error in eval's draws
HOPELESS_RISK = 1.01  # a part of the pairs expecting this many bit errors in eval's draws shows
# a searched width's counted risk is 1, min(1, draws x errors), whatever the full count adds
# (above 1, not at it: a full count summed in another order must not round to just below 1)


@dataclass
class PlanOptions:
    mode: str = "exact"
    construction: str = "auto"  # uand | clamped | auto (`construction_for`)
    width: int | None = None  # None: search
    input_dim: int | None = None
    samples: int = 10_000
    seed: int = 0
    margin: float = 0.05
    correct_width: int | None = None  # a correction layer after each superposed level
    architecture: str = "auto"  # exact mode: mlp | residual | auto (residual when buffers)
    show_progress: bool = False  # bars for the width search and the checks (terminal only)


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


def plan_and_lower(circuit: Circuit, options: PlanOptions, pack: bool = False) -> Plan:
    """Choose a construction and width for every level of the levelized `circuit` (see the
    module docstring) and lower it. CircuitError when superposed mode cannot meet the target.
    pack: the caller keeps nothing of the circuit but its JSON; a superposed or auto plan packs
    it (`Circuit.pack`) once it has read the level specs, the outline and the schedule, and
    leaves it packed (unpacked again when auto mode falls back to the exact lowering)."""
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
        plan.levels = [{"level": level, "construction": "exact"}
                       for level in range(1, 1 + max((circuit.graph.nodes[g][K.LEVEL]
                                                      for g in circuit.gates()), default=0))]
        # auto: the residual stream when the chain would spend neurons on buffers carrying
        # wires across levels (the stream carries them for free), else the plain chain
        if options.architecture == "residual" or (options.architecture == "auto" and (
                not _chained(circuit) or
                any(alias_of(circuit, gate) is not None for gate in circuit.gates()))):
            plan.embed, plan.lowered = lower_residual(circuit)
            plan.architecture = "residual"
            return plan
        plan.embed = sp.eye_array(n_in, dtype=np.float32, format="csr")
        plan.lowered = lower(circuit, _identity(n_in), _exact)
        plan.architecture = "mlp"
        return plan

    levels = level_specs(circuit)
    options = replace(options, construction=construction_for(options.construction,
                                                             len(levels[1])))
    plan.options = options
    plan.embed, input_readoff = _embedding(n_in, options)
    search = _Search.of(circuit, options, plan.embed, input_readoff, levels)
    if pack:
        circuit.pack()
    outline = search.outline
    clamped = options.construction == "clamped"
    if clamped and not options.width and options.mode == "superposed":
        plan.levels = search.choose_uniform(input_readoff)
    else:
        with progress(len(levels[1]), "width search", unit="level",
                      enabled=options.show_progress) as bar:
            plan.levels = []
            for spec in levels[1]:
                plan.levels.append(search.choose(spec))
                bar.update()
    # The widths were picked as the smallest that pass the validation sample, which favours
    # widths that were lucky on it: the whole network is checked on fresh inputs, and widened
    # where that check fails: on more samples than eval draws (clamped errors are rare
    # coincidences, U-AND's are judged by their extrapolated tails), or as many when the risk
    # is counted exactly (nothing is extrapolated: the check confirms the network as built).
    certified = search.certified()
    holdout = _Sample.draw(outline, search.schedule, search.wires,
                           options.samples if certified else holdout_size(options.samples),
                           options.seed + 2)
    for attempt in range(WIDEN_STEPS + 1):
        plan.lowered = lower(outline, input_readoff, search.build, search.correct, levels=levels)
        plan.threshold = search.threshold(plan.lowered)
        plan.validation = search.run(plan.lowered, holdout, plan.threshold)
        if plan.validation["ok"] or attempt == WIDEN_STEPS or not search.widen(plan.levels):
            break
    _drop_copies(plan.lowered)
    n_fresh = plan.validation["samples"]
    plan.validation["confidence"] = (
        f"zero bit errors on {n_fresh} fresh samples: the rate of samples with an error is "
        f"below {3 / n_fresh:.1e} at 95% confidence" if plan.validation["ok"] else None)
    if not plan.validation["ok"]:
        v = plan.validation
        why = (f"the whole network misses the target on {v['samples']} fresh samples "
               f"({v['bit_errors']} bit errors at its decode threshold, margin "
               f"{v['margin']:+.3f}"
               + (f", outputs within {v['room']:.3f} of the threshold" if "room" in v else "")
               + f", predicted risk of a bit error in {v['risk']['draws']} "
               f"more samples {v['risk']['risk']:.2g}, limit {v['risk']['risk_limit']})")
        if options.mode == "superposed":
            raise CircuitError(_diagnostic(outline, f"cannot compile in superposition: {why}; "
                                           "use --mode auto or exact"))
        del search, holdout, plan  # what the exact lowering does not need
        circuit.unpack()
        fallback = plan_and_lower(circuit, replace(options, mode="exact", input_dim=None))
        fallback.fallback = why + "; used the exact lowering"
        return fallback
    return plan


def _drop_copies(lowered: Lowered) -> None:
    """Let the checks' cached copies of the weights go (a dense copy, a transpose): the caller
    writes the network next, and whoever runs it makes them again."""
    for affine in [*lowered.layers, *lowered.readoffs, lowered.readout]:
        for part in affines(affine):
            part._W_dense = part._T = None


def construction_for(name: str, depth: int) -> str:
    """The construction of superposed levels: `name`, or for "auto" clamped when the circuit
    has more than two gate levels (`depth`; U-AND's errors compound from level to level, clamped
    layers remove them: docs/deep.md section 1) and U-AND otherwise (one or two levels of ANDs:
    the paper's task, where U-AND packs far more per neuron: docs/uand.md)."""
    if name != "auto":
        return name
    return "clamped" if depth > 2 else "uand"


def _chained(circuit: Circuit) -> bool:
    """Whether every gate reads only the level just before its own and every output is driven
    from the last level (a chain of layers needs no buffer; levelize with carry=False leaves
    the others as they are)."""
    graph = circuit.graph.nodes
    gates = circuit.gates()
    last = max((graph[g][K.LEVEL] for g in gates), default=0)
    for gate in gates:
        below = graph[gate][K.LEVEL] - 1
        if any(graph[o][K.LEVEL] != below for o in circuit.operands(gate)
               if circuit.op(o) not in K.CONST_OPS):
            return False
    return all(circuit.op(d) in K.CONST_OPS or graph[d][K.LEVEL] == last
               for d in map(circuit.driver, circuit.outputs))


def _diagnostic(outline: Outline, message: str) -> Diagnostic:
    return Diagnostic(message, outline.path)


def _identity(n: int) -> Affine:
    return Affine(sp.eye_array(n, dtype=np.float32, format="csr"), np.zeros(n, np.float32))


def _exact(spec: LevelSpec) -> GateLayer:
    return build_exact_gates(spec)


def _embedding(n_in: int, options: PlanOptions):
    if options.input_dim is None:
        return sp.eye_array(n_in, dtype=np.float32, format="csr"), _identity(n_in)
    phi = build_embedding(n_in, options.input_dim, seed=options.seed)
    readoff = compose_with_embedding(sp.eye_array(n_in, format="csr"), phi, read="pinv")
    return phi, Affine(readoff, np.zeros(n_in, np.float32))


def _on_counts(outline: Outline | Circuit) -> dict[int, float] | None:
    """{s: P(s wires on)} when the declared distribution is sparse(k) (exactly k on) or
    atmost(k) (0..k on, equally likely) over all the inputs, the on wires a uniform subset."""
    groups = outline.distribution or []
    if len(groups) != 1 or len(groups[0]["inputs"]) != len(outline.inputs):
        return None
    kind, k = groups[0].get("kind"), groups[0].get("k")
    if kind == "sparse":
        return {int(k): 1.0}
    if kind == "atmost":
        return {j: 1 / (int(k) + 1) for j in range(int(k) + 1)}
    return None


def _exactly_on(outline: Outline) -> int | None:
    """k when the declared distribution is sparse(k) over all the inputs (exactly k on)."""
    on = _on_counts(outline)
    return next(iter(on)) if on is not None and outline.distribution[0]["kind"] == "sparse" \
        else None


def _gates(layer, spec: LevelSpec) -> GateLayer:
    """`via_monomials`, without the product R = A P when every gate is one monomial with
    coefficient 1 (U-AND: P permutes the columns): R is A with its column indices renamed and
    sorted in place, no sparse product and no copy (nnz(A) = hosts x monomials is the largest
    array there is). Takes the layer's A over: the layer must not be used after."""
    gate_of = _gate_of(spec)
    if gate_of is None:
        return via_monomials(layer, spec)
    A = sp.csr_array(layer.A, copy=False)
    renamed, block = gate_of.astype(A.indices.dtype), 1 << 22
    for lo in range(0, A.nnz, block):  # in blocks: a gather converts the indices to int64
        A.indices[lo:lo + block] = renamed[A.indices[lo:lo + block]]
    A.has_sorted_indices = False
    A.sort_indices()
    r = np.empty(len(gate_of), dtype=np.float32)
    r[gate_of] = layer.a0
    return GateLayer(layer.W, layer.b, A, r, dict(getattr(layer, "info", {})))


def _gate_of(spec: LevelSpec) -> np.ndarray | None:
    """gate_of[t], the gate monomial t is, when every gate is one monomial with coefficient 1
    (P permutes the monomials into gate order), else None."""
    P = spec.P
    if not (P.shape[0] == P.shape[1] == P.nnz and not spec.p0.any() and np.all(P.data == 1)
            and np.array_equal(P.indptr, np.arange(P.shape[0] + 1))):
        return None
    gate_of = P.indices.astype(np.int64)
    return gate_of if np.array_equal(np.sort(gate_of), np.arange(len(gate_of))) else None


def uand_hosts(width: int, certified: bool) -> int:
    """Hosts per pair (c) of a U-AND layer `width` ReLUs wide: UAND_HOSTS (at most width / 4),
    or width / CERTIFIED_SHARE, at least that, when its risk is counted (`_Search._certifiable`:
    see CERTIFIED_SHARE)."""
    return max(1, min(UAND_HOSTS, width // 4), round(width / CERTIFIED_SHARE) if certified else 0)


def counted(circuit: Circuit) -> bool:
    """Whether a superposed U-AND of `circuit` (parsed or after the passes) will likely be
    judged by its counted risk (`_Search._certifiable`, which decides on the levelized
    circuit): one level of gates of two operands each, on inputs of which at most 3 are on
    (sparse(k) or atmost(k), k <= 3). For estimates made before the passes (circuitc.memory)."""
    on = _on_counts(circuit)
    if on is None or max(on) > 3:
        return False
    levels = circuit.levels()
    return len(levels) == 1 and all(len(circuit.operands(g)) == 2 for g in levels[0])


def _floor(name: str) -> int:
    """The narrowest width the search tries."""
    return 2 * CLAMPED_HOSTS if name == "clamped" else 16


@dataclass
class _Sample:
    """Seeded inputs of the declared distribution with their exact outputs and every level's
    stored wire values as on-entries (`circuitc.onbits`), simulated once; forward-pass batches."""

    x: np.ndarray
    truth: Truth
    batches: list[slice]

    @classmethod
    def draw(cls, outline: Outline, schedule: Schedule, wires: list[list[str]], n: int,
             seed: int) -> "_Sample":
        x = D.sample(outline, n, seed=seed)
        return cls(x, sample_truth(None, wires, x, outline.stored(wires), schedule=schedule),
                   [slice(i, i + BATCH) for i in range(0, len(x), BATCH)])

    def activity(self, level: int) -> np.ndarray:
        """Fraction of samples each wire of `level` is on (stored value)."""
        stored = self.truth.stored[level]
        return np.bincount(stored.indices, minlength=stored.shape[1]) / max(1, stored.shape[0])

    def on_counts(self, level: int) -> np.ndarray:
        """Wires of `level` on, per sample."""
        return np.diff(self.truth.stored[level].indptr)

    def head(self, n: int) -> "_Sample":
        """The first n samples (the same draws, so their truth is a slice)."""
        rows = slice(0, min(n, len(self.x)))
        truth = Truth(self.truth.expected[rows], [s[rows] for s in self.truth.stored])
        return _Sample(self.x[rows], truth, [b for b in self.batches if b.stop <= rows.stop]
                       or [rows])

    def wire_rows(self, level: int, rows: int) -> sp.csr_array:
        """`level`'s stored wire values on the first `rows` samples, CSR of the ones (for
        constructions that calibrate on a few thousand samples)."""
        return self.truth.stored[level][:rows]


class _Search:
    """The level-by-level search, on one seeded validation sample simulated exactly once.

    Levels are decided in order, so the layers below the level being tried are final: their
    activations on the sample (`prefix`, sparse batches) and the read-off of the last decided
    level are kept, and a proposal costs one layer (plus its correction) before its own read-off
    margin is known. Only a proposal that passes that is run through the rest of the network
    (exact above it) to count output bit errors. Built layers are memoized, so the final
    `lower` rebuilds nothing, but for a level judged by its counted risk (`pair_risk`): its
    tries keep their certificates only, and `lower` builds the chosen width's layer again.
    """

    def __init__(self, outline: Outline, schedule: Schedule, options: PlanOptions, embed,
                 input_readoff: Affine, levels: tuple[list[list[str]], list[LevelSpec]]):
        self.outline, self.schedule, self.options, self.embed = outline, schedule, options, embed
        self.wires, self.specs = levels
        self.sample = _Sample.draw(outline, schedule, self.wires, options.samples,
                                   options.seed + 1)
        self.n = len(self.sample.x)
        self.chosen: dict[int, tuple[str, int]] = {}
        self._layers: dict[tuple, GateLayer] = {}
        self._stats: dict[tuple, LevelStats] = {}  # (level, name, width) -> per-sample stats of
        # the tail-judged tries that passed (the threshold is chosen on them)
        self._passed: dict[int, tuple[str, int]] = {}  # per level: the last width that passed
        self._on = self._certifiable()  # {s: P(s)} when the top level's risk is counted
        self._certs: dict[tuple, PairRisk] = {}  # (level, name, width) -> the exact risk
        self._best: dict[tuple, float] = {}  # (level, name, width) -> its best threshold
        self._hopeless: set[tuple] = set()  # (level, name, width) with a counted risk of 1
        self._ran: tuple | None = None  # ((level, name, width), activations, read-off) of the
        # last try that passed on the whole sample
        self.prefix = [sp.csr_array(_dense(self.sample.x[b].astype(np.float32) @ embed))
                       for b in self.sample.batches]
        self.prefix_readoff = input_readoff

    @classmethod
    def of(cls, circuit: Circuit, options: PlanOptions, embed, input_readoff: Affine,
           levels: tuple[list[list[str]], list[LevelSpec]]) -> "_Search":
        """The search of `circuit`, which it reads no more (its outline and schedule)."""
        return cls(Outline.of(circuit), Schedule.of(circuit), options, embed, input_readoff,
                   levels)

    # ---- the layers (memoized: the same proposal is never built twice) ------------------------
    def build(self, spec: LevelSpec) -> GateLayer:
        name, width = self.chosen.get(spec.level, ("exact", None))
        key = (spec.level, name, width)
        if key not in self._layers:
            self._layers[key] = self._build(spec, name, width)
        return self._layers[key]

    def _build(self, spec: LevelSpec, name: str, width: int | None) -> GateLayer:
        if name == "exact" or not spec.monomials:
            return _exact(spec)
        if name == "uand":
            layer, c = self._uand(spec, width)
            self._count(spec, width, layer)
            built = _gates(layer, spec)
            built.info = {"construction": "uand", "width": width, "c": c, "placement": layer.mode}
            return built
        # calibrated on the wires this layer reads, on the validation sample
        built = build_clamped(spec, width, c=CLAMPED_HOSTS, seed=self.options.seed + spec.level,
                              wire_samples=self.sample.wire_rows(spec.level - 1, 4000),
                              signed=True)
        built.info = {**built.info, "construction": "clamped", "width": width}
        return built

    def _counted(self, spec: LevelSpec) -> bool:
        """Whether a U-AND layer of `spec` has its risk counted exactly (`pair_risk`): the level
        of the paper's U-AND on sparse raw inputs (`_certifiable`)."""
        return self._on is not None and spec.level == 1

    def _uand(self, spec: LevelSpec, width: int) -> tuple[UAndLayer, int]:
        """The U-AND layer of `spec` at `width` (`build_uand`) and its hosts per monomial."""
        level = spec.level - 1
        c = uand_hosts(width, self._counted(spec))
        # calibrated on the declared distribution when the layer reads the inputs and they
        # are exactly k on (sparse(k)), else on the wires' measured activities
        on = _exactly_on(self.outline) if level == 0 and self.options.input_dim is None \
            else None
        layer = build_uand(spec.monomials, spec.n_wires, width, c=c,
                           seed=self.options.seed + spec.level,
                           activity=None if on is not None else
                           np.clip(self.sample.activity(level), 1e-6, 1.0), s=on, mode="auto")
        return layer, c

    def _count(self, spec: LevelSpec, width: int, layer: UAndLayer) -> None:
        """Record the counted risk of the U-AND `layer` of `spec` at `width` (when its risk is
        counted, `_counted`, and not yet recorded): its certificate (`_certs`), or, for a
        searched width whose risk a part of its pairs already puts at 1 (a bit error expected in
        eval's draws at any threshold; the search starts at 16 ReLUs, and up to 512 at m = 1000
        are that), the mark `_hopeless` without counting every pair: the same verdict, risk 1,
        for 1/16 of the count (pair_risk.hopeless)."""
        key = (spec.level, "uand", width)
        if not self._counted(spec) or key in self._certs or key in self._hopeless:
            return
        pairs = np.array(spec.monomials)
        if self._tail_judged(spec) and hopeless(
                layer.W, layer.b, layer.A, layer.a0, pairs, spec.n_wires, self._on,
                self.options.margin / 2, HOPELESS_RISK / self.options.samples):
            self._hopeless.add(key)
            return
        certificate = pair_risk(layer.W, layer.b, layer.A, layer.a0, pairs, spec.n_wires,
                                self._on)
        if certificate is not None:
            self._certs[key] = certificate

    def correct(self, level: int, n_wires: int) -> GateLayer | None:
        """A correction layer after a superposed level when --correct-width asks for one."""
        width = self.options.correct_width
        if not width or self.chosen.get(level, ("exact",))[0] == "exact":
            return None
        key = (level, "correct", width)
        if key not in self._layers:
            self._layers[key] = build_correction(
                n_wires, width, seed=self.options.seed + 7919 * level,
                wire_samples=self.sample.wire_rows(level, 4000), level=level)
        return self._layers[key]

    # ---- choosing a level ---------------------------------------------------------------------
    def choose(self, spec: LevelSpec) -> dict:
        """Decide one level (recorded in `chosen`, prefix advanced) and say what was tried."""
        options, level = self.options, spec.level
        exact_width = len(spec.monomials)
        row = {"level": level, "exact_width": exact_width}
        name = options.construction
        limit = self._limit(name, exact_width)
        floor = _floor(name)
        if exact_width == 0 or (not options.width and floor > limit):
            self._advance(spec)
            return row | {"construction": "exact", "why": "no monomials" if not exact_width else
                          f"{exact_width} monomials: too few for superposition to save neurons"}
        tried: list[dict] = []
        if options.width:
            best = options.width if self._attempt(spec, name, options.width, tried) else None
            candidates = [options.width]
        else:
            best = self._search(spec, name, floor, limit, tried)
            candidates = [floor, limit]
        self._forget(level, (name, best))
        if best is not None:
            self.chosen[level] = (name, best)
            self._advance(spec)
            return row | {"construction": name, "width": best, "tried": tried,
                          "margin": next(t.get("margin") for t in reversed(tried)
                                          if t["width"] == best)}
        self.chosen.pop(level, None)
        self._advance(spec)
        on = self.sample.on_counts(level - 1)  # activity: can superposition work here?
        measured = ", ".join(f"{t['width']}: " + (f"{t['margin']:+.3f}" if "margin" in t else
                                                   "exact" if t.get("certified") else
                                                   "not built") +
                             (f" (risk {t['risk']:.2g})" if "risk" in t else "")
                             for t in tried[-12:])
        rule = (f"margin >= {self._target(spec)}" + (
            f" and a predicted risk of a bit error in {options.samples} fresh samples <= "
            f"{ACCEPT_RISK}" if self._tail_judged(spec) else ""))
        why = (f"no {name} width in {candidates[0]}..{candidates[-1]} (the exact lowering: "
               f"{exact_width}) met the target (zero bit errors, {rule}) on the validation "
               f"samples (width: margin measured: {measured}); the level reads {spec.n_wires} "
               f"wires with "
               f"{on.mean():.1f} on on average (max {on.max()}): superposition needs few wires on "
               "at once, and wide levels (docs/deep.md)")
        if options.mode == "superposed":
            hint = ("--construction clamped (its layers remove the noise of the level below), "
                    if name == "uand" and level > 1 else
                    "a fixed --width N (only the whole network is then checked), "
                    if level > 1 and not options.width else "")
            raise CircuitError(_diagnostic(
                self.outline, f"cannot lower level {level} in superposition: {why}; use {hint}"
                "--mode auto (exact where superposition does not pay) or exact"))
        return row | {"construction": "exact", "tried": tried, "why": why}

    def choose_uniform(self, input_readoff: Affine) -> list[dict]:
        """Clamped, superposed, width searched: one width for every level with monomials (the
        levels of a sparse layered circuit are alike, and a level chosen narrow on its own
        margin can leave the next one no width that reads it cleanly). A width passes when the
        whole network has zero bit errors on the search sample and every level's margin is at
        least CLAMPED_SEARCH_STEPS / CLAMPED_HOSTS; doubling from half the widest level's exact
        width, judged on the first batch, geometric bisection to REFINE_TOL, then confirmation on
        the whole sample (widening by CONFIRM_FACTOR). CircuitError when no width up to
        MAX_WIDTH_FACTOR x the widest exact width passes."""
        specs = [spec for spec in self.specs if spec.monomials]
        widest = max((len(spec.monomials) for spec in specs), default=0)
        target = CLAMPED_SEARCH_STEPS / CLAMPED_HOSTS
        head = self.sample.head(BATCH)
        tried: list[dict] = []

        def attempt(width: int, sample: "_Sample") -> bool:
            for spec in specs:
                self.chosen[spec.level] = ("clamped", width)
                self._forget(spec.level, ("clamped", width))
            try:
                lowered = lower(self.outline, input_readoff, self.build, self.correct,
                                levels=(self.wires, self.specs))
            except ValueError as error:
                tried.append({"width": width, "error": str(error)})
                return False
            result = self.judge_once(lowered, sample)
            tried.append({"width": width} | result)
            return result["samples_with_errors"] == 0 and result["margin"] >= target

        # the search starts at half the widest exact width: narrower tries failed everywhere up
        # to 32,000 wires per level, but at 64,000 the width found is 0.53 of it
        # (docs/deep.md), so it goes below the start when the start already passes
        floor, limit = _floor("clamped"), MAX_WIDTH_FACTOR * widest
        start = max(floor, widest // 2)
        with progress(2 * REFINE_STEPS + CONFIRM_STEPS, "width search", unit="try",
                      enabled=self.options.show_progress) as bar:
            best = _smallest_passing(
                lambda width, whole: attempt(width, self.sample if whole else head),
                floor, limit, confirm=True, tick=bar.update, start=start) if specs else None
        if specs and best is None:
            on = self.sample.on_counts(0)
            raise CircuitError(_diagnostic(
                self.outline, f"cannot lower in superposition: no clamped width in "
                f"{start}..{limit} (the widest level's exact lowering: {widest}) gave zero bit "
                f"errors and margins >= {target:.3f} on every level of {self.n} validation "
                f"samples (the inputs have {on.mean():.1f} on on average, max {on.max()}); "
                "use --mode auto or exact"))
        rows = []
        for spec in self.specs:
            row = {"level": spec.level, "exact_width": len(spec.monomials)}
            if spec.monomials:
                rows.append(row | {"construction": "clamped", "width": best, "tried": tried,
                                   "margin": tried[-1].get("margin")})
            else:
                self.chosen.pop(spec.level, None)
                rows.append(row | {"construction": "exact", "why": "no monomials"})
        return rows

    def _forget(self, level: int, *keep: tuple) -> None:
        """Drop the layers built for `level` and their counted risks but those `keep` lists:
        each holds arrays with entries ~ hosts x monomials, and a search tries a dozen widths."""
        tried = {*self._layers, *self._certs, *self._best, *self._hopeless}
        for key in [k for k in tried if k[0] == level and k[1:] not in keep]:
            self._layers.pop(key, None)
            self._certs.pop(key, None)
            self._best.pop(key, None)
            self._hopeless.discard(key)

    def _search(self, spec: LevelSpec, name: str, floor: int, limit: int,
                tried: list[dict]) -> int | None:
        """The smallest width in floor..limit that passes `_attempt` (`_smallest_passing`: the
        search's first SEARCH_BATCHES batches, then the whole sample), or None."""
        confirm = not (len(self.sample.batches) <= SEARCH_BATCHES or self._tail_judged(spec))
        # (a tail-judged top level is confirmed by the fresh check on the holdout instead)
        return _smallest_passing(
            lambda width, whole: self._attempt(spec, name, width, tried,
                                               None if whole else SEARCH_BATCHES),
            floor, limit, confirm)

    def _attempt(self, spec: LevelSpec, name: str, width: int, tried: list[dict],
                 batches: int | None = None) -> bool:
        """Does `width` meet the level's target on the first `batches` batches (all: None)?
        Layers built for the level's earlier tries are dropped, but for the last that passed."""
        self._forget(spec.level, (name, width), self._passed.get(spec.level))
        self.chosen[spec.level] = (name, width)
        key, target, tail = (spec.level, name, width), self._target(spec), self._tail_judged(spec)
        try:
            if tail and name == "uand" and self._counted(spec):
                # judged by its counted risk: only the layer's connections are needed, not its
                # read-off by gates (`_gates`, the largest array of the compile: 400 MB at
                # m = 1000), which `lower` builds once for the width chosen (a layer whose form
                # pair_risk does not count gets no certificate: it is composed and sampled below)
                self._count(spec, width, self._uand(spec, width)[0])
            if not (tail and (key in self._hopeless or key in self._certs)):
                steps, readoff = self._compose(spec, self.prefix_readoff)
        except ValueError as error:  # the construction cannot be built at this width
            tried.append({"width": width, "error": str(error)})
            return False
        if tail and key in self._hopeless:  # a risk of 1, counted
            tried.append({"width": width, "risk": 1.0, "certified": True})
            return False
        if tail and key in self._certs:  # the exact risk: no sample to run
            verdict = self._certified(key)
            tried.append({"width": width, "risk": verdict["risk"], "certified": True})
            if not verdict["ok"]:
                return False
            self._passed[spec.level] = (name, width)
            return True
        used = self.sample.batches[:batches]
        stats = LevelStats(used[-1].stop if tail else None)
        stored, margin, h = self.sample.truth.stored[spec.level], math.inf, []
        for b, hb in zip(used, self.prefix):
            for layer in steps:
                hb = layer.relu(hb, sparse=True)
            h.append(sp.csr_array(hb))  # the level's activations: `_advance` starts from them
            truth = stored[b]
            for lo, hi in readoff.column_blocks(hb.shape[0]):
                stats.add(readoff.columns(hb, lo, hi), truth[:, lo:hi], b.start)
                margin = stats.result()["margin"]
                margin = math.inf if margin is None else margin
                if margin < target:  # a margin only shrinks with more samples: stop early
                    break
            if margin < target:
                break
        result = {"width": width, "margin": margin, "samples": min(self.n, used[-1].stop)}
        tried.append(result)
        if margin < target:
            return False
        if tail:  # the outputs: will one threshold decode samples the search never saw?
            verdict = judge(stats.worst_false, stats.worst_true, draws=self.options.samples,
                            risk=ACCEPT_RISK)
            result["risk"] = verdict["risk"]
            if not verdict["ok"]:
                return False
            self._stats[(spec.level, name, width)] = stats
        self._passed[spec.level] = (name, width)
        if len(h) == len(self.sample.batches):  # the whole sample ran: `_advance` reuses it
            self._ran = ((spec.level, name, width), h, readoff)
        if self.options.mode == "superposed":
            # The margin says one threshold decodes every wire of the level. The levels above
            # will be superposed too (each checked on this level's real read-off when chosen),
            # so running them exact here would test a network that is never built.
            return True
        result["bit_errors"] = self._output_errors(spec.level, h, readoff)
        return result["bit_errors"] == 0

    def _certifiable(self) -> dict[int, float] | None:
        """{s: P(s wires on)} when the outputs can be judged exactly (`pair_risk`) instead of
        by sampled tails: one level of ANDs of two inputs each (the paper's U-AND), read from
        the raw inputs (no --input-dim, no correction layer), of which at most 3 are on
        (sparse(k) or atmost(k), k <= 3), and every output one of those ANDs."""
        if len(self.specs) != 1 or self.options.input_dim is not None or \
                self.options.correct_width:
            return None
        on, spec = _on_counts(self.outline), self.specs[0]
        if on is None or max(on) > 3 or not spec.monomials or _gate_of(spec) is None or \
                any(len(t) != 2 for t in spec.monomials) or \
                len(self.wires[0]) != len(self.outline.inputs):
            return None
        top, complemented = set(self.wires[-1]), self.outline.complemented
        if any(d not in top or d in complemented for d in self.outline.drivers):
            return None
        return on

    def _certified(self, key: tuple, threshold: float | None = None) -> dict:
        """The exact verdict on the certified layer `key` at `threshold` (None: the one with the
        fewest expected errors, memoized): the expected bit errors in the samples eval draws
        (read-offs within margin / 2 of the threshold count as errors) against ACCEPT_RISK."""
        certificate, eps = self._certs[key], self.options.margin / 2
        if threshold is None:
            if key not in self._best:
                self._best[key] = certificate.best_threshold(eps)[0]
            threshold = self._best[key]
        by_class = certificate.errors_by_class(threshold, eps)
        risk = min(1.0, self.options.samples * sum(by_class))
        return {"ok": risk <= ACCEPT_RISK, "threshold": threshold, "draws": self.options.samples,
                "risk": risk, "risk_limit": ACCEPT_RISK, "method": "exact",
                "errors_per_sample": dict(zip(("none_on", "one_on", "both_on"), by_class)),
                "within": eps}

    def _tail_judged(self, spec: LevelSpec) -> bool:
        """Whether a proposal for `spec` is held to the acceptance rule
        (`circuitc.lowering.acceptance`): the searched top level of superposed and auto mode,
        whose read-offs are the decoded outputs. (Auto mode too: held to the margin alone, its
        search picked widths the fresh check's rule then refused, and every level fell back to
        exact: U-AND of M = 200 got 19,900 ReLUs where superposed mode finds about 1,650.)"""
        return (self.options.mode in ("superposed", "auto") and not self.options.width
                and spec.level == len(self.specs))

    def _limit(self, name: str, exact_width: int) -> int:
        """The widest width worth searching: below the exact one in auto mode and for U-AND (a
        U-AND layer as wide as its monomials cannot pay: one neuron each is exact), up to
        MAX_WIDTH_FACTOR times it for clamped levels in superposed mode (they need several
        ReLUs a gate to be cleaner than the level below)."""
        if self.options.mode == "auto" or name == "uand":
            return exact_width - 1
        return MAX_WIDTH_FACTOR * exact_width

    def _target(self, spec: LevelSpec) -> float:
        """The read-off margin a proposal must keep. In superposed mode the levels above read
        this one's read-off through superposed layers, so below the top level it must also be
        clean enough for them (a clamped pair tolerates a summed input error below 1/2 - h), or
        the search picks a level so narrow that no width of the next one can work. A width the
        user fixed is not searched: the check of the whole network decides. (The searched top
        level is also held to the acceptance rule, see `_tail_judged`.)"""
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
            h = [sp.csr_array(layer.relu(hb, sparse=True)) for hb in h]
        return h, readoff

    def _output_errors(self, level: int, h: list, readoff: Affine) -> int:
        """Output bit errors with the levels above `level` exact (their current choice)."""
        for spec in self.specs[level:]:
            h, readoff = self._level(spec, h, readoff)
        out = readout(self.outline, self.wires, readoff)
        outputs, errors_at_half = LevelStats(), 0
        expected = self.sample.truth.expected
        for b, hb in zip(self.sample.batches, h):
            for lo, hi in out.column_blocks(hb.shape[0]):
                y, want = out.columns(hb, lo, hi), expected[b][:, lo:hi]
                outputs.add(y, want)
                errors_at_half += int(((y > 0.5) != want.toarray()).sum())
        lo, hi = outputs.max_false, outputs.min_true  # one threshold separates them: no errors
        return 0 if np.isfinite(lo) and np.isfinite(hi) and lo < hi else errors_at_half

    def _advance(self, spec: LevelSpec) -> None:
        """Move the prefix (the validation sample's activations and read-off) above `spec`'s
        level as chosen, reusing what the level's last passing try on the whole sample ran."""
        key, h, readoff = self._ran or (None, None, None)
        self._ran = None
        if key == (spec.level, *self.chosen.get(spec.level, ("exact", None))):
            self.prefix, self.prefix_readoff = h, readoff
        else:
            self.prefix, self.prefix_readoff = self._level(spec, self.prefix, self.prefix_readoff)

    # ---- the whole network ----------------------------------------------------------------------
    def widen(self, rows: list[dict]) -> bool:
        """Every superposed level WIDEN_FACTOR (clamped: CONFIRM_FACTOR) times wider (a level
        that would reach its exact width in auto mode, or its limit in superposed mode, stays as
        it is); rows (the plan's) are updated. False when no level could be widened."""
        if self.options.width:  # the user fixed the width: report, do not change it
            return False
        widened = False
        for row, spec in zip(rows, self.specs):
            name, width = self.chosen.get(spec.level, ("exact", None))
            if name == "exact":
                continue
            new = math.ceil(width * (CONFIRM_FACTOR if name == "clamped" else WIDEN_FACTOR))
            if new > self._limit(name, len(spec.monomials)):
                continue
            self.chosen[spec.level] = (name, new)
            self._forget(spec.level, (name, new))
            row.update(width=new, widened_from=row.get("widened_from", width),
                       widened_because="errors on fresh inputs")
            row.pop("margin", None)  # measured at the old width
            widened = True
        return widened

    def certified(self) -> bool:
        """Whether the top level as chosen is judged by its exact risk (`pair_risk`)."""
        return self._top_key() in self._certs

    def _top_key(self) -> tuple | None:
        """(level, construction, width) of the top level as chosen."""
        top = self.specs[-1] if self.specs else None
        return top and (top.level, *self.chosen.get(top.level, ("exact", None)))

    def threshold(self, lowered: Lowered) -> np.ndarray:
        """The outputs' decode threshold: `acceptance.best_threshold` of the outputs' per-sample
        extremes on the search sample, never on the sample that judges it. When the outputs are
        exactly the top level's wires (the read-out is its read-off) and the search kept that
        level's per-sample statistics at its final width, they are the outputs' and nothing is
        re-run; otherwise (other circuits, or the width changed since: a widening) the network
        runs on the first batch of the search sample. A top level certified by its exact risk
        (`pair_risk`) takes the threshold with the fewest expected errors instead, when that
        meets the limit (a width the user fixed may not: the count of the ANDs with no wire on
        is a bound, loose on small layers, and its minimum can then sit off the real gap)."""
        key = self._top_key()
        read = lowered.readoffs[-1]
        n_out = lowered.readout.shape[1]
        shared = (lowered.readout.shares(read) and np.array_equal(lowered.readout.b, read.b)
                  and not self.options.correct_width)
        counted = self._certified(key) if key in self._certs else None
        if counted is not None and counted["ok"]:
            return np.full(n_out, counted["threshold"], dtype=np.float32)
        stats = self._stats.get(key) if shared else None
        if stats is None:
            part = self.sample.head(BATCH)
            stats = measure(self.embed, lowered.layers, lowered.readoffs, lowered.level_layers,
                            lowered.readout, part.x, part.truth, 0.5, batch=BATCH,
                            per_sample=True).outputs
        return np.full(n_out, self._cut(stats.worst_false, stats.worst_true), dtype=np.float32)

    def _cut(self, worst_false: np.ndarray, worst_true: np.ndarray) -> float:
        """The decode threshold from the outputs' per-sample extremes: `best_threshold` (the
        tails' fit), or the middle of the gap (`middle_threshold`) when the top level is clamped:
        its read-offs move in host steps, and a fit of their tail put the threshold of a
        500-wire, 4-level circuit 0.01 above the largest false read-off the planner saw, where
        eval's samples crossed it by one more spurious host."""
        cut = middle_threshold if self._clamped_top() else best_threshold
        return cut(worst_false, worst_true)

    def _clamped_top(self) -> bool:
        """Whether the top level as chosen is clamped."""
        key = self._top_key()
        return key is not None and key[1] == "clamped"

    def judge_once(self, lowered: Lowered, sample: _Sample) -> dict:
        """What `threshold` and then `run` say of a whole network on `sample` (the search
        sample or its first batch), from one forward pass instead of two: the decode threshold
        is `best_threshold` of the first batch's per-sample output extremes, as `threshold` picks
        it, and a sample has a bit error at that threshold exactly when its worst false output
        reads above it or its worst true one at or below it. Returns the samples with an error,
        the smallest margin of any level and the number of samples."""
        m = self._check(lowered, sample, 0.5)  # any threshold: only the extremes are used
        worst_false, worst_true, head = m.outputs.worst_false, m.outputs.worst_true, slice(BATCH)
        cut = np.float32(self._cut(worst_false[head], worst_true[head]))  # as run decodes
        wrong = int(np.sum((worst_false > cut) | (worst_true <= cut)))
        return {"margin": _smallest_margin(m), "samples_with_errors": wrong,
                "samples": len(sample.x)}

    def run(self, lowered: Lowered, sample: _Sample, threshold: np.ndarray) -> dict:
        """Bit errors of the whole network on `sample` at the given decode thresholds of the
        outputs, the smallest margin of any level, and the acceptance rule's verdict
        (`circuitc.lowering.acceptance.judge`: the predicted risk of a bit error on the
        samples eval draws); streamed (`circuitc.evaluate.measure`). The rule binds a searched
        width; with a width the user fixed it is reported, not enforced."""
        m = self._check(lowered, sample, threshold)
        errors = int(m.errors.sum())
        margin = _smallest_margin(m)
        theta = float(threshold[0]) if len(threshold) else 0.5
        key = self._top_key()
        if key in self._certs:  # exact: the samples only check the network as built
            verdict = self._certified(key, theta) | {"samples": len(sample.x)}
        else:
            verdict = judge(m.outputs.worst_false, m.outputs.worst_true,
                            draws=self.options.samples, threshold=theta, risk=ACCEPT_RISK)
        verdict.pop("threshold")
        # clamped read-offs move in host steps: every level keeps CLAMPED_FRESH_STEPS of them,
        # and the outputs half of them on each side of the threshold
        clamped = self.options.construction == "clamped" or self._clamped_top()
        need = CLAMPED_FRESH_STEPS / CLAMPED_HOSTS if clamped else self.options.margin
        room = min(theta - m.outputs.max_false, m.outputs.min_true - theta)  # nearer side
        # A clamped network is held to host steps instead of the tails' fit (reported): a fit
        # of a continuous tail says nothing of one more spurious host, and it approved a
        # threshold that eval's samples crossed (`_cut`)
        judged = room >= need / 2 if clamped else verdict["ok"]
        ok = errors == 0 and margin >= need and (judged or bool(self.options.width))
        report = {"ok": ok, "bit_errors": errors, "margin": margin, "samples": len(sample.x),
                  "risk": verdict}
        return report | ({"room": float(room)} if clamped and np.isfinite(room) else {})

    def _check(self, lowered: Lowered, sample: _Sample, threshold) -> Measured:
        """The whole network run on `sample` (streamed, `circuitc.evaluate.measure`), the
        outputs decoded at `threshold`, with each sample's worst output read-offs kept."""
        return measure(self.embed, lowered.layers, lowered.readoffs, lowered.level_layers,
                       lowered.readout, sample.x, sample.truth, threshold, batch=BATCH,
                       label="check", show_progress=self.options.show_progress,
                       per_sample=True, gather=self._gather(lowered))

    def _gather(self, lowered: Lowered) -> np.ndarray | None:
        """The read-out as the top read-off's columns in output order, when it is that
        (`circuitc.evaluate.readout_gather`): the check then makes one product for both."""
        if not lowered.readoffs:
            return None
        source = output_columns(self.outline.drivers, lowered.wires[-1],
                                lowered.complemented[-1])
        return readout_gather(lowered.readout, lowered.readoffs[-1], source)


def _smallest_passing(passes: Callable[[int, bool], bool], floor: int, limit: int,
                      confirm: bool, tick: Callable[[], Any] = lambda: None,
                      start: int | None = None) -> int | None:
    """The smallest width in floor..limit that `passes(width, whole)` accepts, to within
    REFINE_TOL: doubling from `start` (default: the floor) until a width passes on the search's
    first batches (whole False: a failing width usually fails on its first block, so narrow
    tries are cheap), or halving from it towards the floor until one fails when `start` itself
    passes, geometric bisection between the last failure and the last pass, then (with
    `confirm`) the whole sample (whole True), widening by CONFIRM_FACTOR until it passes there.
    None when no width up to the limit passes. `tick` is called before every try (a progress
    bar)."""
    failed, best, width = 0, None, floor if start is None else start
    while best is None:
        tick()
        if passes(width, False):
            best = width
        elif width >= limit:
            return None
        else:
            failed, width = width, min(limit, 2 * width)
    while not failed and best > floor:  # the start passed: the smallest width is below it
        tick()
        width = max(floor, best // 2)
        if passes(width, False):
            best = width
        else:
            failed = width
    for _ in range(REFINE_STEPS):
        if not failed or best <= REFINE_TOL * failed or best - failed <= 1:
            break
        tick()
        middle = min(best - 1, max(failed + 1, round(math.sqrt(failed * best))))
        if passes(middle, False):
            best = middle
        else:
            failed = middle
    if not confirm:
        return best
    for _ in range(CONFIRM_STEPS):
        tick()
        if passes(best, True):
            return best
        if best >= limit:
            return None
        best = min(limit, math.ceil(best * CONFIRM_FACTOR))
    return None


def _smallest_margin(m: Measured) -> float:
    """The smallest read-off margin of any level above the inputs (inf when none has one)."""
    margins = [r for r in (s.result()["margin"] for s in m.levels[1:]) if r is not None]
    return min(margins, default=math.inf)


def holdout_size(samples: int) -> int:
    """Samples of the fresh check: HOLDOUT_FACTOR times `samples`, what eval draws by default,
    so the acceptance rule extrapolates its tails from more samples than eval will draw."""
    return math.ceil(HOLDOUT_FACTOR * samples)


def _dense(h) -> np.ndarray:
    return np.asarray(h.toarray() if sp.issparse(h) else h, dtype=np.float32)
