"""`circuitc score`: score a learned dictionary (a SAELens SAE, or arrays) against a network's
true wires at a hook. A thin shell over circuitc.score; registered on the group by circuitc.cli."""

from __future__ import annotations

import json

import click

from circuitc.cli import _handle_errors, _table, json_option, network_argument


@click.command(name="score")
@network_argument
@click.option("--sae", "sae_path", required=True, type=click.Path(exists=True),
              help="A SAELens SAE directory (cfg.json + sae_weights.safetensors), or a .npz or "
                   ".safetensors file with W_dec (and W_enc, b_enc, b_dec, threshold).")
@click.option("--hook", required=True, help="Hook name (see `circuitc hooks NETWORK`).")
@click.option("-n", "--samples", "n", default=100_000, show_default=True,
              type=click.IntRange(min=1), help="Samples of the network's input distribution.")
@click.option("--seed", default=0, show_default=True)
@click.option("--batch", type=click.IntRange(min=1), help="Samples per batch (default: ~256 MB).")
@click.option("--wires", type=click.Choice(["hook", "inputs"]), default="hook", show_default=True,
              help="hook: the circuit wires the hook represents; inputs: the circuit's inputs, "
                   "read linearly from the hook (a least-squares read-off).")
@click.option("--per-wire", is_flag=True, help="Also list every wire's best latent (with --json: "
                                               "include the per-wire lists).")
@json_option
@_handle_errors
def score_command(network, sae_path, hook, n, seed, batch, wires, per_wire, as_json):
    """Score the dictionary SAE against the true wires of NETWORK at HOOK.

    Reports MCC and mean max cosine of the decoder against the wires' read-off directions, each
    wire's best single-latent detector (F1, AUROC; recovered when F1 >= 0.9), L0, dead
    latents, shrinkage and explained variance (SAELens's synthetic-data metric names)."""
    from circuitc.netfile import load
    from circuitc.score import load_dictionary, score

    dictionary = load_dictionary(sae_path)
    report = score(load(network), hook, dictionary, n=n, seed=seed, batch=batch, wires=wires,
                   progress=not as_json)
    rows = report.pop("per_wire")
    if as_json:
        click.echo(json.dumps(report | ({"per_wire": rows} if per_wire else {}), indent=2))
        return
    c = report["classification"]
    auroc = report.get("mean_best_auroc")
    click.echo(f"{report['latents']} latents against {report['wires']} wires at {hook} "
               f"({wires}), {report['samples']} samples")
    click.echo(_table([
        ["wires recovered (F1 >= 0.9)", f"{report['wires_recovered']} / {report['wires']}"],
        ["mcc", f"{report['mcc']:.4f}"],
        ["mean max cosine", f"{report['mmcs']:.4f}"],
        ["uniqueness", f"{report['uniqueness']:.4f}"],
        ["mean best-latent F1", f"{report['mean_best_f1']:.4f}"],
        ["mean best-latent AUROC", "n/a" if auroc is None else f"{auroc:.4f}"],
        ["true L0 / SAE L0", f"{report['true_l0']:.3f} / {report['sae_l0']:.3f}"],
        ["dead latents", report["dead_latents"]],
        ["shrinkage", f"{report['shrinkage']:.4f}"],
        ["explained variance", f"{report['explained_variance']:.4f}"],
        ["classification P / R / F1", f"{c['precision']:.3f} / {c['recall']:.3f} / "
                                      f"{c['f1_score']:.3f}"],
    ], ["metric", "value"]))
    if report["wires_never_on"]:
        click.echo(f"note: {report['wires_never_on']} wires were never on in {n} samples "
                   "(F1 0, AUROC undefined); raise -n")
    if per_wire:
        aurocs = rows.get("auroc", [None] * len(rows["wire"]))
        click.echo(_table([[w, b, f"{f:.3f}", "n/a" if a is None else f"{a:.3f}", f"{m:.3f}"]
                           for w, b, f, a, m in zip(rows["wire"], rows["best_latent"], rows["f1"],
                                                    aurocs, rows["max_cos"])],
                          ["wire", "best latent", "F1", "AUROC", "max |cos|"]))
