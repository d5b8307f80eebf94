"""The `circuitc` command: a thin shell over the Python API.

Every command reads its inputs through the API, prints a readable table (or `--json`), and turns
a CircuitError or a bad value into `error: ...` lines on stderr and exit status 1, never a
traceback (`circuitc --debug ...` re-raises for developers).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

import zipfile

import click
import numpy as np

from circuitc import distribution as D
from circuitc import limits, memory
from circuitc.atomic import write_atomic
from circuitc.errors import CircuitError, Diagnostic, MissingExtra
from circuitc.frontend import parse_file
from circuitc.simulate import read_input_ports, read_ports, simulate, truth_table

FORMAT_CHOICES = ["circ", "bench", "aiger", "blif", "bristol"]


# ---- plumbing -----------------------------------------------------------------------------------
def _handle_errors(command: Callable) -> Callable:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:  # output piped into `head` and friends: not an error
            sys.stderr.close()
            sys.exit(0)
        except (CircuitError, ValueError, OSError, MissingExtra) as error:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            message = str(error) if isinstance(error, CircuitError) else f"error: {error}"
            click.echo(message, err=True)
            sys.exit(1)
        except MemoryError:  # past every estimate and --max-memory (e.g. limits raised by hand)
            if click.get_current_context().find_root().params.get("debug"):
                raise
            click.echo("error: out of memory; this circuit or network needs more memory than "
                       "this machine has free (see --max-memory and docs/robustness.md)", err=True)
            sys.exit(1)

    return wrapper


def _parse_assignments(values: tuple[str, ...], what: str) -> dict[str, int]:
    """NAME=VALUE pairs; values are integers in decimal, 0x hex or 0b binary."""
    result = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{what} expects NAME=VALUE, got {item!r}")
        try:
            result[name.strip()] = int(value.strip().replace("_", ""), 0)
        except ValueError:
            raise ValueError(f"{what} {name.strip()}: {value!r} is not an integer") from None
    return result


def _load(path: str, params: tuple[str, ...], fmt: str | None, warnings: list[Diagnostic]):
    return parse_file(path, params=_parse_assignments(params, "--param") or None, format=fmt,
                      warnings=warnings)


def _print_warnings(warnings: list[Diagnostic]) -> None:
    for w in warnings:
        click.echo(w.format(), err=True)


def _table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


file_argument = click.argument("file", type=click.Path(exists=True, dir_okay=False))
param_option = click.option("--param", "-P", "params", multiple=True, metavar="NAME=INT",
                            help="Set a compile-time parameter of the top circuit (.circ).")
format_option = click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES),
                             help="Input format (default: by file suffix).")
dist_option = click.option("--distribution", "dist", metavar="SPEC",
                           help="Override the declared input distribution for all inputs: "
                                "uniform, sparse(K), atmost(K), bernoulli(P).")
lut_option = click.option("--lut", type=click.IntRange(2, 8), metavar="K",
                          help="Map the circuit into K-input LUTs (2..8), one level each: "
                               "fewer layers.")
optimize_option = click.option(
    "--optimize", type=click.Choice(["balanced", "depth", "neurons", "gates"]),
    help="Choose the LUT size (gate level, 4 or 6) for fewest layers, fewest ReLUs, or least "
         "ReLUs x layers (balanced); gates: no LUTs, the circuit's own gates. Instead of --lut. "
         "Default: balanced for compile --mode auto, else gates. Circuits over 20,000 gates: "
         "gate level (map them with --lut K).")
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
# A network is a .npz file or a portable directory (`circuitc convert --to safetensors`).
network_argument = click.argument("network", type=click.Path(exists=True))

max_memory_option = click.option(
    "--max-memory", metavar="SIZE",
    help="Refuse up front, with the estimate, when the step would need more memory than this "
         "(e.g. 4G, 512M; default: half the machine's physical memory).")


def _budget(max_memory: str | None) -> int:
    return memory.parse_size(max_memory) if max_memory else memory.default_budget()


def _set_limits(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> None:
    """`--limit KEY=N`: set the limit's environment variable for this run (circuitc.limits)."""
    for item in values:
        key, _, number = item.partition("=")
        try:
            limit = limits.by_key(key)
        except ValueError as error:
            raise click.BadParameter(str(error), ctx, param) from None
        if limits.natural(number.strip()) is None:
            raise click.BadParameter(f"{item!r}: expected KEY=N with N a whole number", ctx,
                                     param)
        os.environ[limit.name] = str(limits.natural(number.strip()))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of plain error messages.")
@click.option("--limit", multiple=True, metavar="KEY=N", callback=_set_limits, expose_value=False,
              help="Set a resource limit on input for this run, e.g. --limit width=4000000 "
                   "(keys: " + ", ".join(limit.key for limit in limits.ALL)
                   + "; docs/robustness.md has the table). Same as CIRCUITC_MAX_<KEY>=N.")
@click.version_option(package_name="circuitc")
def main(debug: bool) -> None:
    """circuitc: compile boolean circuits to ReLU networks that compute them in superposition."""


# ---- check --------------------------------------------------------------------------------------
@main.command()
@file_argument
@click.option("--max-fanin", default=2, show_default=True, type=click.IntRange(min=2),
              help="Split wider gates into balanced trees of this fan-in.")
@click.option("--no-polarity", is_flag=True, help="Keep every wire in its own polarity.")
@click.option("--balance", is_flag=True, help="Move gates later where that saves buffers.")
@lut_option
@optimize_option
@click.option("--sparsity", "bound", type=click.IntRange(min=0), metavar="S",
              help="Check that every level has at most S wires on.")
@click.option("--max-depth", type=click.IntRange(min=0), help="Check depth against a maximum.")
@click.option("--samples", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Samples of the input distribution for the activity measurements.")
@click.option("--seed", default=0, show_default=True)
@max_memory_option
@dist_option
@param_option
@format_option
@json_option
@_handle_errors
def check(file, max_fanin, no_polarity, balance, lut, optimize, bound, max_depth, samples, seed,
          max_memory, dist, params, fmt, as_json) -> None:
    """Parse FILE, run the compiler passes and report the plan per level.

    Reports inputs, outputs, gates by kind, depth and warnings, then per level of the compiled
    circuit: wires, gates, buffers, monomials by degree and activity (mean, 99.9th percentile
    and max wires on), and whether each level is sparse enough at --sparsity S."""
    from circuitc.passes import PassOptions, run_passes

    warnings: list[Diagnostic] = []
    circuit = _load(file, params, fmt, warnings)
    memory.check(memory.estimate_passes(circuit, samples), _budget(max_memory),
                 "running the passes on this circuit", file)
    groups = D.whole_circuit(circuit, dist) if dist else None
    _, report = run_passes(circuit, PassOptions(
        max_fanin=max_fanin, polarity=not no_polarity, balance=balance, lut=lut,
        optimize=optimize, samples=samples, seed=seed, sparsity_bound=bound, max_depth=max_depth,
        distribution=groups), show_progress=not as_json)
    stats = circuit.stats() | {"distribution": D.describe(circuit, groups),
                               "warnings": [w.format() for w in warnings],
                               "plan": report.to_dict()}
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    _print_warnings(warnings)
    click.echo(f"circuit {stats['name']}: {stats['inputs']} inputs, {stats['outputs']} outputs, "
               f"{stats['gates']} gates, depth {stats['depth']}")
    kinds = ", ".join(f"{k} {n}" for k, n in stats["gates_by_kind"].items())
    click.echo(f"gates by kind: {kinds or 'none'}")
    click.echo(f"input distribution: {stats['distribution']}")
    click.echo("")
    click.echo(report.to_text())


# ---- simulate -----------------------------------------------------------------------------------
@main.command(name="simulate")
@file_argument
@click.option("--set", "sets", multiple=True, metavar="PORT=INT",
              help="Set an input port (integers: bit i of the value is bit i of the port).")
@click.option("--random", "n_random", type=click.IntRange(min=1), metavar="N",
              help="Simulate N samples of the input distribution and summarise the outputs.")
@click.option("--truth-table", "want_table", is_flag=True, help="Print the full truth table (<= 20 inputs).")
@click.option("--seed", default=0, show_default=True, help="Seed for --random.")
@dist_option
@param_option
@format_option
@json_option
@_handle_errors
def simulate_command(file, sets, n_random, want_table, seed, dist, params, fmt, as_json):
    """Evaluate FILE exactly on given, random or all inputs."""
    if sum([bool(sets), n_random is not None, want_table]) > 1:
        raise ValueError("choose one of --set, --random and --truth-table")
    warnings: list[Diagnostic] = []
    circuit = _load(file, params, fmt, warnings)
    _print_warnings(warnings)
    in_ports = [p["name"] for p in circuit.input_ports]
    out_ports = [p["name"] for p in circuit.output_ports]
    if want_table:
        x, y = truth_table(circuit)
        rows = [[*read_input_ports(circuit, xi).values(), *read_ports(circuit, yi).values()]
                for xi, yi in zip(x, y)]
        if as_json:
            click.echo(json.dumps({"inputs": in_ports, "outputs": out_ports, "rows": rows}))
        else:
            click.echo(_table(rows, in_ports + out_ports))
        return
    if n_random is not None:
        groups = D.whole_circuit(circuit, dist) if dist else None
        x = D.sample(circuit, n_random, seed=seed, groups=groups)
        y = simulate(circuit, x)
        summary = {
            "samples": n_random, "seed": seed,
            "distribution": D.describe(circuit, groups),
            "mean_inputs_on": float(x.sum(1).mean()) if x.size else 0.0,
            "mean_outputs_on": float(y.sum(1).mean()) if y.size else 0.0,
            "distinct_output_vectors": int(len(np.unique(np.packbits(y, axis=1), axis=0))),
            "p_one": dict(zip(circuit.output_names, map(float, y.mean(0)))),
        }
        if as_json:
            click.echo(json.dumps(summary, indent=2))
            return
        click.echo(f"{n_random} samples ({summary['distribution']}, seed {seed}): "
                   f"{summary['mean_inputs_on']:.2f} inputs and {summary['mean_outputs_on']:.2f} "
                   f"outputs on per sample, {summary['distinct_output_vectors']} distinct outputs")
        click.echo(_table([[n, f"{p:.4f}"] for n, p in summary["p_one"].items()],
                          ["output", "P(1)"]))
        return
    values = _parse_assignments(sets, "--set")
    outputs = circuit.simulate(values)
    if as_json:
        click.echo(json.dumps({"inputs": values, "outputs": outputs}))
        return
    widths = {p["name"]: len(p["bits"]) for p in circuit.output_ports}
    click.echo(_table([[n, v, format(v, f"0{widths[n]}b")] for n, v in outputs.items()],
                      ["output", "value", "bits (MSB..LSB)"]))


# ---- import, export -----------------------------------------------------------------------------
@main.command(name="import")
@file_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="The .circ file to write (default: FILE's name with .circ, here).")
@format_option
@_handle_errors
def import_command(file, output, fmt):
    """Read FILE in a standard format and write it as a readable .circ program."""
    from circuitc.formats import write_circ

    circuit = _load(file, (), fmt, [])
    output = output or Path(file).with_suffix(".circ").name
    write_atomic(output, write_circ(circuit).encode())
    click.echo(f"wrote {output}: {len(circuit.gates())} gates")


@main.command()
@file_argument
@click.option("--to", "target", required=True,
              type=click.Choice(["bench", "aag", "dot", "json", "circ"]), help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Output file (default: stdout).")
@click.option("--after-passes", is_flag=True,
              help="Export the circuit after the compiler passes (monomial form, levelized).")
@lut_option
@max_memory_option
@param_option
@format_option
@_handle_errors
def export(file, target, output, after_passes, lut, max_memory, params, fmt):
    """Write the circuit of FILE (after elaboration) in another format."""
    from circuitc.formats import EXPORTERS
    from circuitc.passes import PassOptions, run_passes

    if lut is not None and not after_passes:
        raise ValueError("--lut maps the circuit in the passes: give --after-passes with it")
    warnings: list[Diagnostic] = []
    circuit = _load(file, params, fmt, warnings)
    _print_warnings(warnings)
    if after_passes:
        memory.check(memory.estimate_passes(circuit), _budget(max_memory),
                     "running the passes on this circuit", file)
        circuit, _ = run_passes(circuit, PassOptions(lut=lut), show_progress=True)
    text = EXPORTERS[target](circuit)
    if output:
        write_atomic(output, text.encode())
    else:
        click.echo(text, nl=False)


# ---- gen ----------------------------------------------------------------------------------------
@main.group()
def gen() -> None:
    """Write seeded generated circuits as .circ programs."""


def _emit(text: str, output: str | None) -> None:
    if output:
        write_atomic(output, text.encode())
    else:
        click.echo(text, nl=False)


gen_output = click.option("-o", "--output", type=click.Path(dir_okay=False),
                          help="File to write (default: stdout).")


@gen.command(name="uand")
@click.option("--m", "m", required=True, type=click.IntRange(min=2), help="Number of features.")
@click.option("--k", "k", default=2, show_default=True, type=click.IntRange(min=2),
              help="AND of every k-subset.")
@click.option("--active", default=3, show_default=True, type=click.IntRange(min=1),
              help="Features on per input (the declared sparse(active) distribution).")
@gen_output
@_handle_errors
def gen_uand(m, k, active, output):
    """The AND of every k-subset of M sparse features (the paper's U-AND task)."""
    from circuitc.gen import uand_circ

    _emit(uand_circ(m, k, active), output)


@gen.command(name="sparse")
@click.option("--wires", required=True, type=click.IntRange(min=1), help="Wires per level.")
@click.option("--levels", required=True, type=click.IntRange(min=1), help="Number of levels.")
@click.option("--active", required=True, type=click.IntRange(min=1),
              help="Wires on per level to aim for (inputs are sparse(active)).")
@click.option("--inputs", type=click.IntRange(min=1), help="Input features (default: --wires).")
@click.option("--seed", default=0, show_default=True)
@gen_output
@_handle_errors
def gen_sparse(wires, levels, active, inputs, seed, output):
    """A random layered circuit of AND, OR, XOR and AND-NOT gates whose every level keeps about
    ACTIVE wires on (measured; the activity per level is in the file's header)."""
    from circuitc.gen import sparse_circ

    _emit(sparse_circ(wires, levels, active, seed, inputs=inputs, show_progress=True), output)


# ---- compile, run, eval, info -------------------------------------------------------------------
@main.command(name="compile")
@file_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Network file to write (default: FILE's name with .npz, here).")
@click.option("--mode", type=click.Choice(["exact", "superposed", "auto"]), default="exact",
              show_default=True, help="Lowering: exact (one ReLU per monomial) or in superposition.")
@click.option("--seed", default=0, show_default=True, help="Seed of every random choice.")
@click.option("--max-fanin", default=2, show_default=True, type=click.IntRange(min=2),
              help="Split wider gates into balanced trees of this fan-in.")
@click.option("--no-polarity", is_flag=True, help="Keep every wire in its own polarity.")
@lut_option
@optimize_option
@click.option("--construction", type=click.Choice(["auto", "uand", "clamped"]), default="auto",
              show_default=True, help="The construction of superposed levels (auto: clamped "
              "for circuits deeper than two gate levels, else uand).")
@click.option("--width", default="auto", show_default=True, metavar="N|auto",
              help="Width of every superposed level, or the smallest that validates.")
@click.option("--input-dim", type=click.IntRange(min=1), metavar="D0",
              help="Store the inputs in superposition in D0 dimensions.")
@click.option("--architecture", type=click.Choice(["auto", "mlp", "residual"]), default="auto",
              show_default=True,
              help="Exact mode: a chain of ReLU layers (mlp, buffers carry wires across levels) "
                   "or blocks on a residual stream (no buffers); auto: residual when the chain "
                   "would need buffers.")
@click.option("--samples", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Samples for activity measurement and validation.")
@click.option("--margin", default=0.05, show_default=True, type=float,
              help="Smallest read-off margin a superposed level must keep on validation.")
@click.option("--correct-width", type=click.IntRange(min=2), metavar="N",
              help="Insert an error-correction layer of N ReLUs after every superposed level.")
@max_memory_option
@dist_option
@param_option
@format_option
@json_option
@_handle_errors
def compile_command(file, output, mode, seed, max_fanin, no_polarity, lut, optimize, construction,
                    width, input_dim, architecture, samples, margin, correct_width, max_memory,
                    dist, params, fmt, as_json):
    """Compile FILE to a ReLU network (.npz).

    --mode exact gives one ReLU per monomial and zero error on every input. --mode superposed
    lowers every level in superposition at the smallest width that has zero bit errors on a
    seeded validation sample (and refuses, with the reason, when no width does); --mode auto
    does so only where it beats the exact lowering."""
    from circuitc.compiling import CompileOptions, compile
    from circuitc.lowering.plan import construction_for

    if width != "auto" and not (width.isdigit() and int(width) > 0):
        raise ValueError(f"--width takes a positive integer or 'auto', got {width!r}")
    warnings: list[Diagnostic] = []
    held = [_load(file, params, fmt, warnings)]  # no local name: compile may free the graph
    _print_warnings(warnings)
    # the planner decides "auto" on the circuit after the passes; the source's depth estimates it
    estimated = construction_for(construction, held[0].depth)
    budget = _budget(max_memory)
    estimate = memory.estimate_compile(held[0], mode, estimated, samples)
    if mode == "auto" and estimate.total > budget:  # auto then builds the exact lowering
        estimate = memory.estimate_compile(held[0], "exact", estimated, samples)
    memory.check(estimate, budget, "compiling this circuit", file)
    net = compile(held.pop(), max_memory=budget, options=CompileOptions(
        mode=mode, seed=seed, max_fanin=max_fanin, polarity=not no_polarity, lut=lut,
        optimize=optimize, distribution=dist,
        construction=construction, width=None if width == "auto" else int(width),
        input_dim=input_dim, samples=samples, margin=margin, correct_width=correct_width,
        architecture=architecture), show_progress=not as_json)
    output = output or Path(file).with_suffix(".npz").name
    net.save(output, show_progress=not as_json)
    summary = _summary(net) | {"output": str(output)}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    for row in net.meta["plan"]["levels"]:
        if row["construction"] != "exact" or row.get("why") not in (None, "no monomials"):
            choice = (f"{row['construction']} width {row['width']} (exact: {row['exact_width']})"
                      if row["construction"] != "exact" else f"exact: {row['why']}")
            if "widened_from" in row:
                choice += f", widened from {row['widened_from']}: {row['widened_because']}"
            click.echo(f"level {row['level']}: {choice}")
    if net.meta["plan"]["fallback"]:
        click.echo(f"fell back to the exact lowering: {net.meta['plan']['fallback']}")
    risk = net.meta["plan"]["validation"].get("risk")
    if risk:  # the acceptance rule's verdict on the fresh check (circuitc.lowering.acceptance,
        # or the exact count of circuitc.lowering.pair_risk)
        how = ("exact risk (counted over every input, not sampled)" if risk.get("method") ==
               "exact" else "predicted risk")
        click.echo(f"fresh check: {net.meta['plan']['validation']['samples']} samples, "
                   f"{net.meta['plan']['validation']['bit_errors']} bit errors; {how} of "
                   f"a bit error in {risk['draws']} more samples {risk['risk']:.2g} (limit "
                   f"{risk['risk_limit']}" + ("" if risk["ok"] else
                                              ", NOT met: the width was fixed") + ")")
    shape = (f"{summary['layers']} blocks on a residual stream of {summary['widths'][0]}, "
             f"ReLUs per block" if net.architecture == "residual" else
             f"{summary['layers']} layers, widths {summary['widths'][0]}")
    click.echo(f"wrote {output}: {shape} {_widths(summary['widths'][1:])}, "
               f"{summary['neurons']} ReLUs for "
               f"{summary['gates']} gates ({summary['gates_per_relu']:.3f} gates per ReLU)")


def _widths(widths: list[int], shown: int = 40) -> str:
    """The widths in order; beyond `shown` layers (sqrt has 5,058) their first and last
    ones and the spread."""
    if len(widths) <= shown:
        return " ".join(map(str, widths))
    half = shown // 4
    return (f"{' '.join(map(str, widths[:half]))} ... {' '.join(map(str, widths[-half:]))} "
            f"(min {min(widths)}, median {int(np.median(widths))}, max {max(widths)})")


def _summary(net) -> dict[str, Any]:
    # the meta records the compiled circuit's gates: parsing its JSON again (net.circuit) would
    # cost a second graph (2.3 GB and 27 s for the U-AND of m = 1000)
    recorded = net.meta.get("gates", {}).get("compiled")
    gates = recorded if recorded is not None else net.circuit.logic_gates()
    return {
        "circuit": net.meta.get("circuit_name"), "mode": net.mode,
        "architecture": net.architecture,
        "layers": len(net.layers), "widths": [net.embed.shape[1]] + [l.shape[1] for l in net.layers],
        "neurons": net.neurons, "gates": gates, "source_gates": net.meta["gates"].get("source"),
        "gates_per_relu": gates / net.neurons if net.neurons else 0.0,
        "parameters": net.parameters(),
        "validation": net.meta.get("plan", {}).get("validation"),
        "fallback": net.meta.get("plan", {}).get("fallback"),  # why auto mode built it exact
    }


@main.command()
@network_argument
@click.option("--set", "sets", multiple=True, metavar="PORT=INT", help="Set an input port.")
@json_option
@_handle_errors
def run(network, sets, as_json):
    """Run NETWORK on one input and print the decoded outputs."""
    from circuitc.netfile import load
    from circuitc.simulate import assign_ports

    net = load(network)
    circuit = net.circuit
    x = assign_ports(circuit, _parse_assignments(sets, "--set"))[None, :]
    y = net.forward(x)
    outputs = read_ports(circuit, net.decode(y)[0])
    if as_json:
        click.echo(json.dumps({"outputs": outputs, "y": y[0].tolist()}))
        return
    widths = {p["name"]: len(p["bits"]) for p in circuit.output_ports}
    click.echo(_table([[n, v, format(v, f"0{widths[n]}b")] for n, v in outputs.items()],
                      ["output", "value", "bits (MSB..LSB)"]))


@main.command(name="eval")
@network_argument
@click.option("--samples", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Samples of the input distribution (when not exhaustive).")
@click.option("--seed", default=0, show_default=True)
@click.option("--exhaustive-limit", default=16, show_default=True,
              help="Check every input when there are at most this many inputs.")
@max_memory_option
@json_option
@_handle_errors
def eval_command(network, samples, seed, exhaustive_limit, max_memory, as_json):
    """Prove NETWORK against the exact simulation of its circuit.

    Exit status 0 when every output bit is right, 1 otherwise."""
    from circuitc.evaluate import evaluate
    from circuitc.netfile import load

    try:
        estimate = memory.estimate_eval(network, samples)
    except (OSError, zipfile.BadZipFile):
        estimate = None  # not a readable zip: the loader reports what is wrong with it
    if estimate is not None:
        memory.check(estimate, _budget(max_memory), "evaluating this network", network)
    report = evaluate(load(network, graph=False), samples=samples, seed=seed,
                      exhaustive_limit=exhaustive_limit, show_progress=not as_json)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(f"{report['samples']} inputs ({report['inputs']}; {report['distribution']}): "
                   f"{report['bit_errors']} bit errors, {report['samples_with_errors']} samples "
                   "with a wrong output")
        rows = [[lv["level"], lv["layer"], lv["wires"], f"{lv['mean_error']:+.2e}",
                 f"{lv['max_abs_error']:.2e}",
                 "n/a" if lv["margin"] is None else f"{lv['margin']:+.3f}"]
                for lv in report["levels"]]
        click.echo(_table(rows, ["level", "layer", "wires", "mean err", "max |err|", "margin"]))
        bad = {k: v for k, v in report["bit_errors_per_output"].items() if v}
        if bad:
            click.echo("wrong outputs: " + ", ".join(f"{k} ({v})" for k, v in bad.items()))
        ratio = report["gates_per_relu"]
        click.echo(f"{report['neurons']} ReLUs, {report['gates']} gates, "
                   f"{0.0 if ratio is None else ratio:.3f} gates per ReLU")
        click.echo("OK: every output bit is right" if report["ok"] else "FAILED")
    sys.exit(0 if report["ok"] else 1)


@main.command()
@network_argument
@json_option
@_handle_errors
def info(network, as_json):
    """Describe NETWORK: layers, widths, parameters, density, options, circuit."""
    from circuitc.netfile import load
    from circuitc.network import affines, nnz

    net = load(network)
    layers = []
    for t, (entry, layer) in enumerate(zip(net.meta["layers"], net.layers)):
        maps = affines(layer)
        nonzero = sum(nnz(a.W) for a in maps)
        layers.append({"layer": t, **entry, "nonzero": nonzero,
                       "density": nonzero / max(1, sum(a.shape[0] * a.shape[1] for a in maps))})
    data = _summary(net) | {"options": net.meta["options"], "source": net.meta["source"],
                            "distribution": net.meta["distribution"],
                            "inputs": len(net.input_names), "outputs": len(net.output_names),
                            "layer_table": layers, "format_version": net.meta["format_version"]}
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"network for circuit {data['circuit']} (mode {data['mode']}, "
               f"{data['architecture']} architecture, circuitc-mlp v{data['format_version']}): "
               f"{data['inputs']} inputs, {data['outputs']} outputs")
    source = {k: str(v) for k, v in data["source"].items()}
    click.echo(f"source: {source.get('path', '?')} sha256 {source.get('sha256', '?')[:16]}...")
    click.echo(f"input distribution: {data['distribution']}")
    compiled = net.circuit.stats()
    buffers = compiled["gates_by_kind"].get("buf", 0)
    # the vocabulary of `check` and `compile`: gates compute, buffers carry a wire a level up
    click.echo(f"compiled circuit: {data['source_gates']} gates in the source -> "
               f"{compiled['gates'] - buffers} gates + {buffers} buffers, depth "
               f"{compiled['depth']}, by kind: "
               + ", ".join(f"{k} {n}" for k, n in compiled["gates_by_kind"].items()))
    click.echo(_table([[r["layer"], r["kind"], r["level"], r["d_in"], r["d_out"], r["nonzero"],
                        f"{r['density']:.4f}"] for r in layers],
                      ["layer", "kind", "level", "d_in", "d_out", "nonzero W", "density"]))
    p = data["parameters"]
    click.echo(f"{data['neurons']} ReLUs, {p['nonzero']} nonzero parameters "
               f"({p['dense']} dense), {data['gates']} gates "
               f"({data['gates_per_relu']:.3f} per ReLU)")
    opts = ", ".join(f"{k}={v}" for k, v in data["options"].items() if k != "extra")
    click.echo(f"options: {opts}")


from circuitc import cli_interp  # noqa: E402,F401  (registers hooks, convert, activations)
from circuitc.cli_score import score_command  # noqa: E402
main.add_command(score_command)

if __name__ == "__main__":  # pragma: no cover
    main()
