"""The interpretability commands of `circuitc`: hooks, convert, activations.

Registered on the `circuitc` group by circuitc.cli; thin shells over circuitc.truth,
circuitc.portable and circuitc.activations.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from circuitc.cli import _handle_errors, _table, json_option, main, network_argument


def _runs(levels: list[int]) -> str:
    """Sorted levels as runs, `0-188,190`: a residual stream holds the wires of every level
    before it, and a list of each would make the column as wide as the network is deep."""
    runs: list[list[int]] = []
    for level in levels:
        if runs and level == runs[-1][1] + 1:
            runs[-1][1] = level
        else:
            runs.append([level, level])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


@main.command()
@network_argument
@json_option
@_handle_errors
def hooks(network, as_json):
    """List the hook points of NETWORK: width and the circuit wires represented there."""
    from circuitc.netfile import load
    from circuitc.truth import ground_truth, hook_names

    net = load(network)
    rows = []
    for hook in hook_names(net):
        truth = ground_truth(net, hook)
        rows.append({"hook": hook, "d": truth.d, "wires": len(truth.wires),
                     "levels": sorted(set(truth.levels)), "examples": truth.wires[:3]})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(_table([[r["hook"], r["d"], r["wires"], _runs(r["levels"]) or "-",
                        " ".join(r["examples"]) + (" ..." if r["wires"] > 3 else "")]
                       for r in rows], ["hook", "width", "wires", "levels", "e.g."]))


@main.command()
@network_argument
@click.option("--to", "target", required=True, type=click.Choice(["safetensors", "npz"]),
              help="safetensors: a portable directory; npz: a network file.")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="The directory (safetensors) or file (npz) to write.")
@click.option("--force", is_flag=True, help="Replace an existing network directory.")
@_handle_errors
def convert(network, target, output, force):
    """Convert NETWORK (.npz or directory) to a portable safetensors + JSON directory or back.

    The directory holds model.safetensors, config.json, circuit.json and ground_truth.json
    (docs/network-format.md); `circuitc.load` and `circuitc.torch.load` read it."""
    from circuitc import portable
    from circuitc.netfile import load

    net = load(network)
    if target == "safetensors":
        portable.save(net, output, overwrite=force)
    else:
        if Path(output).is_dir():
            raise ValueError(f"{output} is a directory; give a file name for --to npz")
        net.save(output, show_progress=True)
    click.echo(f"wrote {output}")


@main.command(name="activations")
@network_argument
@click.option("--hook", required=True, help="Hook name (see `circuitc hooks NETWORK`).")
@click.option("-n", "--samples", "n", required=True, type=click.IntRange(min=1),
              help="How many inputs to draw from the network's input distribution.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The .npz to write: activations, wire_values, meta.")
@click.option("--seed", default=0, show_default=True)
@click.option("--batch", type=click.IntRange(min=1), help="Samples per batch (default: ~256 MB).")
@_handle_errors
def activations_command(network, hook, n, output, seed, batch):
    """Write the activations of NETWORK at HOOK with the exact values of the circuit wires
    represented there, streamed in batches (memory stays one batch)."""
    from circuitc.activations import save_activations
    from circuitc.netfile import load

    meta = save_activations(load(network), hook, output, n, seed=seed, batch=batch)
    click.echo(f"wrote {output}: {n} samples of {hook} (width {meta['d']}) with "
               f"{len(meta['wires'])} wire labels")
