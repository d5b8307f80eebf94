"""depth: the circuit's depth against a requested maximum and the uncorrected-superposition limit.

Read-off errors of a superposed layer feed the next layer's pre-activations and compound with
depth (notes, sections 5 and 7: our probes saw errors cascade from about the third level on
without clamping or correction). So a superposed lowering without error correction is only
trusted for a few levels; beyond that the report warns.
"""

from __future__ import annotations

from circuitc import keys as K
from circuitc.graph import Circuit

UNCORRECTED_LIMIT = 4  # levels a superposed lowering without error correction is trusted for


def depth(circuit: Circuit, max_depth: int | None = None,
          uncorrected_limit: int = UNCORRECTED_LIMIT) -> dict:
    """Report the depth (the largest keys.LEVEL, or the longest path when levels are not set)
    against `max_depth` (`ok` is None when no maximum is given), and warn when it exceeds
    `uncorrected_limit`, the number of levels a superposed lowering without error correction
    should be asked to hold (default UNCORRECTED_LIMIT = 4)."""
    levels = [d[K.LEVEL] for n, d in circuit.graph.nodes(data=True)
              if d[K.OP] in K.GATE_OPS and K.LEVEL in d]
    value = max(levels) if levels else circuit.depth
    warnings = []
    ok = None if max_depth is None else value <= max_depth
    if ok is False:
        warnings.append(f"depth {value} exceeds the requested maximum of {max_depth}")
    if value > uncorrected_limit:
        warnings.append(
            f"depth {value} is more than {uncorrected_limit} levels: a superposed lowering "
            "without error correction will accumulate read-off errors; add correction layers "
            "or use the exact lowering for the deeper levels")
    return {"depth": value, "max_depth": max_depth, "ok": ok,
            "uncorrected_limit": uncorrected_limit,
            "needs_correction": value > uncorrected_limit, "warnings": warnings}
