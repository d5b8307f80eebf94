"""The whole compiler in one function: passes -> plan -> lower -> assemble.

(Parsing and elaboration happen before, in `circuitc.parse_file`; writing after, in
`Network.save`.)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp

import circuitc
from circuitc import distribution as D
from circuitc import keys as K
from circuitc.graph import Circuit
from circuitc.lowering.lower import Lowered, lower
from circuitc.lowering.plan import Plan, plan_levels
from circuitc.network import Affine, Network
from circuitc.passes import PassOptions, PassReport, run_passes


@dataclass
class CompileOptions:
    """Everything that shapes the network; recorded in the file's meta."""

    mode: str = "exact"
    seed: int = 0
    max_fanin: int = 2
    polarity: bool = True
    distribution: str | None = None  # a spec overriding the circuit's declared distribution
    samples: int = 10_000  # samples the passes measure activity on
    extra: dict = field(default_factory=dict)


def compile(circuit: Circuit, options: CompileOptions | None = None, **kwargs) -> Network:
    """Compile `circuit` to a ReLU network. Keyword arguments set CompileOptions fields."""
    options = options or CompileOptions(**kwargs)
    plan = plan_levels(options.mode)
    groups = D.whole_circuit(circuit, options.distribution) if options.distribution else None
    compiled, report = run_passes(circuit, PassOptions(
        max_fanin=options.max_fanin, polarity=options.polarity, samples=options.samples,
        seed=options.seed, distribution=groups))
    if groups:
        compiled.distribution = groups  # eval samples what the network was compiled for
    identity = sp.eye_array(len(circuit.inputs), dtype=np.float32, format="csr")
    lowered = lower(compiled, Affine(identity, np.zeros(len(circuit.inputs), np.float32)),
                    plan.build)
    return assemble(circuit, compiled, identity, lowered, report, plan, options)


def assemble(source: Circuit, compiled: Circuit, embed, lowered: Lowered, report: PassReport,
             plan: Plan, options: CompileOptions) -> Network:
    """Put the lowered layers, the read-offs and a self-describing meta into a Network."""
    widths = [embed.shape[1]] + [layer.shape[1] for layer in lowered.layers]
    meta = {
        "format": "circuitc-mlp",
        "format_version": 1,
        "circuitc_version": circuitc.__version__,
        "seed": options.seed,
        "options": asdict(options),
        "circuit_name": source.name,
        "source": source.graph.graph.get(K.G_SOURCE, {}),
        "distribution": D.describe(compiled),
        "inputs": list(source.inputs),
        "outputs": list(source.output_names),
        "layers": [{"kind": "compute", "d_in": widths[t], "d_out": widths[t + 1],
                    "level": t + 1, **{k: v for k, v in info.items() if k != "level"}}
                   for t, info in enumerate(lowered.layer_info)],
        "levels": [{"level": level, "layer": level, "wires": wires,
                    "complemented": [bool(compiled.graph.nodes[w].get(K.COMPLEMENTED))
                                     for w in wires]}
                   for level, wires in enumerate(lowered.wires)],
        "gates": {"source": len(source.gates()), "compiled": _logic_gates(compiled)},
        "passes": report.to_dict(),
    }
    threshold = np.full(len(source.outputs), 0.5, dtype=np.float32)
    return Network(meta, compiled.to_json(), embed, lowered.layers, lowered.readout, threshold,
                   lowered.readoffs)


def _logic_gates(circuit: Circuit) -> int:
    """Gates that compute something (buffers carry a wire to a later level; they do not)."""
    return sum(1 for g in circuit.gates() if circuit.op(g) != K.OP_BUF)
