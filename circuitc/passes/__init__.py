"""The pass pipeline: simplify -> fanin -> simplify -> lutmap -> monomials -> polarity ->
levelize -> sparsity -> depth (lutmap: into K-LUTs when `PassOptions.lut` is K; the LUT size best
for `PassOptions.optimize` when that is set (lutchoice); else each gate its own LUT, NOT gates
folded into their readers; none with fold_inverters off). Each pass returns a
new circuit (never touching its argument) and a JSON-able report; `run_passes` chains them and
gathers the reports into one `PassReport`. Within the chain each pass's result is handed over
to the next (`_rewrite.hand_over`): nothing else holds it, so the passes that only annotate
write into it instead of copying 1M-node graphs, and the ones that rebuild (simplify, fanin,
lutmap) free it while they build (`_rewrite.consumable`): one graph at their peak, not two.
The caller's circuit is never touched (unless the caller handed it over itself).
See docs/passes.md for what each pass does and what the report fields mean.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from circuitc import keys as K
from circuitc.errors import CircuitError, Diagnostic
from circuitc.graph import Circuit, gc_paused
from circuitc.passes._rewrite import drop_views, hand_over
from circuitc.passes.depth import UNCORRECTED_LIMIT, depth
from circuitc.passes.fanin import fanin
from circuitc.passes.levelize import levelize
from circuitc.passes.lutchoice import choose_lut
from circuitc.passes.lutmap import lutmap
from circuitc.passes.monomials import monomials
from circuitc.passes.polarity import polarity
from circuitc.passes.simplify import simplify
from circuitc.passes.sparsity import sparsity
from circuitc.progress import progress

__all__ = ["PassOptions", "PassReport", "run_passes", "simplify", "fanin", "lutmap", "choose_lut",
           "monomials", "polarity", "levelize", "sparsity", "depth"]


@dataclass
class PassOptions:
    max_fanin: int = 2
    polarity: bool = True  # complement mostly-on wires
    balance: bool = False  # levelize: move gates later where that saves buffers
    samples: int = 10_000  # samples for polarity and sparsity
    seed: int = 0
    sparsity_bound: int | None = None  # s: the most wires a level may have on in one sample
    max_depth: int | None = None
    distribution: list[dict] | None = None  # input groups; None = the circuit's declared one
    uncorrected_depth_limit: int = UNCORRECTED_LIMIT
    lut: int | None = None  # map into LUTs of this many inputs (2..8) for depth; None: no mapping
    optimize: str | None = None  # without lut: choose the LUT size for balanced|depth|neurons
    # (lutchoice); None or "gates": no LUT mapping beyond the NOT folding
    fold_inverters: bool = True  # without lut: NOT gates fold into their readers (lutmap, cuts 0)
    carry: bool = True  # levelize inserts buffers; False: levels only (the residual stream's form)


@dataclass
class PassReport:
    circuit: str
    passes: dict[str, dict] = field(default_factory=dict)  # pass name -> its report
    levels: list[dict] = field(default_factory=list)  # one row per level of the final circuit
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return json.loads(json.dumps({"circuit": self.circuit, "passes": self.passes,
                                      "levels": self.levels, "warnings": self.warnings}))

    def to_text(self) -> str:
        sp, dp = self.passes["sparsity"], self.passes["depth"]
        head = (f"circuit {self.circuit}: {self.passes['simplify']['gates_before']} gates -> "
                f"{sum(r['gates'] for r in self.levels)} gates + "
                f"{self.passes['levelize']['buffers']} buffers, depth {dp['depth']}; "
                f"inputs {sp['distribution']}; {sp['samples']} samples")
        bound = "no bound s requested" if sp["bound"] is None else f"s = {sp['bound']} (max <= s)"
        cols = "level  wires  gates   bufs  monomials(deg:n)      mean   p99.9    max  sparse"
        lines = [head, f"sparsity: {bound}", cols]
        for r in self.levels:
            mono = " ".join(f"{d}:{n}" for d, n in r["monomials"].items()) or "-"
            ok = {None: "-", True: "yes", False: "NO"}[r["sparse_ok"]]
            lines.append(f"{r['level']:>5} {r['wires']:>6} {r['gates']:>6} {r['buffers']:>6}  "
                         f"{mono:<18} {r['mean']:>7.2f} {r['p999']:>7.1f} {r['max']:>6}  "
                         f"{ok}{' dense' if r['dense'] else ''}")
        if sp["bound"] is not None:
            verdict = "every level is" if sp["all_sparse_ok"] else "NOT every level is"
            lines.append(f"{verdict} sparse enough for superposed lowering at s = {sp['bound']}")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def run_passes(circuit: Circuit, options: PassOptions | None = None, *,
               show_progress: bool = False) -> tuple[Circuit, PassReport]:
    """Run the whole pipeline on a copy of `circuit`; CircuitError (every problem at once) when
    the circuit is malformed or an option is unusable. The result satisfies levelize's contract:
    every gate has POLY over stored operand values at the level just before its own (with
    `carry=False`: at earlier levels, and outputs may be driven from any level).
    show_progress draws a bar, one step per pass, on a terminal (stderr)."""
    o = options or PassOptions()
    if o.optimize == "gates":
        o = replace(o, optimize=None)
    if o.lut is not None and o.optimize is not None:
        raise ValueError("lut (--lut K) fixes the LUT size and optimize (--optimize) chooses it: "
                         "give one of them")
    problems = circuit.validate()
    if problems:
        raise CircuitError([Diagnostic(p, circuit.name) for p in problems])
    report = PassReport(circuit.name)
    # With LUTs, the LUT size bounds the degree; fanin only makes the gates small enough to map.
    k = o.max_fanin if o.lut is None else min(o.max_fanin, o.lut)
    mapping = o.lut is not None or (k <= K.LUT_MAX_INPUTS and (o.optimize is not None
                                                                 or o.fold_inverters))
    with progress(8 + mapping, "passes", unit="pass", enabled=show_progress) as bar, \
            gc_paused():
        def run(name: str, one_pass, *args):
            bar.set_postfix_str(name)
            result = one_pass(*args)
            drop_views(args[0])  # so the graph is freed when the pass's result replaces it
            if isinstance(result, tuple) and isinstance(result[0], Circuit):
                hand_over(result[0])  # only this chain holds it: the next pass may write into it
            bar.update()
            return result

        c, report.passes["simplify"] = run("simplify", simplify, circuit)
        del circuit  # a caller that handed the graph over (compile from the CLI) lets it go here
        c, report.passes["fanin"] = run("fanin", fanin, c, k)
        c, report.passes["resimplify"] = run("resimplify", simplify, c)
        if o.lut is not None:
            c, report.passes["lutmap"] = run("lutmap", lutmap, c, o.lut)
        elif o.optimize is not None and k <= K.LUT_MAX_INPUTS:
            c, report.passes["lutmap"] = run("lutmap", choose_lut, c, o.optimize, max(k, 2))
        elif mapping:
            c, report.passes["lutmap"] = run("lutmap", lutmap, c, max(k, 2), 0)
        c, report.passes["monomials"] = run("monomials", monomials, c)
        c, report.passes["polarity"] = run("polarity", polarity, c, o.samples, o.seed,
                                           o.distribution, o.polarity)
        c, report.passes["levelize"] = run("levelize", levelize, c, o.balance, o.carry)
        report.passes["sparsity"] = run("sparsity", sparsity, c, o.sparsity_bound, o.samples,
                                        o.seed, o.distribution)
        report.passes["depth"] = run("depth", depth, c, o.max_depth, o.uncorrected_depth_limit)
    for shape, act in zip(report.passes["levelize"]["levels"], report.passes["sparsity"]["levels"]):
        report.levels.append({**shape, **{k: act[k] for k in
                                          ("mean", "p999", "max", "dense", "sparse_ok")}})
    report.warnings = report.passes["sparsity"]["warnings"] + report.passes["depth"]["warnings"]
    return hand_over(c, False), report  # the caller's now: a pass it runs on c copies it
