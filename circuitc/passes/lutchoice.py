"""lutchoice: pick the LUT size for the user's objective, by mapping with each candidate.

A network has one layer per LUT level and one ReLU per term of each LUT's signed polynomial
(lutmap's area), so larger LUTs buy fewer layers at the price of more ReLUs (a 6-LUT parity has
63 terms where its 2-input XORs have 3 each), and which K wins depends on the circuit: control
logic saves both (EPFL priority: 250 layers and 978 ReLUs at the gate level, 31 and 768 at
K = 6), XOR-heavy arithmetic trades (ISCAS c6288: 120 layers and 2,337 ReLUs, 16 and 4,763).
So this pass maps the circuit with each candidate, gate level (no cuts: each gate of the AIG
view is a LUT of its own operands), K = 4 and K = 6, and keeps the mapping that scores best:

    neurons   fewest neurons, then fewest layers
    depth     fewest layers, then fewest neurons
    balanced  least neurons x layers (the network's size x its depth), then fewest neurons

Neurons are lutmap's count (before the terms LUTs of one level share); layers its depth.
Mapping costs time linear in the circuit (pure Python, about 1 ms a gate at K = 6 and 0.2 ms at
K = 4, measured on 64,000 and 512,000 gates: docs/lut.md), so a LUT size is tried only up to its
`MAX_GATES` and the report says which were not.
"""

from __future__ import annotations

from collections.abc import Mapping

from circuitc.graph import Circuit
from circuitc.passes._rewrite import consumable
from circuitc.passes.lutmap import lutmap

OBJECTIVES = ("balanced", "depth", "neurons")
CANDIDATES = (None, 4, 6)  # None: the gate level (lutmap without cuts)
# above this many gates a LUT size is not tried (mapping time; K = 4 still maps 512,000 gates in
# under two CPU minutes, and saves a quarter of the exact network's ReLUs on deep sparse circuits)
MAX_GATES = {4: 1_000_000, 6: 20_000}

_SCORES = {
    "neurons": lambda m: (m["neurons"], m["depth"]),
    "depth": lambda m: (m["depth"], m["neurons"]),
    "balanced": lambda m: (m["neurons"] * m["depth"], m["neurons"]),
}


def choose_lut(circuit: Circuit, objective: str, gate_k: int = 2,
               max_gates: Mapping[int, int] = MAX_GATES) -> tuple[Circuit, dict]:
    """Map `circuit` (fan-in at most `gate_k`, simplified) with each candidate LUT size and
    return the mapping that is best for `objective` (one of OBJECTIVES) with lutmap's report,
    extended by `objective`, `candidates` (per candidate: k, or None for the gate level; depth;
    neurons) and `chosen` (that k). Ties go to the earlier candidate (the smaller LUT). A LUT size
    k is a candidate up to `max_gates[k]` gates; `skipped` says which were left out. ValueError
    for an unknown objective."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}: one of {', '.join(OBJECTIVES)}")
    consumable(circuit)  # a hand-over ends here: every candidate maps the circuit, so no lutmap
    # may take it apart
    gates = len(circuit.gates())
    candidates = [k for k in CANDIDATES if k is None or gates <= max_gates.get(k, 0)]
    best = None
    rows = []
    for k in candidates:
        mapped, report = lutmap(circuit, gate_k, cuts=0) if k is None else lutmap(circuit, k)
        row = {"k": k, "depth": report["depth_after"], "neurons": report["neurons"]}
        rows.append(row)
        if best is None or _SCORES[objective](row) < _SCORES[objective](best[2]):
            best = (mapped, report, row)
    mapped, report, row = best
    report = {**report, "objective": objective, "candidates": rows, "chosen": row["k"]}
    left_out = [k for k in CANDIDATES if k not in candidates]
    if left_out:
        report["skipped"] = (f"{gates} gates: " + ", ".join(
            f"K = {k} not tried above {max_gates.get(k, 0):,} gates" for k in left_out)
            + " (choose a LUT size with --lut K)")
    return mapped, report
