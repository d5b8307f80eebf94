"""Memory estimates made before building: refuse up front, with the estimate, instead of being
killed by the kernel half way.

`estimate_compile(circuit, options)` and `estimate_eval(path, samples)` return an `Estimate`: the
expected peak resident memory in bytes and what it is made of. `check(estimate, budget, what)`
raises CircuitError naming both when the estimate is above the budget. `default_budget()` is a
safe share of the machine (half its physical memory: the machines circuitc runs on are shared).

The model (constants from `/usr/bin/time -v` peaks of the U-AND stages at m = 200..1000, see
docs/uand.md; checked against measured peaks at small sizes by tests/test_memory.py; an
estimate, meant to be within a factor of two, not a bound):
- the interpreter with numpy, scipy and networkx: BASE;
- a circuit graph: NODE_BYTES per node and EDGE_BYTES per edge; the passes hold about
  GRAPH_COPIES of them at their peak (a pass builds the next graph while it takes the one it
  was handed apart: U-AND m = 1000 and 2000 peak at 2.04 and ~6.1 GB, docs/uand.md); an exact
  compile keeps the graph while it lowers, a superposed one packs it (`Circuit.pack`) and keeps
  PLAN_NODE_BYTES a node (the packed JSON, the simulation schedule, the level specs, the
  outputs' outline, and the freed graph's heap the process keeps: RSS after the pack, 1.1 and
  0.95 KB a node at U-AND m = 1000 and 2000): its peak is that of the passes or of the plan,
  whichever is larger (`Estimate.stage`);
- a superposed network: a monomial is read off c hosts (`plan.uand_hosts`: 64, or width / 9
  at the widest width the search builds when the risk is counted); every read-off nonzero costs
  NONZERO_BYTES (CSR, the construction's transients, the width being tried and the last that
  passed; fitted when streamed products still kept a CSC copy of a read-off, an upper side not
  refitted since); COUNTED_NONZERO_BYTES when the risk is counted (its tries keep no read-off:
  the layer being tried, 8 bytes an entry built in place, and `pair_risk`'s tables; fitted with
  PLAN_NODE_BYTES on the plan's peaks at m = 1000 and 2000, 1.61 and 7.39 GB, estimated 2.44
  and 7.37: docs/uand.md session 10);
- an exact network: one neuron per monomial, and a forward batch holds ACTIVATION_COPIES dense
  [batch x width] float32 activations;
- a clamped network: CLAMPED_BYTES_PER_GATE (its composed layers and read-offs hold ~1200
  nonzeros a gate whatever the width, docs/deep.md session 5, at ~20 bytes each at the peak:
  CSR, the column blocks' transients, the tried width's and the last passing one's; fitted
  with the CSC copy streamed products kept before session 9);
- samples: SAMPLE_BYTES per input bit and sample (the bool inputs of the search sample and of
  the fresh check's 1.5 x larger one), plus DRAW_COPIES blocks of `distribution.DRAW_BYTES`
  while they are drawn (the keys, their partition, a comparison); then the simulation chunks; products
  stream in column blocks of `circuitc.network.BLOCK_BYTES` (BLOCK_COPIES of them alive at once);
- eval: the circuit's JSON text and its nodes (JSON_TO_NODES a byte of JSON), the network's
  arrays once (column blocks of a read-off are made without a copy of it), the exact values of
  every level's wires on a batch, kept as on-entries (TRUTH_ENTRY_BYTES each: a bool and an
  int64 index, twice while the chunks are stacked), as many as the sparsity pass measured (the
  mean wires on per level, in the file's meta); one layer's activations of a batch at a time.
bench/memory.py measures these estimates against peaks at small and mid sizes
(docs/robustness.md).
"""

from __future__ import annotations

import json
import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from circuitc.distribution import DRAW_BYTES
from circuitc.errors import CircuitError, Diagnostic
from circuitc.graph import Circuit

BASE = 140 << 20
NODE_BYTES, EDGE_BYTES, GRAPH_COPIES = 1000, 330, 1.5
PLAN_NODE_BYTES = 950
NONZERO_BYTES, COUNTED_NONZERO_BYTES = 40, 12
CLAMPED_BYTES_PER_GATE, CLAMPED_WIDTH = 24_000, 430
# the widest layer the width search of a counted U-AND builds: it doubles from 16 ReLUs until a
# width passes, 1024 at m = 100..1000 (which then chose 790..899: docs/uand.md)
COUNTED_WIDTH = 1024
ACTIVATION_COPIES, BATCH = 3, 2048
BLOCK_COPIES, SIM_BYTES = 4, 128 << 20
SAMPLE_BYTES, DRAW_COPIES = 3, 3
# eval's circuit per byte of its JSON: the text and the nodes read from it without a graph
# (`circuitc.nodes.read_nodes`); fitted on eval's peaks of the U-AND at m = 700, 1000, 2000
# (1.08, 1.70, 5.40 GB: 3.1 to 3.2 bytes a JSON byte, docs/uand.md session 10)
JSON_TO_NODES = 3.2
TRUTH_ENTRY_BYTES = 18
META_READ_LIMIT = 256 << 20  # a meta larger than this is not read for the estimate


@dataclass
class Estimate:
    total: int
    parts: dict[str, int] = field(default_factory=dict)
    stage: str | None = None  # the stage at the peak, when the parts are that stage's

    def describe(self) -> str:
        parts = ", ".join(f"{k} {size(v)}" for k, v in self.parts.items() if v >= 1 << 20)
        at = f" at {self.stage}" if self.stage else ""
        return f"about {size(self.total)}{at} ({parts})"


def size(n: float) -> str:
    """Bytes for people: GB from a gigabyte on, else MB (a 1M budget is not '0.00 GB')."""
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


def physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: assume a small machine
        return 8 << 30


def default_budget() -> int:
    """Half the physical memory: a safe share on a machine others use too."""
    return physical_memory() // 2


def parse_size(text: str) -> int:
    """'4G', '512M', '1.5GB', '8000000000' -> bytes (powers of 1024 for K, M, G, T)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(f"--max-memory takes a size such as 4G or 512M, got {text!r}")
    unit = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    return int(float(match.group(1)) * unit[match.group(2).upper()])


def _block_bytes(rows: int, columns: int) -> int:
    """Column blocks of streamed products: a [rows x columns] float32 output at most a block."""
    from circuitc.network import BLOCK_BYTES

    return BLOCK_COPIES * min(BLOCK_BYTES, 4 * rows * columns)


def _passes_parts(circuit: Circuit, samples: int) -> dict[str, int]:
    nodes = circuit.graph.number_of_nodes()
    edges = circuit.graph.number_of_edges()
    return {"base": BASE,
            "graphs": int(GRAPH_COPIES * (NODE_BYTES * nodes + EDGE_BYTES * edges)),
            "samples": samples * SAMPLE_BYTES * len(circuit.inputs)
            + DRAW_COPIES * min(DRAW_BYTES, 8 * samples * len(circuit.inputs))
            + min(SIM_BYTES, 8 * nodes * -(-samples // 64))}


def estimate_passes(circuit: Circuit, samples: int = 10_000) -> Estimate:
    """The peak memory of running the passes on `circuit` (parsed) with `samples` samples
    (`circuitc check`, `export --after-passes`)."""
    parts = _passes_parts(circuit, samples)
    return Estimate(sum(parts.values()), parts)


def estimate_compile(circuit: Circuit, mode: str = "exact", construction: str = "uand",
                     samples: int = 10_000) -> Estimate:
    """The peak memory of compiling `circuit` (parsed, before the passes) with these options."""
    gates = len(circuit.gates())
    widest = max((len(level) for level in circuit.levels()), default=0)
    passes = _passes_parts(circuit, samples)
    blocks = _block_bytes(min(BATCH, samples), widest)
    if mode == "exact":  # the graph is kept while the network is built
        parts = passes | {"blocks": blocks, "network": 3 * gates * NONZERO_BYTES,
                          "activations": ACTIVATION_COPIES * min(BATCH, samples) * widest * 4}
        return Estimate(sum(parts.values()), parts)
    from circuitc.lowering.plan import MAX_WIDTH_FACTOR, UAND_HOSTS, counted, uand_hosts

    # The width is searched. U-AND keeps it far below the level's (docs/uand.md); clamped
    # levels take about CLAMPED_WIDTH sqrt(wires) ReLUs (19 a gate at 500 wires a level,
    # 2 at 32,000: docs/deep.md, bench/memory.py), up to the search's limit. A U-AND whose
    # risk is counted gets width / 9 hosts a pair (plan.uand_hosts), at the widest width
    # its search builds: COUNTED_WIDTH (docs/uand.md, session 5).
    certified = construction == "uand" and counted(circuit)
    width = min(widest, COUNTED_WIDTH if certified else 4096) if construction == "uand" \
        else min(MAX_WIDTH_FACTOR * widest, int(CLAMPED_WIDTH * math.sqrt(widest)))
    if construction == "uand":
        hosts = uand_hosts(width, True) if certified else UAND_HOSTS
        network = hosts * gates * (COUNTED_NONZERO_BYTES if certified else NONZERO_BYTES)
    else:
        network = CLAMPED_BYTES_PER_GATE * gates
    # the plan holds the circuit packed (`Circuit.pack`): the passes' graphs are gone by then
    plan = {"base": BASE, "packed circuit": PLAN_NODE_BYTES * circuit.graph.number_of_nodes(),
            "samples": passes["samples"], "blocks": blocks, "network": network,
            "activations": ACTIVATION_COPIES * min(BATCH, samples) * 4 * width}
    stages = {"the passes": passes, "the plan": plan}
    stage = max(stages, key=lambda name: sum(stages[name].values()))
    return Estimate(sum(stages[stage].values()), stages[stage], stage)


def estimate_eval(path: str | os.PathLike, samples: int = 10_000) -> Estimate:
    """The peak memory of `circuitc eval` on the network file at `path`, from its directory
    (uncompressed member sizes) alone, before anything is loaded."""
    with zipfile.ZipFile(path) as archive:
        sizes = {info.filename.removesuffix(".npy"): info.file_size for info in archive.infolist()}
        wires_on = _wires_on(archive, sizes.get("meta", 0))
    circuit = sizes.get("circuit", 0)
    arrays = sum(sizes.values()) - circuit
    widths = [v // 4 for k, v in sizes.items() if k.endswith(".b") and k.startswith("layers.")]
    columns = max([v // 4 for k, v in sizes.items() if k.endswith(".b")], default=0)
    widest = max(widths, default=0)
    batch = _batch(widest, samples)
    parts = {"base": BASE, "circuit": int(JSON_TO_NODES * circuit),
             "network": arrays,
             # eval streams one layer at a time (a residual block updates the stream in place)
             # in batches of at most STREAM_BYTES of the widest activations, and simulates the
             # exact values of one batch at a time
             "exact values": int(TRUTH_ENTRY_BYTES * batch * wires_on),
             "activations": ACTIVATION_COPIES * batch * 4 * widest,
             "blocks": _block_bytes(min(BATCH, samples), columns)
             + min(SIM_BYTES, circuit)}
    return Estimate(sum(parts.values()), parts)


def _wires_on(archive: zipfile.ZipFile, meta_bytes: int) -> float:
    """The mean number of wires on per sample summed over the levels and the outputs, from the
    sparsity pass's measurements in the file's meta; 0 when the meta cannot be read (the loader
    then reports what is wrong with it)."""
    if meta_bytes > META_READ_LIMIT:
        return 0.0
    try:
        with archive.open("meta.npy") as member:
            meta = json.loads(str(np.lib.format.read_array(member, allow_pickle=False)))
        means = [float(row["mean"]) for row in meta["passes"]["levels"]]
        return sum(means) + means[-1]  # the outputs are the top level's wires (levelize)
    except Exception:  # any damage: no estimate of this part, and load() says what is wrong
        return 0.0


def _batch(widest: int, samples: int) -> int:
    """The forward batch eval uses (`circuitc.evaluate.batch_size`)."""
    from circuitc.evaluate import STREAM_BYTES

    return min(samples, BATCH, max(64, STREAM_BYTES // (4 * max(widest, 1))))


def check(estimate: Estimate, budget: int, what: str, path: str | os.PathLike) -> None:
    """CircuitError, before anything is built, when `estimate` is above `budget`."""
    if estimate.total > budget:
        raise CircuitError(Diagnostic(
            f"{what} would need {estimate.describe()}, more than --max-memory {size(budget)}; "
            "raise --max-memory if the machine has it free, or use a smaller circuit",
            str(Path(path))))
