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
- a circuit graph: NODE_BYTES per node and EDGE_BYTES per edge; a compile holds about
  GRAPH_COPIES of them at its peak (a pass reads one graph while it builds the next);
- a superposed network: a monomial is read off c hosts; every read-off nonzero costs
  NONZERO_BYTES (CSR and the CSC copy of streamed products, the width being tried and the last
  that passed, the construction's transients);
- an exact network: one neuron per monomial, and a forward batch holds ACTIVATION_COPIES dense
  [batch x width] float32 activations;
- samples: the inputs (one byte each) and the simulation chunks; products stream in column
  blocks of `circuitc.network.BLOCK_BYTES` (BLOCK_COPIES of them alive at once).
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from circuitc.errors import CircuitError, Diagnostic
from circuitc.graph import Circuit

BASE = 140 << 20
NODE_BYTES, EDGE_BYTES, GRAPH_COPIES = 1000, 330, 2.5
NONZERO_BYTES = 40
UAND_HOSTS, CLAMPED_RELUS_PER_GATE = 64, 36
ACTIVATION_COPIES, BATCH = 3, 2048
BLOCK_COPIES, SIM_BYTES = 4, 128 << 20
JSON_TO_GRAPH = 8  # a loaded circuit graph per byte of its JSON (the parse's dicts included)


@dataclass
class Estimate:
    total: int
    parts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        parts = ", ".join(f"{k} {gb(v)}" for k, v in self.parts.items() if v >= 1 << 20)
        return f"about {gb(self.total)} ({parts})"


def gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


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


def estimate_compile(circuit: Circuit, mode: str = "exact", construction: str = "uand",
                     samples: int = 10_000) -> Estimate:
    """The peak memory of compiling `circuit` (parsed, before the passes) with these options."""
    nodes = circuit.graph.number_of_nodes()
    edges = circuit.graph.number_of_edges()
    gates = len(circuit.gates())
    widest = max((len(level) for level in circuit.levels()), default=0)
    parts = {"base": BASE,
             "graphs": int(GRAPH_COPIES * (NODE_BYTES * nodes + EDGE_BYTES * edges)),
             "samples": samples * len(circuit.inputs)
             + min(SIM_BYTES, 8 * nodes * -(-samples // 64)),
             "blocks": _block_bytes(min(BATCH, samples), widest)}
    if mode == "exact":
        parts["network"] = 3 * gates * NONZERO_BYTES
        parts["activations"] = ACTIVATION_COPIES * min(BATCH, samples) * widest * 4
    else:
        hosts = UAND_HOSTS if construction == "uand" else CLAMPED_RELUS_PER_GATE
        parts["network"] = hosts * gates * NONZERO_BYTES
        # the width is searched; superposition keeps it far below the level's (docs/uand.md)
        parts["activations"] = ACTIVATION_COPIES * min(BATCH, samples) * 4 * min(widest, 4096)
    return Estimate(sum(parts.values()), parts)


def estimate_eval(path: str | os.PathLike, samples: int = 10_000) -> Estimate:
    """The peak memory of `circuitc eval` on the network file at `path`, from its directory
    (uncompressed member sizes) alone, before anything is loaded."""
    with zipfile.ZipFile(path) as archive:
        sizes = {info.filename.removesuffix(".npy"): info.file_size for info in archive.infolist()}
    circuit = sizes.get("circuit", 0)
    arrays = sum(sizes.values()) - circuit
    readoffs = sum(v for k, v in sizes.items() if k.startswith("levels.") and ".readoff.W" in k)
    widths = [v // 4 for k, v in sizes.items() if k.endswith(".b") and k.startswith("layers.")]
    columns = max([v // 4 for k, v in sizes.items() if k.endswith(".b")], default=0)
    parts = {"base": BASE, "circuit graph": JSON_TO_GRAPH * circuit,
             "network": arrays + readoffs,  # streamed products keep a CSC copy of read-offs
             # eval streams one layer at a time (a residual block updates the stream in place)
             # in batches of at most STREAM_BYTES of the widest activations
             "activations": ACTIVATION_COPIES * _batch(max(widths, default=0), samples) * 4
             * max(widths, default=0),
             "blocks": _block_bytes(min(BATCH, samples), columns)
             + min(SIM_BYTES, circuit)}
    return Estimate(sum(parts.values()), parts)


def _batch(widest: int, samples: int) -> int:
    """The forward batch eval uses (`circuitc.evaluate.batch_size`)."""
    from circuitc.evaluate import STREAM_BYTES

    return min(samples, BATCH, max(64, STREAM_BYTES // (4 * max(widest, 1))))


def check(estimate: Estimate, budget: int, what: str, path: str | os.PathLike) -> None:
    """CircuitError, before anything is built, when `estimate` is above `budget`."""
    if estimate.total > budget:
        raise CircuitError(Diagnostic(
            f"{what} would need {estimate.describe()}, more than --max-memory {gb(budget)}; "
            "raise --max-memory if the machine has it free, or use a smaller circuit",
            str(Path(path))))
