"""AND-NOT without a NOT level or a second ReLU: levels, gates and exact ReLUs with NOT folding
(PassOptions.fold_inverters) and signed monomials (lowering/exact.py) each off and on.

    python bench/andnot.py FILE...

Prints one line per circuit and setting: the levels and logic gates after the passes and the
ReLUs of the exact network (architecture auto). docs/lut.md keeps the results.
"""

from __future__ import annotations

import sys

import circuitc.lowering.exact as exact
from circuitc.formats import load_circuit
from circuitc.lowering.plan import PlanOptions, plan_and_lower
from circuitc.passes import PassOptions, run_passes


def main() -> None:
    print("| circuit | NOT folding | signed monomials | levels | gates | ReLUs |")
    print("|---|---|---|---|---|---|")
    for path in sys.argv[1:]:
        circuit = load_circuit(path)
        for fold in (False, True):
            compiled, report = run_passes(circuit, PassOptions(fold_inverters=fold, samples=1000))
            for signed in (False, True):
                # signed off: no gate is rewritten over literals, so every level keeps its plain
                # monomials, as before
                exact.SIGNED_MAX_VARIABLES = 8 if signed else 0
                exact._signed_terms.cache_clear()
                plan = plan_and_lower(compiled, PlanOptions(samples=1000))
                relus = sum(layer.shape[1] for layer in plan.lowered.layers)
                print(f"| {circuit.name} | {'on' if fold else 'off'} | {'on' if signed else 'off'}"
                      f" | {report.passes['levelize']['depth']} | {compiled.logic_gates()} | "
                      f"{relus} |", flush=True)
    exact.SIGNED_MAX_VARIABLES = 8


if __name__ == "__main__":
    main()
