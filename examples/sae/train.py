"""Train a SAELens SAE on a hook of a circuitc network, fed straight from `circuitc.activations`.

    python examples/sae/train.py NET.npz --hook layers.0.hook_post --arch topk --d-sae 2048 --k 3 \
        --steps 1500 --batch 256 -o runs/topk-2048-k3

SAELens's `SAETrainer` takes any iterator of activation batches, so the network's activations
stream into it batch by batch (seeded: the same options give the same SAE); nothing is cached on
disk. The trained SAE is saved with `save_inference_model` (cfg.json + sae_weights.safetensors),
the directory `circuitc score` and `circuitc.score.load_dictionary` read.
"""

from __future__ import annotations

import argparse
import json
import time
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from sae_lens import SAETrainer
from sae_lens.config import LoggingConfig, SAETrainerConfig
from sae_lens.saes.standard_sae import StandardTrainingSAE, StandardTrainingSAEConfig
from sae_lens.saes.topk_sae import TopKTrainingSAE, TopKTrainingSAEConfig

import circuitc
from circuitc.truth import run_to_hook
from circuitc.distribution import sample
from circuitc.score import Dictionary, load_dictionary


def activation_batches(net: circuitc.Network, hook: str, batch: int, seed: int
                       ) -> Iterator[torch.Tensor]:
    """An endless stream of [batch, d] float32 activations at `hook` (SAELens's data provider),
    inputs drawn from the network's distribution as `circuitc.activations` draws them; the
    wire labels are not needed for training, so the circuit is not simulated."""
    for i in range(1 << 62):
        x = sample(net.circuit, batch,
                   seed=int(np.random.SeedSequence([seed, i]).generate_state(1)[0]))
        yield torch.from_numpy(run_to_hook(net, hook, x))


def make_sae(arch: str, d_in: int, d_sae: int, k: int, l1: float):
    """A SAELens training SAE: `topk` (k latents on) or `standard` (ReLU + L1 penalty l1)."""
    common = dict(d_in=d_in, d_sae=d_sae, dtype="float32", device="cpu")
    if arch == "topk":
        return TopKTrainingSAE(TopKTrainingSAEConfig(k=k, **common))
    if arch == "standard":
        return StandardTrainingSAE(StandardTrainingSAEConfig(l1_coefficient=l1, **common))
    raise ValueError(f"unknown SAE architecture {arch!r}; expected topk or standard")


def train(net: circuitc.Network, hook: str, arch: str, d_sae: int, *, k: int = 3,
          l1: float = 1.0, steps: int = 2000, batch: int = 1024, lr: float = 3e-4,
          seed: int = 0, out: str | Path | None = None, progress: bool = False):
    """Train one SAE on `hook` and save it to `out` (if given); returns the trained SAE."""
    torch.manual_seed(seed)
    d_in = circuitc.ground_truth(net, hook).d
    sae = make_sae(arch, d_in, d_sae, k, l1)
    cfg = SAETrainerConfig(
        total_training_samples=steps * batch, train_batch_size_samples=batch, lr=lr, lr_end=lr,
        lr_warm_up_steps=0, lr_decay_steps=steps // 5, device="cpu",
        dead_feature_window=max(50, steps // 10), feature_sampling_window=max(100, steps // 5),
        logger=LoggingConfig(log_to_wandb=False), n_batches_for_norm_estimate=10)
    trainer = SAETrainer(cfg=cfg, sae=sae, data_provider=activation_batches(net, hook, batch, seed))
    if not progress:  # SAETrainer's tqdm bar: keep the logs of batch runs readable
        import sae_lens.training.sae_trainer as trainer_module
        trainer_module.tqdm = _quiet_tqdm
    trainer.fit()
    if out is not None:
        sae.save_inference_model(out)
    return sae


def to_dictionary(sae, path: str | Path | None = None) -> Dictionary:
    """The trained SAE as circuitc sees it: saved with SAELens's `save_inference_model` (to
    `path`, or a temporary directory) and read back with `circuitc.score.load_dictionary`."""
    if path is None:
        with tempfile.TemporaryDirectory() as tmp:
            return to_dictionary(sae, tmp)
    sae.save_inference_model(path)
    return load_dictionary(path)


def write_run_info(path: str | Path, seconds: float, **options) -> None:
    """circuitc_train.json beside the SAE: training time and options (read by experiment.py)."""
    Path(path, "circuitc_train.json").write_text(json.dumps({"seconds": seconds, **options}))


def _quiet_tqdm(*args, **kwargs):
    from tqdm.auto import tqdm
    return tqdm(*args, **{**kwargs, "disable": True})


def _uand(spec: str) -> circuitc.Network:
    from experiment import build_network

    return build_network(int(spec.removeprefix("uand:")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("net", help="A network (.npz) or uand:M (experiment.py's U-AND network)")
    ap.add_argument("--hook", default="layers.0.hook_post")
    ap.add_argument("--arch", choices=["topk", "standard"], default="topk")
    ap.add_argument("--d-sae", type=int, required=True)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--l1", type=float, default=1.0)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: deterministic)")
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    net = circuitc.load(a.net) if a.net.endswith(".npz") else _uand(a.net)
    start = time.perf_counter()
    train(net, a.hook, a.arch, a.d_sae, k=a.k, l1=a.l1, steps=a.steps, batch=a.batch,
          lr=a.lr, seed=a.seed, out=a.out, progress=True)
    write_run_info(a.out, time.perf_counter() - start, steps=a.steps, batch=a.batch, lr=a.lr,
                   seed=a.seed)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
