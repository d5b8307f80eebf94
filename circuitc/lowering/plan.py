"""The plan: which construction lowers each level transition, and with what width.

`plan_levels` is where the superposed constructions and the width planner plug in; for now the
only construction is the exact one (one neuron per monomial), which is right for every level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from circuitc.lowering.construction import GateLayer, LevelSpec, via_monomials
from circuitc.lowering.exact import build_exact

MODES = ("exact",)


@dataclass
class Plan:
    mode: str
    choices: dict[int, str] = field(default_factory=dict)  # level -> construction name

    def build(self, spec: LevelSpec) -> GateLayer:
        self.choices[spec.level] = "exact"
        return via_monomials(build_exact(spec.monomials, spec.n_wires), spec)


def plan_levels(mode: str = "exact") -> Plan:
    """A plan for `mode`; raises ValueError for a mode this circuitc cannot lower."""
    if mode not in MODES:
        raise ValueError(f"mode '{mode}' is not available (available: {', '.join(MODES)})")
    return Plan(mode)
