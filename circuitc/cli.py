"""The `circuitc` command: a thin shell over the Python API.

Every command reads its inputs through the API, prints a readable table (or `--json`), and turns
a CircuitError or a bad value into `error: ...` lines on stderr and exit status 1, never a
traceback (`circuitc --debug ...` re-raises for developers).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any, Callable

import click
import numpy as np

from circuitc import distribution as D
from circuitc.errors import CircuitError, Diagnostic
from circuitc.frontend import parse_file
from circuitc.simulate import read_input_ports, read_ports, simulate, truth_table

FORMAT_CHOICES = ["circ", "bench", "aiger", "blif", "bristol"]


# ---- plumbing -----------------------------------------------------------------------------------
def _handle_errors(command: Callable) -> Callable:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (CircuitError, ValueError, OSError) as error:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            message = str(error) if isinstance(error, CircuitError) else f"error: {error}"
            click.echo(message, err=True)
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
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of plain error messages.")
@click.version_option(package_name="circuitc")
def main(debug: bool) -> None:
    """circuitc: compile boolean circuits to ReLU networks that compute them in superposition."""


# ---- check --------------------------------------------------------------------------------------
@main.command()
@file_argument
@param_option
@format_option
@json_option
@_handle_errors
def check(file: str, params: tuple[str, ...], fmt: str | None, as_json: bool) -> None:
    """Parse and elaborate FILE; report inputs, outputs, gates by kind, depth and warnings."""
    warnings: list[Diagnostic] = []
    circuit = _load(file, params, fmt, warnings)
    stats = circuit.stats()
    stats["distribution"] = D.describe(circuit)
    stats["warnings"] = [w.format() for w in warnings]
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    _print_warnings(warnings)
    click.echo(f"circuit {stats['name']}: {stats['inputs']} inputs, {stats['outputs']} outputs, "
               f"{stats['gates']} gates, depth {stats['depth']}")
    click.echo(f"input distribution: {stats['distribution']}")
    kinds = ", ".join(f"{k} {n}" for k, n in stats["gates_by_kind"].items())
    click.echo(f"gates by kind: {kinds or 'none'}")
    widths = stats["width_per_level"]
    click.echo(f"gates per level: {' '.join(map(str, widths)) if widths else 'none'}")
    click.echo(f"{len(warnings)} warning(s)")


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


if __name__ == "__main__":  # pragma: no cover
    main()
