"""The whole compiler in one function: passes -> plan and lower -> assemble.

(Parsing and elaboration happen before, in `circuitc.parse_file`; writing after, in
`Network.save`.)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

import circuitc
from circuitc import distribution as D
from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.lowering.plan import Plan, PlanOptions, plan_and_lower
from circuitc.netfile import FORMAT_VERSION
from circuitc.network import Network
from circuitc.passes import PassOptions, PassReport, run_passes


@dataclass
class CompileOptions:
    """Everything that shapes the network; recorded in the file's meta."""

    mode: str = "exact"  # exact | superposed | auto (see circuitc.lowering.plan)
    seed: int = 0
    max_fanin: int = 2
    polarity: bool = True
    lut: int | None = None  # map into LUTs of this many inputs (2..8): fewer layers
    optimize: str | None = None  # choose the LUT size: balanced | depth | neurons | gates (no
    # LUTs); not with lut. None: balanced in auto mode, else gates (resolved on creation)
    distribution: str | None = None  # a spec overriding the circuit's declared distribution
    samples: int = 10_000  # samples for activity measurements and validation
    construction: str = "auto"  # the superposed construction: uand | clamped | auto
    width: int | None = None  # width of superposed levels (None: the smallest that validates)
    input_dim: int | None = None  # store the inputs in superposition in this many dimensions
    margin: float = 0.05  # validation: smallest read-off margin a superposed level must keep
    correct_width: int | None = None  # a correction layer of this width after superposed levels
    architecture: str = "auto"  # exact mode: mlp | residual | auto (the residual stream when
    # the chain would spend neurons on buffers carrying wires across levels)

    def __post_init__(self) -> None:
        # Auto mode is "the smallest network you can": lutchoice picks the LUT size with the
        # least ReLUs x layers (the gate level is a candidate, so never worse by that score).
        # Exact and superposed mode keep the circuit's own gates by default: each gate is a
        # hidden feature with its ground truth, what interpretability work wants (docs/lut.md).
        if self.optimize is None:
            self.optimize = "balanced" if self.mode == "auto" and self.lut is None else "gates"


def compile(circuit: Circuit, options: CompileOptions | None = None, *,
            show_progress: bool = False, max_memory: int | None = None, **kwargs) -> Network:
    """Compile `circuit` to a ReLU network. Keyword arguments set CompileOptions fields;
    show_progress draws bars for the passes, the width search and the checks on a terminal
    (stderr). `max_memory` (bytes): in auto mode, superposition is not tried when its estimate
    (`circuitc.memory.estimate_compile`) is above it; the exact lowering is built and the
    plan's `fallback` says why. (Refusing a compile that does not fit at all is the caller's:
    `circuitc.memory.check`.)"""
    options = options or CompileOptions(**kwargs)
    skipped = _superposition_over_budget(circuit, options, max_memory)
    groups = D.whole_circuit(circuit, options.distribution) if options.distribution else None
    source = Source.of(circuit)
    # Hand the graph on without keeping a reference: when the caller keeps none either (the
    # CLI), run_passes frees it after its first pass, one graph fewer at the memory peak.
    held = [circuit]
    del circuit
    compiled, report = run_passes(held.pop(), PassOptions(
        max_fanin=options.max_fanin, polarity=options.polarity, lut=options.lut,
        optimize=options.optimize, samples=options.samples, seed=options.seed,
        distribution=groups,
        # the residual stream reads every wire where it was written: no buffers to build
        carry=not (options.mode == "exact" and options.architecture in ("auto", "residual"))),
        show_progress=show_progress)
    if groups:
        compiled.distribution = groups  # eval samples what the network was compiled for
    target = Target.of(compiled)
    del compiled  # the plan packs the graph (`Circuit.pack`): only its JSON is kept
    plan = plan_and_lower(target.circuit, PlanOptions(
        mode="exact" if skipped else options.mode, construction=options.construction,
        width=options.width, input_dim=options.input_dim, samples=options.samples,
        seed=options.seed, margin=options.margin, correct_width=options.correct_width,
        architecture=options.architecture, show_progress=show_progress), pack=True)
    if skipped:
        plan.fallback = skipped + "; used the exact lowering"
    return assemble(source, target, plan, report, options)


def _superposition_over_budget(circuit: Circuit, options: CompileOptions,
                               max_memory: int | None) -> str | None:
    """Why auto mode does not try superposition within `max_memory`, or None when it does."""
    if options.mode != "auto" or max_memory is None:
        return None
    from circuitc.lowering.plan import construction_for
    from circuitc.memory import estimate_compile, size

    estimate = estimate_compile(circuit, "superposed",
                                construction_for(options.construction, circuit.depth),
                                options.samples)
    if estimate.total <= max_memory:
        return None
    return (f"superposition not tried: it would need {estimate.describe()}, more than "
            f"--max-memory {size(max_memory)}")


@dataclass
class Source:
    """What the network's meta records of the source circuit (the graph itself is not kept)."""

    name: str
    where: dict
    inputs: list[str]
    output_names: list[str]
    gates: int

    @classmethod
    def of(cls, circuit: Circuit) -> "Source":
        return cls(circuit.name, circuit.graph.graph.get(K.G_SOURCE, {}), list(circuit.inputs),
                   list(circuit.output_names), len(circuit.gates()))


@dataclass
class Target:
    """What the network's meta and file keep of the compiled circuit, read before the plan
    (which may pack its graph): the circuit, for its JSON, its logic gates and distribution."""

    circuit: Circuit
    gates: int
    distribution: str

    @classmethod
    def of(cls, compiled: Circuit) -> "Target":
        return cls(compiled, compiled.logic_gates(), D.describe(compiled))


def assemble(source: Source, target: Target, plan: Plan, report: PassReport,
             options: CompileOptions) -> Network:
    """Put the lowered layers, the read-offs and a self-describing meta into a Network."""
    lowered = plan.lowered
    meta = {
        "format": "circuitc-mlp",
        "format_version": FORMAT_VERSION,
        "architecture": plan.architecture,
        "circuitc_version": circuitc.__version__,
        "seed": options.seed,
        "options": asdict(options),
        "circuit_name": source.name,
        "source": source.where,
        "distribution": target.distribution,
        "inputs": list(source.inputs),
        "outputs": list(source.output_names),
        "layers": [{**info, "kind": info.get("kind", "compute"), "d_in": layer.shape[0],
                    "d_out": layer.shape[1]}
                   for info, layer in zip(lowered.layer_info, lowered.layers)],
        "levels": [{"level": level, "layer": lowered.level_layers[level], "wires": wires,
                    "complemented": complemented}
                   for level, (wires, complemented) in enumerate(zip(lowered.wires,
                                                                     lowered.complemented))],
        "gates": {"source": source.gates, "compiled": target.gates},
        "plan": {"levels": plan.levels, "validation": plan.validation,
                 "fallback": plan.fallback},
        "passes": report.to_dict(),
    }
    threshold = plan.threshold if plan.threshold is not None else \
        np.full(len(source.output_names), 0.5, dtype=np.float32)
    return Network(meta, target.circuit.to_json(), plan.embed, lowered.layers, lowered.readout,
                   threshold, lowered.readoffs)
