"""The SAE experiment: can a sparse autoencoder find the ANDs a network computes in superposition?

    python examples/sae/experiment.py --m 60 --steps 1500 --out runs/sae \
        --table docs/sae_results.md --plot docs/img/sae_recovery.png

1. Compile the AND of all pairs of m 3-sparse features (examples/circuits/u_and.circ) in
   superposition: the hidden layer `layers.0.hook_post` holds all m(m-1)/2 ANDs on far fewer
   ReLUs.
2. Train SAELens SAEs on that layer (examples/sae/train.py: activations streamed from the
   network, no cache) for a grid of dictionary sizes and sparsities.
3. Score each with circuitc.score against the ANDs (the hook's ground truth) and against the
   m input features (a least-squares read-off of the inputs from the same layer), next to the
   ceiling (the true read-off as a dictionary) and the floor (random directions, TopK 3).
4. Write a markdown table, a JSON of every number and a plot of recovered features against
   dictionary size and L0.

Deterministic: the same options give the same network, SAEs and scores (torch runs on one
thread; SAELens's trainer and circuitc's streams are seeded).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

import circuitc
from circuitc.score import (
    input_truth, labelled_batches, load_dictionary, random_dictionary, score_batches,
    true_dictionary,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train as T  # noqa: E402

HOOK = "layers.0.hook_post"
U_AND = Path(__file__).resolve().parents[1] / "circuits" / "u_and.circ"
# (architecture, dictionary size, k for topk / L1 coefficient for standard[, learning rate])
GRID = [("standard", 512, 1.0), ("standard", 2048, 1.0), ("standard", 2048, 3.0),
        ("standard", 2048, 1.0, 1e-3), ("topk", 512, 3), ("topk", 2048, 3)]


def build_network(m: int, seed: int = 0, width: int | None = None) -> circuitc.Network:
    """U-AND on m 3-sparse features, compiled in superposition (at a fixed `width`: below
    m ~ 100 no width narrower than the exact lowering passes the compiler's acceptance rule,
    and a fixed width is checked for zero errors and its margin only)."""
    circuit = circuitc.parse_file(U_AND, params={"M": m})
    return circuitc.compile(circuit, mode="superposed", seed=seed, width=width)


def run_name(arch: str, size: int, param, lr: float | None = None) -> str:
    """The directory name of one SAE of the grid under --out (lr: when not the run's)."""
    name = f"{arch}-{size}-" + (f"k{int(param)}" if arch == "topk" else f"l1-{param:g}")
    return name if lr is None else f"{name}-lr{lr:g}"


def _scores(net, dictionary, truths, n, seed) -> dict:
    """Scores against the ANDs ("ands") and the input features ("inputs"), one stream each."""
    out = {}
    for name, truth in truths.items():
        wires = "hook" if name == "ands" else "inputs"
        batches = labelled_batches(net, HOOK, n, seed, 2048, wires)
        report = score_batches(dictionary, truth, batches)
        report.pop("per_wire")
        out[name] = report
    return out


def _cached_scores(net, dictionary, truths, n: int, seed: int, path: Path | None) -> dict:
    """_scores, kept beside a saved SAE (circuitc_scores-n{n}-s{seed}.json) for reruns."""
    cache = None if path is None else Path(path) / f"circuitc_scores-n{n}-s{seed}.json"
    if cache is not None and cache.exists():
        return json.loads(cache.read_text())
    scores = _scores(net, dictionary, truths, n, seed)
    if cache is not None:
        cache.write_text(json.dumps(scores))
    return scores


def _row(label: str, arch: str, size: int, param, scores: dict, seconds: float | None) -> dict:
    a, i = scores["ands"], scores["inputs"]
    return {"dictionary": label, "arch": arch, "latents": size, "param": param,
            "l0": a["sae_l0"], "dead": a["dead_latents"], "explained_variance":
            a["explained_variance"], "ands": a["wires"], "ands_recovered": a["wires_recovered"],
            "ands_mcc": a["mcc"], "ands_mmcs": a["mmcs"], "ands_f1": a["mean_best_f1"],
            "ands_auroc": a.get("mean_best_auroc"), "inputs": i["wires"],
            "inputs_recovered": i["wires_recovered"], "inputs_mcc": i["mcc"],
            "inputs_mmcs": i["mmcs"], "inputs_f1": i["mean_best_f1"],
            "train_seconds": seconds, "scores": scores}


def run(m: int = 60, grid=GRID, steps: int = 1500, batch: int = 256, lr: float = 3e-3,
        n_score: int = 20_000, seed: int = 0, out: Path | None = None, log=print,
        width: int | None = None) -> dict:
    """Build, train, score; returns {"network": ..., "rows": [...]} (rows: ceiling, floor, SAEs)."""
    torch.set_num_threads(1)  # deterministic, and faster than 2 contending threads here
    net = build_network(m, seed, width)
    ands = circuitc.ground_truth(net, HOOK)
    inputs = input_truth(net, HOOK, n=n_score, seed=seed + 1)
    truths = {"ands": ands, "inputs": inputs}
    log(f"network: {m} inputs, {len(ands.wires)} ANDs on {ands.d} ReLUs")
    cache = None if out is None else Path(out) / f"baselines-m{m}-n{n_score}-s{seed}.json"
    if cache is not None and cache.exists():  # the ceiling and floor rows of an earlier run
        rows = json.loads(cache.read_text())
    else:
        rows = _baselines(net, ands, inputs, n_score, seed)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(rows))
    for arch, size, param, *own_lr in grid:
        run_lr = own_lr[0] if own_lr else lr
        label = f"{arch} {size}, " + (f"k={param}" if arch == "topk" else f"L1={param:g}")
        label += f", lr {own_lr[0]:g}" if own_lr else ""
        path = None if out is None else Path(out) / run_name(arch, size, param, *own_lr)
        if path is not None and (path / "cfg.json").exists():  # trained before (train.py -o)
            dictionary = load_dictionary(path)
            seconds = json.loads((path / "circuitc_train.json").read_text())["seconds"]
        else:
            start = time.perf_counter()
            sae = T.train(net, HOOK, arch, size, k=int(param) if arch == "topk" else 0,
                          l1=float(param), steps=steps, batch=batch, lr=run_lr, seed=seed)
            seconds = time.perf_counter() - start
            dictionary = T.to_dictionary(sae, path)
            if path is not None:
                T.write_run_info(path, seconds, steps=steps, batch=batch, lr=run_lr, seed=seed)
        rows.append(_row(label, arch, size, param,
                         _cached_scores(net, dictionary, truths, n_score, seed, path), seconds))
        r = rows[-1]
        log(f"{label}: {seconds:.0f} s; L0 {r['l0']:.2f}; ANDs recovered {r['ands_recovered']}"
            f"/{r['ands']} (MCC {r['ands_mcc']:.3f}); inputs {r['inputs_recovered']}"
            f"/{r['inputs']} (MCC {r['inputs_mcc']:.3f})")
    return {"network": {"m": m, "ands": len(ands.wires), "relus": ands.d, "hook": HOOK,
                        "steps": steps, "batch": batch, "lr": lr, "n_score": n_score,
                        "seed": seed}, "rows": rows}


def _baselines(net, ands, inputs, n_score: int, seed: int) -> list[dict]:
    """The ceiling (each true read-off scored on its own wires) and the floor (random)."""
    # the network's own decode threshold for the ANDs (its outputs) is the ceiling's threshold
    ceiling = true_dictionary(ands, threshold=float(np.median(net.threshold)))
    scores = _scores(net, ceiling, {"ands": ands}, n_score, seed)
    scores |= _scores(net, true_dictionary(inputs), {"inputs": inputs}, n_score, seed)
    floor = random_dictionary(ands.d, len(ands.wires), k=3, seed=seed)
    truths = {"ands": ands, "inputs": inputs}
    return [_row("ceiling: true read-offs", "truth", len(ands.wires), None, scores, None),
            _row("floor: random directions, TopK 3", "random", len(ands.wires), 3,
                 _scores(net, floor, truths, n_score, seed), None)]


def table(result: dict) -> str:
    """The markdown table of a run."""
    head = ("| dictionary | latents | L0 | dead | expl. var. | ANDs recovered | AND MCC | "
            "AND MMCS | AND mean best F1 | inputs recovered | input MCC | input mean best F1 |"
            " train s |")
    lines = [head, "|---|" + "---:|" * (head.count("|") - 2)]
    for r in result["rows"]:
        t = "" if r["train_seconds"] is None else f"{r['train_seconds']:.0f}"
        lines.append(
            f"| {r['dictionary']} | {r['latents']} | {r['l0']:.2f} | {r['dead']} | "
            f"{r['explained_variance']:.3f} | {r['ands_recovered']} / {r['ands']} | "
            f"{r['ands_mcc']:.3f} | {r['ands_mmcs']:.3f} | {r['ands_f1']:.3f} | "
            f"{r['inputs_recovered']} / {r['inputs']} | {r['inputs_mcc']:.3f} | "
            f"{r['inputs_f1']:.3f} | {t} |")
    return "\n".join(lines) + "\n"


def plot(result: dict, path: str | Path) -> None:
    """Recovered ANDs and inputs (fraction) against dictionary size and against L0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    ceiling, floor, saes = rows[0], rows[1], rows[2:]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, x_key, x_label in ((axes[0], "latents", "dictionary size (latents)"),
                               (axes[1], "l0", "L0 (latents on per sample)")):
        for arch, marker in (("topk", "o"), ("standard", "s")):
            group = [r for r in saes if r["arch"] == arch]
            if not group:
                continue
            xs = [r[x_key] for r in group]
            ax.scatter(xs, [r["ands_recovered"] / r["ands"] for r in group], marker=marker,
                       color="C0", label=f"ANDs, {arch} SAE")
            ax.scatter(xs, [r["inputs_recovered"] / r["inputs"] for r in group], marker=marker,
                       facecolors="none", edgecolors="C1", label=f"inputs, {arch} SAE")
        for r, style in ((ceiling, "-"), (floor, ":")):
            name = "ceiling" if r is ceiling else "floor"
            ax.axhline(r["ands_recovered"] / r["ands"], color="C0", ls=style, lw=1,
                       label=f"ANDs, {name}")
            ax.axhline(r["inputs_recovered"] / r["inputs"], color="C1", ls=style, lw=1,
                       label=f"inputs, {name}")
        if x_key == "latents":
            ax.axvline(ceiling["ands"], color="grey", lw=0.8, ls="--")
            ax.text(ceiling["ands"], 0.5, " # ANDs", color="grey", fontsize=8)
        ax.set_xscale("log", base=2)
        ax.set_xlabel(x_label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction recovered (best latent F1 >= 0.9)")
    net = result["network"]
    fig.suptitle(f"SAEs on the hidden layer of U-AND: {net['ands']} ANDs of {net['m']} "
                 f"3-sparse inputs on {net['relus']} ReLUs")
    axes[1].legend(fontsize=7, loc="center right")
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--m", type=int, default=60)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--n-score", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="Directory for the trained SAEs (SAELens format).")
    ap.add_argument("--table", help="Write the markdown table here (and a .json beside it).")
    ap.add_argument("--plot", help="Write the plot here (.png).")
    ap.add_argument("--baselines-only", action="store_true",
                    help="Score only the ceiling and the floor (cached under --out).")
    a = ap.parse_args()
    result = run(a.m, grid=[] if a.baselines_only else GRID, steps=a.steps, batch=a.batch,
                 lr=a.lr, n_score=a.n_score, seed=a.seed, out=a.out,
                 log=lambda s: print(s, flush=True))
    text = table(result)
    print(text)
    if a.table:
        Path(a.table).write_text(text)
        Path(a.table).with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    if a.plot:
        plot(result, a.plot)


if __name__ == "__main__":
    main()
